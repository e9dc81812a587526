#!/usr/bin/env node
// Screenshots of report.html and sweep.html as a browser draws them (headless Chromium), from a
// small real run and sweep (docs/screenshots/demo.hgc), kept as docs/screenshots/*.png; also the
// first page of `hgc report --format pdf` as pdftoppm draws it. Not part of `npm test`: the run
// and the sweep take minutes.
//
//   npm run build && node scripts/screenshots.mjs            # train, render, screenshot
//   SCREENSHOT_WORK=/tmp/shots node scripts/screenshots.mjs  # keep (and reuse) the run folders
//
// Needs chromium (CHROMIUM=path to override) and pdftoppm (poppler-utils) on the machine.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PNG } from "pngjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "dist", "cli", "main.js");
const demo = join(root, "docs", "screenshots", "demo.hgc");
const outDir = join(root, "docs", "screenshots");
const work = process.env.SCREENSHOT_WORK ? resolve(process.env.SCREENSHOT_WORK) : mkdtempSync(join(tmpdir(), "hgc-screenshots-"));
const chromium = process.env.CHROMIUM ?? "/usr/bin/chromium";

function run(cmd, args, opts = {}) {
  process.stderr.write(`$ ${[cmd, ...args].join(" ")}\n`);
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} exited with ${r.status ?? r.signal}`);
}

if (!existsSync(cli)) throw new Error("dist/ is missing: run `npm run build` first");
mkdirSync(work, { recursive: true });
const runDir = join(work, "run");
const sweepDir = join(work, "sweep");
if (!existsSync(join(runDir, "result.json"))) {
  run(process.execPath, [cli, "run", demo, "--experiment", "demo", "--out", runDir, "--no-tui", "--quiet"], { cwd: work });
}
if (!existsSync(join(sweepDir, "sweep.json")) || JSON.parse(readFileSync(join(sweepDir, "sweep.json"), "utf8")).status !== "completed") {
  run(process.execPath, [cli, "sweep", demo, "--sweep", "tradeoff", "--out", sweepDir, "--root", join(work, "runs"), "--no-tui", ...(existsSync(join(sweepDir, "sweep.json")) ? ["--resume"] : [])], { cwd: work });
}
// Redraw both reports with the code as built now (the run and sweep may be older).
run(process.execPath, [cli, "report", runDir, "--write", "--format", "pdf"], { stdio: ["ignore", "ignore", "inherit"] });
run(process.execPath, [cli, "report", sweepDir, "--write"], { stdio: ["ignore", "ignore", "inherit"] });

/** Crops a screenshot below its last non-white row (the page is shorter than the window). */
function cropBlank(path, margin = 24) {
  const png = PNG.sync.read(readFileSync(path));
  let last = 0;
  for (let y = png.height - 1; y >= 0 && !last; y--) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      if (png.data[i] < 245 || png.data[i + 1] < 245 || png.data[i + 2] < 245) {
        last = y;
        break;
      }
    }
  }
  const height = Math.min(png.height, last + margin);
  const out = new PNG({ width: png.width, height });
  png.data.copy(out.data, 0, 0, png.width * height * 4);
  writeFileSync(path, PNG.sync.write(out, { colorType: 2 }));
}

function screenshot(html, png, width, height) {
  const args = ["--headless", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1", `--window-size=${width},${height}`, `--screenshot=${png}`];
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  run(chromium, [...args, pathToFileURL(html).href], { stdio: ["ignore", "ignore", "ignore"] });
  cropBlank(png);
}

mkdirSync(outDir, { recursive: true });
screenshot(join(runDir, "report.html"), join(outDir, "report.png"), 1200, 7000);
screenshot(join(sweepDir, "sweep.html"), join(outDir, "sweep.png"), 1400, 5000);
run("pdftoppm", ["-r", "80", "-png", "-f", "1", "-l", "2", join(runDir, "report.pdf"), join(outDir, "report-pdf")]);
process.stderr.write(`screenshots in ${outDir} (run and sweep in ${work})\n`);
