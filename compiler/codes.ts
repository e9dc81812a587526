// Every diagnostic code, defined once: its severity, its title (the heading of docs/hints/CODE.md)
// and the data it carries. A quick fix is built from that data (diagnostics.ts `Hint`,
// `Diagnostic.data`), never from the wording of the message or the hint.

export type Severity = "error" | "warning" | "info";

export interface CodeSpec {
  /** The severity the code is reported with. */
  readonly severity: Severity;
  /** Other severities it may take (a protocol not applicable to an inherited objective is info). */
  readonly also?: readonly Severity[];
  /** The title of the code: the heading of its hint page. */
  readonly title: string;
  /** `replace`: the diagnostic may name words that would replace its span (a "did you mean"). */
  readonly data?: "replace";
}

export const CODES = {
  // Syntax
  HGC001: { severity: "error", title: "Syntax error" },
  HGC002: { severity: "error", title: "Unterminated string or comment" },
  HGC003: { severity: "error", title: "Invalid characters or number" },
  HGC004: { severity: "error", title: "Nested too deeply" },
  HGC005: { severity: "error", title: "Unknown declaration kind", data: "replace" },
  HGC006: { severity: "error", title: "Statement in the wrong block", data: "replace" },
  HGC007: { severity: "error", title: "Positional argument after named ones" },
  // Names
  HGC010: { severity: "error", title: "Unknown name", data: "replace" },
  HGC011: { severity: "error", title: "Defined twice" },
  HGC012: { severity: "error", title: "Import not found or unreadable" },
  HGC013: { severity: "error", title: "Import cycle" },
  HGC014: { severity: "error", title: "Unknown parent experiment", data: "replace" },
  HGC015: { severity: "error", title: "`extends` cycle" },
  HGC016: { severity: "error", title: "Unknown statement", data: "replace" },
  HGC017: { severity: "error", title: "Unknown function", data: "replace" },
  HGC018: { severity: "error", title: "Function of the wrong kind" },
  HGC019: { severity: "error", title: "Unknown argument", data: "replace" },
  HGC020: { severity: "error", title: "Missing argument" },
  HGC021: { severity: "error", title: "Wrong type of value" },
  HGC022: { severity: "error", title: "Unexpected positional argument" },
  HGC023: { severity: "error", title: "Argument given twice" },
  HGC024: { severity: "error", title: "Missing statement or item" },
  HGC025: { severity: "error", title: "Unknown member", data: "replace" },
  // Kinds
  HGC030: { severity: "error", title: "Contrastive loss of a per-token head" },
  HGC031: { severity: "error", title: "Autoregressive loss of a vector head" },
  HGC032: { severity: "error", title: "Head output differs from the vocabulary" },
  HGC033: { severity: "error", title: "Features that are not pooled" },
  HGC034: { severity: "error", title: "A name of the wrong kind", data: "replace" },
  HGC035: { severity: "error", title: "Target differs from the encoder's tokens" },
  HGC036: { severity: "warning", title: "Autoregressive loss over a non-causal encoder (warning)" },
  // Shapes
  HGC040: { severity: "error", title: "Width not divisible by heads" },
  HGC041: { severity: "error", title: "Head input width differs from the encoder" },
  HGC042: { severity: "error", title: "Patch size does not divide the image" },
  HGC043: { severity: "error", title: "Token sequence too long or too short" },
  HGC044: { severity: "warning", title: "Quantize upsamples the images (warning)" },
  HGC045: { severity: "error", title: "Dataset of another size than the patches" },
  HGC046: { severity: "error", title: "Image size unknown before reading" },
  HGC047: { severity: "warning", also: ["error"], title: "A run too large for the machine" },
  // Ranges and units
  HGC050: { severity: "error", title: "Value out of range", data: "replace" },
  HGC051: { severity: "error", title: "Not a whole number" },
  HGC052: { severity: "error", title: "Range written backwards" },
  HGC053: { severity: "error", title: "Batch too small for a contrastive loss" },
  HGC054: { severity: "error", title: "Steps or epochs" },
  HGC055: { severity: "warning", title: "More images asked for than the split holds (warning)" },
  // The objective
  HGC060: { severity: "error", title: "Product of two losses" },
  HGC061: { severity: "error", title: "Loss inside a schedule" },
  HGC062: { severity: "error", title: "Objective names no loss" },
  HGC063: { severity: "warning", title: "Negative weight (warning)" },
  HGC064: { severity: "warning", title: "Unused loss (warning)" },
  HGC065: { severity: "error", title: "Number added to a loss" },
  // Protocols
  HGC070: { severity: "warning", also: ["info"], title: "Protocol not applicable (warning)" },
  HGC071: { severity: "error", title: "Protocol impossible" },
  // Sweeps
  HGC080: { severity: "error", title: "Grid over an undeclared param", data: "replace" },
  HGC081: { severity: "error", title: "Grid value of the wrong type" },
  HGC083: { severity: "error", title: "Sweep objective names no metric of the experiments", data: "replace" },
  HGC086: { severity: "error", title: "A trial does not check" },
  HGC087: { severity: "error", title: "Too many trials" },
  HGC088: { severity: "error", title: "A search without a space" },
  HGC089: { severity: "error", title: "Grids and a search together" },
  // Evaluation protocols, second edition (issue 12)
  HGC120: { severity: "error", title: "Block number out of range (error)" },
  HGC121: { severity: "warning", title: "Evaluation on the training data (warning)" },
  HGC122: { severity: "warning", title: "Dataset without a split (warning)" },
  HGC124: { severity: "error", title: "A swept param changes nothing (error)" },
  // The contrastive and self-distillation family (issue 15)
  HGC150: { severity: "error", title: "Self-distillation without a predictor" },
  HGC151: { severity: "error", title: "MoCo key that is not an ema head" },
  HGC152: { severity: "error", title: "MoCo queue not a multiple of the batch" },
  HGC153: { severity: "error", title: "ema of something that is not a head" },
  HGC154: { severity: "error", title: "Head on a per-token head" },
  HGC155: { severity: "error", title: "Heads that read each other" },
  HGC156: { severity: "error", title: "Prediction and target of different widths" },
  // Masked modelling, MAE and the ResNet (issue 16)
  HGC160: { severity: "error", title: "Masked loss on a causal encoder" },
  HGC161: { severity: "error", title: "Autoregressive and masked losses on one encoder" },
  HGC162: { severity: "error", title: "Reconstruct over quantize tokens" },
  HGC163: { severity: "error", title: "Reconstruct without a decoder head" },
  HGC164: { severity: "error", title: "Token head or token loss on a resnet" },
  HGC165: { severity: "error", title: "ResNet depth not 8, 10 or 18" },
  HGC166: { severity: "error", title: "Decoder read by a loss other than reconstruct" },
  HGC167: { severity: "error", title: "ema of a head on a resnet" },
  HGC168: { severity: "error", title: "ema of a per-token head or a decoder" },
} as const satisfies Record<string, CodeSpec>;

export type Code = keyof typeof CODES;

/** The spec of a code, or undefined for a string that is not one. */
export function codeSpec(code: string): CodeSpec | undefined {
  return Object.prototype.hasOwnProperty.call(CODES, code) ? (CODES as Record<string, CodeSpec>)[code] : undefined;
}

/** Whether `code` may be reported with `severity`. */
export function allows(code: Code, severity: Severity): boolean {
  const spec: CodeSpec = CODES[code];
  return spec.severity === severity || (spec.also ?? []).includes(severity);
}
