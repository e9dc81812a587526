// The reference tables of docs/language.md ("Built-ins and their defaults"), written from the
// registry. scripts/gen-docs.mjs puts them between the markers in the page; a test fails when
// the page differs from what this writes.
import { BUILTINS, type BuiltinArg, type BuiltinCategory } from "./builtins.js";

const SECTIONS: readonly [BuiltinCategory, string][] = [
  ["dataset", "Dataset sources"],
  ["tokenizer", "Tokenizers"],
  ["views", "Views"],
  ["encoder", "Encoder"],
  ["head", "Heads"],
  ["loss", "Losses"],
  ["optimizer", "Optimizers"],
  ["schedule", "Objective weight schedules"],
  ["train", "Training"],
  ["protocol", "Evaluation protocols"],
  ["grid", "Sweep grids"],
  ["search", "Sweep searches"],
  ["prune", "Sweep pruning"],
  ["slurm", "Sweep resources on Slurm"],
];

export const REFERENCE_BEGIN = "<!-- built-ins: generated from language/builtins.ts by scripts/gen-docs.mjs; do not edit -->";
export const REFERENCE_END = "<!-- end of built-ins -->";

function defaultCell(a: BuiltinArg): string {
  if (a.required) return "required";
  if (a.defaultText !== undefined) return `\`${a.defaultText}\``;
  return a.inferred ? "inferred" : "—";
}

/** The markdown between REFERENCE_BEGIN and REFERENCE_END. */
export function referenceMarkdown(): string {
  const out: string[] = [];
  for (const [category, title] of SECTIONS) {
    out.push(`### ${title}`, "");
    for (const b of BUILTINS.filter((x) => x.category === category)) {
      out.push(`#### \`${b.name}\``, "", b.doc, "", "| argument | type | default | meaning |", "|---|---|---|---|");
      if (b.positional) out.push(`| *(positional)* | ${b.positional.type} | ${b.positional.required ? "required" : "—"} | ${b.positional.doc} |`);
      for (const a of b.args) out.push(`| \`${a.name}\` | ${a.type} | ${defaultCell(a)} | ${a.doc} |`);
      out.push("");
    }
  }
  return out.join("\n").trimEnd();
}

/** `page` with its generated section replaced by a fresh one. */
export function withReference(page: string): string {
  const a = page.indexOf(REFERENCE_BEGIN);
  const b = page.indexOf(REFERENCE_END);
  if (a < 0 || b < a) throw new Error("docs/language.md has no built-ins markers");
  return `${page.slice(0, a + REFERENCE_BEGIN.length)}\n\n${referenceMarkdown()}\n\n${page.slice(b)}`;
}
