// The pieces the run and sweep reports' HTML share: one stylesheet, escaping, and the size at
// which a sample sheet is shown (enlarged by an integer factor, pixels kept sharp).
export { esc } from "./charts.js";

export const PAGE_CSS =
  "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:1120px;padding:0 1em;color:#222}" +
  "h1{font-size:1.6em;margin-bottom:.3em}h2{margin-top:1.6em;border-bottom:1px solid #e5e5e5;padding-bottom:.2em}h3{margin:1em 0 .3em;font-size:1.05em}" +
  "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;vertical-align:top}th{background:#f5f5f5;text-align:left}" +
  "td.v{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}tr.front td{background:#f3f8fc}code{font-size:12px}" +
  ".plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:14px}.plots svg{border:1px solid #eee;background:#fff;max-width:100%;height:auto}" +
  "img.samples{image-rendering:pixelated;image-rendering:crisp-edges;border:1px solid #eee}.note{color:#666;font-size:.92em}.wide{overflow-x:auto;max-width:100%}.wide table{font-size:13px}a{color:#0072B2}";

/** Width and height of a PNG, from its IHDR chunk (null for anything else). */
export function pngSize(png: Uint8Array): { width: number; height: number } | null {
  const b = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (b.length < 24 || b.toString("latin1", 12, 16) !== "IHDR") return null;
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** The integer factor that shows a `width`-pixel image about `target` pixels wide (at least 1). */
export function upscaleFactor(width: number, target = 560): number {
  return Math.max(1, Math.floor(target / width));
}
