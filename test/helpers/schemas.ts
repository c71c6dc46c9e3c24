import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { ROOT } from "./run.js";

/** A validator for the committed JSON Schema of a format (schemas/NAME.schema.json), independent of zod. */
export function committedSchemaValidator(name: string): (record: unknown) => boolean {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const schema = JSON.parse(readFileSync(join(ROOT, "schemas", `${name}.schema.json`), "utf8"));
  return ajv.compile(schema);
}
