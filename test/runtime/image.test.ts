import { describe, expect, it } from "vitest";
import { PNG } from "pngjs";
import { affineAboutCentre, crc32, encodePng, gaussianBlur, makeGrid, resize, warpAffine, warpBatch, IDENTITY, adjustContrast } from "../../runtime/image.js";

describe("resize", () => {
  it("averages areas when shrinking", () => {
    const img = Float32Array.from([0, 1, 0.5, 0.5, 1, 0, 0.5, 0.5, 0.2, 0.2, 0, 0, 0.2, 0.2, 0, 1]); // 4x4
    expect([...resize(img, 1, 4, 4, 2, 2)].map((v) => +v.toFixed(5))).toEqual([0.5, 0.5, 0.2, 0.25]);
  });

  it("averages fractional overlaps when the factor is not an integer", () => {
    const img = Float32Array.from([0, 0, 1]); // 1x3 -> 1x2: [0, 0.5·0 + ... ]
    const out = resize(img, 1, 1, 3, 1, 2);
    expect(out[0]).toBeCloseTo(0, 6);
    expect(out[1]).toBeCloseTo(2 / 3, 6);
    // the mean is preserved by area averaging
    const r = Float32Array.from({ length: 28 * 28 }, (_, i) => (i * 7919) % 13 / 13);
    const small = resize(r, 1, 28, 28, 14, 14);
    const mean = (x: Float32Array) => x.reduce((a, v) => a + v, 0) / x.length;
    expect(mean(small)).toBeCloseTo(mean(r), 5);
  });

  it("interpolates bilinearly when enlarging and keeps constants constant", () => {
    const out = resize(Float32Array.from([0, 1]), 1, 1, 2, 1, 4);
    expect([...out].map((v) => +v.toFixed(5))).toEqual([0, 0.25, 0.75, 1]);
    expect(resize(new Float32Array(9).fill(0.3), 1, 3, 3, 7, 5).every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
  });

  it("returns the same array when the size does not change, and resizes every image of a batch", () => {
    const x = new Float32Array(2 * 16).fill(1, 16);
    expect(resize(x, 2, 4, 4, 4, 4)).toBe(x);
    const y = resize(x, 2, 4, 4, 2, 2);
    expect([...y]).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });
});

describe("affine warps", () => {
  it("leaves an image unchanged under the identity", () => {
    const img = Float32Array.from({ length: 20 }, (_, i) => i / 20);
    expect([...warpAffine(img, 4, 5, IDENTITY)]).toEqual([...img]);
    expect([...warpAffine(img, 4, 5, affineAboutCentre(4, 5, {}))].map((v) => +v.toFixed(5))).toEqual([...img].map((v) => +v.toFixed(5)));
  });

  it("rotates by 90 degrees about the centre, counter-clockwise on screen", () => {
    // 3x3 with a bright pixel at the top-right corner -> top-left after a 90° ccw rotation
    const img = new Float32Array(9);
    img[2] = 1;
    const out = warpAffine(img, 3, 3, affineAboutCentre(3, 3, { rotate: 90 }));
    expect(out[0]).toBeCloseTo(1, 5);
    expect(out.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
  });

  it("translates content and fills the uncovered edge with the fill value", () => {
    const img = Float32Array.from([1, 2, 3, 4]); // 1x4
    const out = warpAffine(img, 1, 4, affineAboutCentre(1, 4, { translate: [1, 0] }), -1);
    expect([...out]).toEqual([-1, 1, 2, 3]);
    expect([...warpBatch(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 2, 1, 4, affineAboutCentre(1, 4, { translate: [-1, 0] }))]).toEqual([2, 3, 4, 0, 6, 7, 8, 0]);
  });
});

describe("filters and output", () => {
  it("blurs an impulse into a symmetric bump that keeps its mass", () => {
    const img = new Float32Array(81);
    img[40] = 1;
    const out = gaussianBlur(img, 1, 9, 9, 1);
    expect(out.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 4);
    expect(out[40]).toBeLessThan(0.5);
    expect(out[39]).toBeCloseTo(out[41], 6);
    expect(out[31]).toBeCloseTo(out[49], 6);
  });

  it("scales contrast about each image's own mean", () => {
    const out = adjustContrast(Float32Array.from([0.2, 0.6, 0, 1]), 2, 1, 2, 0.5);
    expect([...out].map((v) => +v.toFixed(5))).toEqual([0.3, 0.5, 0.25, 0.75]);
  });

  it("tiles a batch into a grid and writes a PNG that decodes to the same pixels", () => {
    const imgs = Float32Array.from({ length: 3 * 4 }, (_, i) => (i % 4) / 3); // 3 images of 2x2
    const g = makeGrid(imgs, 3, 2, 2, 2, 1, 1);
    expect([g.height, g.width]).toEqual([7, 7]);
    const png = PNG.sync.read(encodePng(g.pixels, g.height, g.width));
    expect([png.width, png.height]).toEqual([7, 7]);
    for (let i = 0; i < 49; i++) expect(png.data[4 * i]).toBe(Math.round(255 * g.pixels[i]));
  });

  it("computes the standard CRC-32", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
  });
});
