import { afterEach } from "vitest";
import { startTeacherServer } from "./teacher-server.js";

export type TeacherServer = Awaited<ReturnType<typeof startTeacherServer>>;
const servers: TeacherServer[] = [];
// Each test file loads this module afresh: its stand-ins close after each test.
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A stand-in teacher on 127.0.0.1, closed after the test. */
export async function teacher(opts: Parameters<typeof startTeacherServer>[0] = {}): Promise<TeacherServer> {
  const s = await startTeacherServer(opts);
  servers.push(s);
  return s;
}

/** The options that point synth at a stand-in over the OpenAI protocol. */
export const openai = (s: TeacherServer) => ["--teacher", "openai:qwen2.5-7b-instruct", "--base-url", `${s.url}/v1`];
