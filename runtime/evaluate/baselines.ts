// The reference figures of linear_probe and knn (issue 12): the same protocol on the encoder at
// initialisation and on the raw pixels. A learned figure means little without them — a random
// Transformer's features, or the pixels themselves, already probe well on small image sets.
//
// Neither depends on training, so a run computes each once: the cache lives as long as the run
// (runtime/run.ts builds one and hands it to every evaluation), the model at initialisation is
// built on first use and released after the evaluation that needed it, and the pixels of a dataset
// are flattened once.
import type { FeatureMatrix } from "./features.js";
import type { ProbeReport } from "./probe.js";

/** What the baselines need of the model at initialisation (the trained model's feature calls, over fresh weights). */
export interface InitEncoder {
  features(encoder: string, images: Float32Array, n: number): Promise<Float32Array>;
  blockFeatures(encoder: string, images: Float32Array, n: number): Promise<Float32Array[]>;
  /** Free its weights (the cache calls this in `release`). */
  dispose(): void;
}

/** One baseline figure: an accuracy, and for a probe how it was fitted. */
export interface BaselineFigure {
  accuracy: number;
  probe?: ProbeReport;
}

export class BaselineCache {
  private readonly figures = new Map<string, Promise<BaselineFigure>>();
  private readonly pixelSets = new Map<string, FeatureMatrix>();
  private init: InitEncoder | null = null;

  /** `makeInit` rebuilds the model from the IR with the run's seed and no training; null where there is none to build. */
  constructor(private readonly makeInit: (() => InitEncoder) | null) {}

  get hasInit(): boolean {
    return this.makeInit !== null;
  }

  /** The model at initialisation, built on first use. */
  initEncoder(): InitEncoder {
    if (!this.makeInit) throw new Error("no model at initialisation to compare with");
    this.init ??= this.makeInit();
    return this.init;
  }

  /** A figure, computed on first request and remembered for the rest of the run. */
  figure(key: string, compute: () => Promise<BaselineFigure>): Promise<BaselineFigure> {
    let f = this.figures.get(key);
    if (!f) {
      f = compute();
      this.figures.set(key, f);
      // A failure is not remembered: the next evaluation tries again (and reports its error).
      f.catch(() => this.figures.delete(key));
    }
    return f;
  }

  /** A dataset's images flattened to one row each, the pixel baseline's features (kept for the run). */
  pixels(dataset: string, images: Float32Array, n: number): FeatureMatrix {
    let m = this.pixelSets.get(dataset);
    if (!m) {
      m = { data: images, n, width: images.length / n };
      this.pixelSets.set(dataset, m);
    }
    return m;
  }

  /** Free the model at initialisation (the figures stay); safe to call at any time, and again. */
  release(): void {
    this.init?.dispose();
    this.init = null;
  }
}
