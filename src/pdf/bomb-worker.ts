// A thread that checks one document for bombs (bomb.ts: bombCheck) and ends, taking the memory the check grew with it.
import { parentPort, workerData } from "node:worker_threads";
import { bombIn } from "./bomb.js";

const { pdf, limit } = workerData as { pdf: Uint8Array; limit: number };
parentPort!.postMessage(bombIn(pdf, limit) ?? null);
