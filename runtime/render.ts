// PNG and PDF of the reports, without a browser: resvg (Rust, shipped prebuilt inside its npm
// package) draws each SVG plot to PNG, and pdf-lib lays the report out on A4 pages with those
// figures, the tables and the sample sheet. `hgc report RUN|SWEEP --format png|pdf` uses them.
import { PDFDocument, type PDFFont, type PDFPage, rgb, StandardFonts } from "pdf-lib";
import { existsSync } from "node:fs";
import { PNG } from "pngjs";
import { Resvg } from "@resvg/resvg-js";

/** Pixels per SVG pixel: a 520 px plot is 1040 px wide, about 300 dpi at a paper's column width. */
export const RASTER_SCALE = 2;

// The plots name DejaVu Sans first; loading just its two faces is much quicker than scanning
// every system font for each figure. Without them, the system's fonts are searched.
const DEJAVU = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"];
const FONTS = DEJAVU.every((f) => existsSync(f))
  ? { loadSystemFonts: false, fontFiles: DEJAVU, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" }
  : { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" };

const rendered = new Map<string, Buffer>();

/** An SVG (as hgc's plots write them) to PNG bytes, `scale` times its size; the last few are kept (a report draws each plot twice). */
export function svgToPng(svg: string, scale = RASTER_SCALE): Buffer {
  const key = `${scale} ${svg}`;
  const hit = rendered.get(key);
  if (hit) return hit;
  const png = new Resvg(svg, { fitTo: { mode: "zoom", value: scale }, background: "#ffffff", font: FONTS }).render().asPng();
  if (rendered.size >= 64) rendered.delete(rendered.keys().next().value!);
  rendered.set(key, png);
  return png;
}

/** A PNG enlarged `factor` times by repeating pixels (sample sheets stay sharp in any viewer). */
export function upscalePng(png: Buffer, factor: number): Buffer {
  if (factor <= 1) return png;
  const src = PNG.sync.read(png);
  const out = new PNG({ width: src.width * factor, height: src.height * factor });
  for (let y = 0; y < out.height; y++) {
    for (let x = 0; x < out.width; x++) {
      const s = ((Math.floor(y / factor) * src.width + Math.floor(x / factor)) << 2) >>> 0;
      const d = ((y * out.width + x) << 2) >>> 0;
      src.data.copy(out.data, d, s, s + 4);
    }
  }
  return PNG.sync.write(out);
}

/** What a PDF report holds, in order. */
export type Block =
  | { kind: "heading"; text: string }
  | { kind: "text"; text: string }
  | { kind: "table"; header?: string[]; rows: string[][] }
  | { kind: "figures"; svgs: string[] }
  | { kind: "image"; png: Buffer; width: number };

const PAGE = { w: 595.28, h: 841.89, margin: 42 };

// The standard PDF fonts speak WinAnsi: Latin-1 plus these. Anything else is spelled out.
const WIN_ANSI_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ";
const SPELLED: Record<string, string> = { "↑": "(max)", "↓": "(min)", "★": "*", "→": "->", "‖": "|", "≥": ">=", "≤": "<=", "−": "-", "✓": "ok", "✗": "x" };

/** Text the standard fonts can draw. */
export function pdfText(t: string): string {
  let out = "";
  for (const ch of t) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0xff) || WIN_ANSI_EXTRA.includes(ch)) out += ch;
    else out += SPELLED[ch] ?? "?";
  }
  return out;
}

