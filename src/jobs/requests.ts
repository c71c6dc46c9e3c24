import { PrepError } from "../record.js";
import { SERVICE_SHAPES } from "./service-shapes.js";
import { shapeProblems, type ShapeProblem } from "./shape-check.js";

/** Every way a request to `service`'s `operation` breaks the operation's input shape in the service model. */
export function requestProblems(service: "bedrock" | "bedrock-runtime", operation: string, request: unknown): ShapeProblem[] {
  const svc = SERVICE_SHAPES.services[service]!;
  const input = svc.inputs[operation];
  if (!input) return [{ path: "", message: `${operation} is not an operation prep-data's shapes hold` }];
  return shapeProblems(svc.shapes, input, request);
}

/**
 * A usage error (exit 2) for a request that breaks its input shape, each problem named by the option that set the
 * field (`options` maps a field path's start to an option), before anything is sent.
 */
export function checkRequest(service: "bedrock" | "bedrock-runtime", operation: string, request: unknown, options: Record<string, string> = {}): void {
  const problems = requestProblems(service, operation, request);
  if (!problems.length) return;
  const name = (p: string) => {
    const hit = Object.keys(options)
      .filter((k) => p === k || p.startsWith(`${k}.`) || p.startsWith(`${k}[`))
      .sort((a, b) => b.length - a.length)[0];
    return hit ? `${options[hit]} (${p})` : p;
  };
  throw new PrepError(`${operation}: ${problems.map((x) => `${name(x.path)} ${x.message}`).join("; ")} [${service} service model, botocore ${SERVICE_SHAPES.botocore}]`, 2);
}

/** An S3 URI Bedrock's jobs take (the service model's S3Uri shape): a usage error naming `what` otherwise. */
export function checkS3Uri(uri: string, what: string): void {
  const s = SERVICE_SHAPES.services.bedrock!.shapes.S3Uri!;
  const problems = shapeProblems(SERVICE_SHAPES.services.bedrock!.shapes, "S3Uri", uri);
  if (problems.length) {
    throw new PrepError(`${what} ${uri}: not an S3 URI a Bedrock job takes (${problems.map((p) => p.message.replace(/ does not match.*/, "")).join("; ")}): the bucket in lower case, key parts of letters, digits and -!_*'(). only — no spaces, +, = or empty parts [S3Uri pattern ${s.pattern}]`, 2);
  }
}
