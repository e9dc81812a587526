// Sample sheets: generated images tiled into one PNG in the run folder.
import { join } from "node:path";
import { encodePng, makeGrid } from "../image.js";
import { writeFileAtomic } from "../atomic.js";
import { runFile } from "../run-folder.js";

/** Tiles are enlarged (nearest neighbour, integer factor) to at least this many pixels a side. */
export const SAMPLE_TILE_MIN = 56;

/** The sheet's PNG bytes: `count` h×w images in [0, 1], ⌈√count⌉ per row (or `perRow`), on a mid-grey grid. */
export function sampleSheet(images: Float32Array, count: number, h: number, w: number, perRow = Math.ceil(Math.sqrt(count))): Buffer {
  if (images.length !== count * h * w) throw new Error(`samples: expected ${count}·${h}·${w} values, got ${images.length}`);
  const f = Math.max(1, Math.ceil(SAMPLE_TILE_MIN / Math.min(h, w)));
  const H = h * f;
  const W = w * f;
  const big = new Float32Array(count * H * W);
  for (let k = 0; k < count; k++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) big[k * H * W + y * W + x] = images[k * h * w + Math.floor(y / f) * w + Math.floor(x / f)]!;
  const grid = makeGrid(big, count, H, W, perRow, 2, 0.5);
  return encodePng(grid.pixels, grid.height, grid.width);
}

/**
 * Writes `samples-step<step>.png` and refreshes `samples.png` (the latest sheet, so at the end of
 * a run it is the final model's). Returns the two paths.
 */
export function writeSampleSheets(runDir: string, step: number, png: Uint8Array): { stepPath: string; latestPath: string } {
  const stepPath = join(runDir, `samples-step${step}.png`);
  const latestPath = runFile(runDir, "samples");
  writeFileAtomic(stepPath, png);
  writeFileAtomic(latestPath, png);
  return { stepPath, latestPath };
}
