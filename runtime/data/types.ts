// The one shape every data source produces.

/** A labelled set of grayscale images, all of one size. */
export interface ImageSet {
  /** The dataset's name in the experiment (`dataset NAME = …`). */
  name: string;
  /** n·height·width values, grayscale in [0, 1], image after image, each row-major. */
  images: Float32Array;
  /** n class indices in [0, classes). */
  labels: Int32Array;
  n: number;
  height: number;
  width: number;
  classes: number;
  /** Human-readable class names, index-aligned with labels, where the source has them. */
  classNames?: string[];
}
