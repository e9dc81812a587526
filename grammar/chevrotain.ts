// The chevrotain runtime the front end uses: every value import of chevrotain goes through here,
// so the lexer, the parser and the token helpers all share one instance (token type indices are
// per instance). Types still come from "chevrotain" itself.
//
// Why not `import … from "chevrotain"`: the package's only export is an entry that pulls in
// lodash-es as hundreds of small modules, about 400 ms of start-up on this machine, while the
// single-file build shipped beside it loads in about 20 ms; `hgc check` is meant to answer in
// tens of milliseconds. The bundle is found next to the resolved entry; if it is ever missing,
// the package entry is used instead.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { existsSync } from "node:fs";

type Chevrotain = typeof import("chevrotain");

async function load(): Promise<Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve("chevrotain"); // …/chevrotain/lib/src/api.js
    const bundle = join(dirname(entry), "..", "chevrotain.mjs");
    if (existsSync(bundle)) {
      const mod = (await import(pathToFileURL(bundle).href)) as Chevrotain;
      if (typeof mod.CstParser === "function" && typeof mod.createToken === "function") return mod;
    }
  } catch {
    // fall through to the package entry
  }
  return import("chevrotain");
}

const chevrotain = await load();

export const { createToken, createTokenInstance, CstParser, EOF, Lexer, tokenMatcher } = chevrotain;
