// The real TextMate engine (vscode-textmate + vscode-oniguruma, as VS Code runs it) loaded with
// the committed grammar, for tests that check the scopes of tokens.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import vsctm, { type IGrammar, type Registry } from "vscode-textmate";
import oniguruma from "vscode-oniguruma";

const require = createRequire(import.meta.url);
export const ROOT = join(import.meta.dirname, "..", "..");
export const GRAMMAR_PATH = join(ROOT, "grammar", "hgc.tmLanguage.json");

export interface ScopedToken {
  line: number;
  text: string;
  scopes: string[];
}

let registry: Registry | undefined;

export async function loadGrammar(): Promise<IGrammar> {
  if (!registry) {
    const wasm = readFileSync(join(require.resolve("vscode-oniguruma"), "..", "onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    registry = new vsctm.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName: string) =>
        scopeName === "source.hgc" ? vsctm.parseRawGrammar(readFileSync(GRAMMAR_PATH, "utf8"), GRAMMAR_PATH) : null,
    });
  }
  const grammar = await registry.loadGrammar("source.hgc");
  if (!grammar) throw new Error("the hgc grammar did not load");
  return grammar;
}

/** Every token of the text with its scope stack, line by line (1-based lines). */
export async function tokenize(text: string): Promise<ScopedToken[]> {
  const grammar = await loadGrammar();
  const out: ScopedToken[] = [];
  let state = vsctm.INITIAL;
  text.split(/\r?\n/).forEach((line, i) => {
    const r = grammar.tokenizeLine(line, state);
    for (const t of r.tokens) out.push({ line: i + 1, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    state = r.ruleStack;
  });
  return out;
}

/** The innermost scope of the n-th token (0-based) whose text is exactly `text`. */
export function scopeOf(tokens: ScopedToken[], text: string, nth = 0): string {
  const found = tokens.filter((t) => t.text === text)[nth];
  if (!found) throw new Error(`no token \`${text}\` (#${nth})`);
  return found.scopes[found.scopes.length - 1]!;
}
