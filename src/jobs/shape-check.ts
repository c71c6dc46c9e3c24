/** A shape of an AWS service model, as much of it as constraints need (see scripts/extract-service-shapes.py). */
export interface Shape {
  type: string;
  required?: string[];
  pattern?: string;
  min?: number;
  max?: number;
  enum?: string[];
  union?: boolean;
  members?: Record<string, { shape: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
}

export interface ServiceShapes {
  botocore: string;
  services: Record<string, { apiVersion: string; inputs: Record<string, string>; shapes: Record<string, Shape> }>;
}

/** One way a request breaks its operation's input shape: the field's path and what is wrong. */
export interface ShapeProblem {
  path: string;
  message: string;
}

const compiled = new Map<string, RegExp>();

/**
 * A pattern matched against the whole value. Smithy patterns are not anchored by themselves, but Bedrock's API
 * reference writes each of these as ^…$ and the service refuses a value that matches only in part
 * (`dialogsum-ft.v2` as customModelName), so a partial match is a problem here.
 */
function whole(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) compiled.set(pattern, (re = new RegExp(`^(?:${pattern})$`, "u")));
  return re;
}

/** Every way `value` breaks `shapeName` (required members, unknown members, types, patterns, lengths, ranges, enums). */
export function shapeProblems(shapes: Record<string, Shape>, shapeName: string, value: unknown, path = ""): ShapeProblem[] {
  const s = shapes[shapeName];
  if (!s) return [{ path, message: `no shape ${shapeName} in the service model` }];
  const out: ShapeProblem[] = [];
  const at = (m: string) => out.push({ path: path || "(request)", message: m });
  const range = (n: number, what: string) => {
    if (s.min !== undefined && n < s.min) at(`${what} ${n} is below the minimum ${s.min}`);
    if (s.max !== undefined && n > s.max) at(`${what} ${n} is above the maximum ${s.max}`);
  };
  switch (s.type) {
    case "structure": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) return [{ path, message: "must be an object" }];
      const v = value as Record<string, unknown>;
      for (const r of s.required ?? []) if (v[r] === undefined) out.push({ path: path ? `${path}.${r}` : r, message: "is required" });
      const given = Object.keys(v).filter((k) => v[k] !== undefined);
      if (s.union && given.length !== 1) at(`exactly one of ${Object.keys(s.members ?? {}).join(", ")} is needed`);
      for (const k of given) {
        const m = s.members?.[k];
        const p = path ? `${path}.${k}` : k;
        if (!m) out.push({ path: p, message: "is not a member of the request" });
        else out.push(...shapeProblems(shapes, m.shape, v[k], p));
      }
      break;
    }
    case "list":
      if (!Array.isArray(value)) return [{ path, message: "must be a list" }];
      range(value.length, "length");
      value.forEach((x, i) => out.push(...shapeProblems(shapes, s.member!.shape, x, `${path}[${i}]`)));
      break;
    case "map":
      if (typeof value !== "object" || value === null) return [{ path, message: "must be a map" }];
      range(Object.keys(value).length, "entries");
      for (const [k, x] of Object.entries(value)) {
        out.push(...shapeProblems(shapes, s.key!.shape, k, `${path} key`));
        out.push(...shapeProblems(shapes, s.value!.shape, x, `${path}.${k}`));
      }
      break;
    case "string":
      if (typeof value !== "string") return [{ path, message: "must be a string" }];
      range([...value].length, "length");
      if (s.enum && !s.enum.includes(value)) at(`${JSON.stringify(value)} is not one of ${s.enum.join(", ")}`);
      if (s.pattern && !whole(s.pattern).test(value)) at(`${JSON.stringify(value)} does not match the service's pattern ${s.pattern}`);
      break;
    case "integer":
    case "long":
      if (typeof value !== "number" || !Number.isInteger(value)) return [{ path, message: "must be a whole number" }];
      range(value, "value");
      break;
    case "float":
    case "double":
      if (typeof value !== "number" || !Number.isFinite(value)) return [{ path, message: "must be a number" }];
      range(value, "value");
      break;
    case "boolean":
      if (typeof value !== "boolean") at("must be true or false");
      break;
    default:
      break; // documents, blobs, timestamps: not sent by prep-data
  }
  return out;
}
