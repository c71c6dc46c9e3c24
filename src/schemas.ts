import { z } from "zod";
import { formats } from "./formats/index.js";

/** The JSON Schema (draft 2020-12) of each record format, generated from its zod schema. */
export function jsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(formats)) {
    out[name] = z.toJSONSchema(f.schema as z.ZodType, { target: "draft-2020-12" });
  }
  return out;
}

/** File name and text for each schema, exactly as committed in schemas/. */
export function schemaFiles(): { file: string; text: string }[] {
  return Object.entries(jsonSchemas()).map(([name, schema]) => ({ file: `${name}.schema.json`, text: JSON.stringify(schema, null, 2) + "\n" }));
}
