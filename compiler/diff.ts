// How two IRs differ, as the list of changed JSON paths: `hgc compare` shows it, and a resumed
// run names the fields in which the experiment it is given differs from the one it continues.

export interface JsonChange {
  /** e.g. `params.lambda`, `evaluate[2].k`. */
  path: string;
  kind: "changed" | "added" | "removed";
  a?: unknown;
  b?: unknown;
}

/** Fields that say where an IR came from or what it hashes to, not what it is. */
const IGNORED = new Set(["source", "hash"]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every path where two JSON values differ, depth first, keys in sorted order. */
export function jsonDiff(a: unknown, b: unknown, path = "", ignore: Set<string> = IGNORED): JsonChange[] {
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !(path === "" && ignore.has(k))).sort();
    return keys.flatMap((k) => {
      const p = path ? `${path}.${k}` : k;
      if (!(k in a)) return [{ path: p, kind: "added" as const, b: b[k] }];
      if (!(k in b)) return [{ path: p, kind: "removed" as const, a: a[k] }];
      return jsonDiff(a[k], b[k], p, ignore);
    });
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: JsonChange[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= a.length) out.push({ path: p, kind: "added", b: b[i] });
      else if (i >= b.length) out.push({ path: p, kind: "removed", a: a[i] });
      else out.push(...jsonDiff(a[i], b[i], p, ignore));
    }
    return out;
  }
  return Object.is(a, b) ? [] : [{ path: path || "(root)", kind: "changed", a, b }];
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? "undefined" : s.length > 60 ? s.slice(0, 57) + "…" : s;
}

export function formatChange(c: JsonChange): string {
  if (c.kind === "added") return `+ ${c.path}: ${show(c.b)}`;
  if (c.kind === "removed") return `- ${c.path}: ${show(c.a)}`;
  return `~ ${c.path}: ${show(c.a)} → ${show(c.b)}`;
}
