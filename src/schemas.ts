import { z } from "zod";
import { formats } from "./formats/index.js";

/** The JSON Schema (draft 2020-12) of each record format, generated from its zod schema. */
export function jsonSchemas(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(formats)) {
    const schema = z.toJSONSchema(f.schema as z.ZodType, { target: "draft-2020-12" }) as Record<string, unknown>;
    // A stable identifier for tools that register schemas; the files are exported as prep-data/schemas/NAME.schema.json.
    out[name] = { $schema: schema.$schema, $id: schemaId(name), ...schema };
  }
  return out;
}

/** The `$id` of a format's schema: a URN (the package has no web home to point a URL at). */
export function schemaId(name: string): string {
  return `urn:prep-data:schema:${name}`;
}

/** File name and text for each schema, exactly as committed in schemas/. */
export function schemaFiles(): { file: string; text: string }[] {
  return Object.entries(jsonSchemas()).map(([name, schema]) => ({ file: `${name}.schema.json`, text: JSON.stringify(schema, null, 2) + "\n" }));
}
