import { bedrockControl, controlError } from "./job.js";

/** What `job status` and `job wait` report of a customization job. */
export interface JobSummary {
  jobName?: string;
  jobArn?: string;
  status?: string;
  failureMessage?: string;
  baseModelArn?: string;
  outputModelArn?: string;
  statusDetails?: unknown;
  creationTime?: Date;
  endTime?: Date;
}

/** Send a CreateModelCustomizationJob request (as planJob builds it): the job's ARN. */
export async function submitJob(request: Record<string, unknown>): Promise<{ jobArn?: string }> {
  const { m, c } = await bedrockControl();
  try {
    const r = await c.send(new m.CreateModelCustomizationJobCommand(request as never));
    return { jobArn: r.jobArn };
  } catch (e) {
    throw controlError(e, "CreateModelCustomizationJob");
  }
}

/** A job's status (name or ARN), through GetModelCustomizationJob. */
export async function jobStatus(id: string): Promise<JobSummary> {
  const { m, c } = await bedrockControl();
  try {
    const j = await c.send(new m.GetModelCustomizationJobCommand({ jobIdentifier: id }));
    return { jobName: j.jobName, jobArn: j.jobArn, status: j.status, ...(j.failureMessage ? { failureMessage: j.failureMessage } : {}), baseModelArn: j.baseModelArn, outputModelArn: j.outputModelArn, statusDetails: j.statusDetails, creationTime: j.creationTime, endTime: j.endTime };
  } catch (e) {
    throw controlError(e, `job ${id}`);
  }
}

/** Poll a job until it ends (first interval `intervalSeconds`, doubled up to 5 minutes): its last status. */
export async function waitForJob(id: string, o: { intervalSeconds?: number; onPoll?: (j: JobSummary, elapsedMs: number) => void } = {}): Promise<JobSummary> {
  let wait = Math.max(0.01, o.intervalSeconds ?? 30) * 1000;
  const t0 = Date.now();
  for (;;) {
    const j = await jobStatus(id);
    if (j.status !== "InProgress" && j.status !== "Stopping") return j;
    o.onPoll?.(j, Date.now() - t0);
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 300_000);
  }
}

/** The exit code of a job's status: 0 Completed (or still running), 1 Failed or Stopped. */
export const jobExitCode = (status?: string) => (status === "Failed" || status === "Stopped" ? 1 : 0);