/** Lays blocks out top to bottom over as many A4 pages as they need. */
class Layout {
  private page!: PDFPage;
  private y = 0;
  constructor(
    private doc: PDFDocument,
    private font: PDFFont,
    private bold: PDFFont,
  ) {
    this.newPage();
  }
  private newPage(): void {
    this.page = this.doc.addPage([PAGE.w, PAGE.h]);
    this.y = PAGE.h - PAGE.margin;
  }
  private need(h: number): void {
    if (this.y - h < PAGE.margin) this.newPage();
  }
  private fit(text: string, size: number, width: number, font = this.font): string {
    let t = pdfText(text);
    if (font.widthOfTextAtSize(t, size) <= width) return t;
    while (t.length > 1 && font.widthOfTextAtSize(t + "…", size) > width) t = t.slice(0, -1);
    return t + "…";
  }
  heading(text: string, size = 14): void {
    this.need(size + 14);
    this.y -= size + 6;
    this.page.drawText(this.fit(text, size, PAGE.w - 2 * PAGE.margin, this.bold), { x: PAGE.margin, y: this.y, size, font: this.bold });
    this.y -= 6;
  }
  text(text: string, size = 9.5): void {
    const width = PAGE.w - 2 * PAGE.margin;
    const words = pdfText(text).split(/\s+/);
    let line = "";
    const flush = () => {
      this.need(size + 3);
      this.y -= size + 3;
      this.page.drawText(line, { x: PAGE.margin, y: this.y, size, font: this.font, color: rgb(0.2, 0.2, 0.2) });
      line = "";
    };
    for (const w of words) {
      const next = line ? `${line} ${w}` : w;
      if (line && this.font.widthOfTextAtSize(next, size) > width) flush();
      line = line ? `${line} ${w}` : w;
    }
    if (line) flush();
    this.y -= 4;
  }
  table(header: string[] | undefined, rows: string[][], size = 8): void {
    const all = header ? [header, ...rows] : rows;
    const cols = Math.max(...all.map((r) => r.length));
    const width = PAGE.w - 2 * PAGE.margin;
    // Column widths: as wide as their text, shrunk in proportion when the table is too wide.
    const natural = Array.from({ length: cols }, (_, c) => Math.max(24, ...all.map((r) => this.font.widthOfTextAtSize(pdfText(r[c] ?? ""), size) + 8)));
    const total = natural.reduce((a, b) => a + b, 0);
    const widths = total > width ? natural.map((w) => (w * width) / total) : natural;
    const rowH = size + 5;
    const drawRow = (r: string[], isHeader: boolean) => {
      this.need(rowH);
      this.y -= rowH;
      if (isHeader) this.page.drawRectangle({ x: PAGE.margin, y: this.y - 1, width: widths.reduce((a, b) => a + b, 0), height: rowH, color: rgb(0.95, 0.95, 0.95) });
      let x = PAGE.margin;
      r.forEach((cell, c) => {
        const font = isHeader ? this.bold : this.font;
        const t = this.fit(cell, size, widths[c]! - 6, font);
        const numeric = !isHeader && c > 0 && /^[-+]?[\d.,]+(e[-+]?\d+)?( ± [\d.e+-]+)?( \(n=1\))?$|^—$/.test(cell);
        const tx = numeric ? x + widths[c]! - 4 - font.widthOfTextAtSize(t, size) : x + 3;
        this.page.drawText(t, { x: tx, y: this.y + 3, size, font });
        x += widths[c]!;
      });
      this.page.drawLine({ start: { x: PAGE.margin, y: this.y - 1 }, end: { x: PAGE.margin + widths.reduce((a, b) => a + b, 0), y: this.y - 1 }, thickness: 0.3, color: rgb(0.8, 0.8, 0.8) });
    };
    if (header) drawRow(header, true);
    for (const r of rows) drawRow(r, false);
    this.y -= 8;
  }
  async figures(svgs: string[]): Promise<void> {
    // Two plots a row; a plot wider than half the page gets a row of its own.
    const width = PAGE.w - 2 * PAGE.margin;
    let row: { png: Buffer; w: number; h: number }[] = [];
    const flush = () => {
      if (!row.length) return;
      const h = Math.max(...row.map((f) => f.h));
      this.need(h + 8);
      this.y -= h;
      let x = PAGE.margin;
      for (const f of row) {
        const img = embedded.get(f.png)!;
        this.page.drawImage(img, { x, y: this.y + (h - f.h), width: f.w, height: f.h });
        x += f.w + 10;
      }
      this.y -= 10;
      row = [];
    };
    const embedded = new Map<Buffer, Awaited<ReturnType<PDFDocument["embedPng"]>>>();
    for (const svg of svgs) {
      const size = svgSize(svg);
      const png = svgToPng(svg);
      embedded.set(png, await this.doc.embedPng(png));
      const half = (width - 10) / 2;
      const wide = size.width > 560;
      const w = wide ? Math.min(width, size.width * 0.75) : half;
      const h = (size.height / size.width) * w;
      if (wide) {
        flush();
        row = [{ png, w, h }];
        flush();
      } else {
        row.push({ png, w, h });
        if (row.length === 2) flush();
      }
    }
    flush();
  }
  async image(png: Buffer, width: number): Promise<void> {
    const img = await this.doc.embedPng(png);
    const w = Math.min(width, PAGE.w - 2 * PAGE.margin);
    const h = (img.height / img.width) * w;
    this.need(h + 8);
    this.y -= h;
    this.page.drawImage(img, { x: PAGE.margin, y: this.y, width: w, height: h });
    this.y -= 10;
  }
}

/** The `width` and `height` attributes of an <svg> element. */
export function svgSize(svg: string): { width: number; height: number } {
  const w = /<svg[^>]*\swidth="([\d.]+)"/.exec(svg);
  const h = /<svg[^>]*\sheight="([\d.]+)"/.exec(svg);
  return { width: w ? Number(w[1]) : 520, height: h ? Number(h[1]) : 260 };
}

/** A PDF of the blocks, on A4. */
export async function renderPdf(title: string, blocks: Block[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(pdfText(title));
  doc.setCreator("hgc");
  doc.setProducer("hgc (pdf-lib, resvg)");
  // A fixed date keeps the same report byte-identical from one rendering to the next.
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  const layout = new Layout(doc, await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold));
  layout.heading(title, 18);
  for (const b of blocks) {
    if (b.kind === "heading") layout.heading(b.text);
    else if (b.kind === "text") layout.text(b.text);
    else if (b.kind === "table") layout.table(b.header, b.rows);
    else if (b.kind === "figures") await layout.figures(b.svgs);
    else await layout.image(b.png, b.width);
  }
  return doc.save();
}

/** One plot as a one-page PDF of its own size (for a paper's figure). */
export async function figurePdf(svg: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setCreationDate(new Date(0));
  doc.setModificationDate(new Date(0));
  const { width, height } = svgSize(svg);
  const page = doc.addPage([width, height]);
  const img = await doc.embedPng(svgToPng(svg));
  page.drawImage(img, { x: 0, y: 0, width, height });
  return doc.save();
}
