import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const EXT = join(ROOT, "editors", "vscode");
const manifest = JSON.parse(readFileSync(join(EXT, "package.json"), "utf8"));
const grammar = JSON.parse(readFileSync(join(ROOT, "grammar", "hgc.tmLanguage.json"), "utf8"));

describe("the VS Code extension", () => {
  it("contributes language hgc for .hgc files with the generated grammar", () => {
    const [language] = manifest.contributes.languages;
    expect(language.id).toBe("hgc");
    expect(language.extensions).toEqual([".hgc"]);
    const [g] = manifest.contributes.grammars;
    expect(g).toEqual({ language: "hgc", scopeName: grammar.scopeName, path: "./syntaxes/hgc.tmLanguage.json" });
    expect(manifest.scripts["vscode:prepublish"]).toContain("copy-grammar");
  });

  it("configures comments, brackets, auto-closing and surrounding pairs", () => {
    const config = JSON.parse(readFileSync(join(EXT, "language-configuration.json"), "utf8"));
    expect(config.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    expect(config.brackets).toEqual([["{", "}"], ["[", "]"], ["(", ")"]]);
    expect(config.autoClosingPairs.map((p: { open: string }) => p.open)).toEqual(["{", "[", "(", '"', "/*"]);
    expect(config.surroundingPairs).toContainEqual(['"', '"']);
    // a size and a float are one word each (double-click, word-based suggestions)
    const word = new RegExp(config.wordPattern);
    expect(word.exec("14x14")?.[0]).toBe("14x14");
    expect(word.exec("1e-3")?.[0]).toBe("1e-3");
  });

  it("starts `hgc lsp --stdio` through its own vscode-languageclient dependency", () => {
    execFileSync(process.execPath, ["--check", join(EXT, "extension.js")]);
    const client = readFileSync(join(EXT, "extension.js"), "utf8");
    expect(client).toContain('require("vscode-languageclient/node")');
    expect(client).toMatch(/args: \["lsp"\],\s*transport: TransportKind\.stdio/);
    expect(manifest.dependencies["vscode-languageclient"]).toBeDefined();
    const rootManifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect({ ...rootManifest.dependencies, ...rootManifest.devDependencies }["vscode-languageclient"]).toBeUndefined();
  });

  // Needs the extension's own packages (`npm ci --prefix editors/vscode`, once, online); the
  // packaging itself is offline.
  it.skipIf(!existsSync(join(EXT, "node_modules", ".bin", "vsce")))("packages as a .vsix carrying the grammar and the language client", () => {
    const vsix = join(EXT, "hgc.vsix");
    rmSync(vsix, { force: true });
    execFileSync("npm", ["run", "--silent", "vsix"], { cwd: EXT, stdio: "pipe", timeout: 120_000 });
    const bytes = readFileSync(vsix);
    expect(bytes.subarray(0, 2).toString("latin1")).toBe("PK");
    const names = bytes.toString("latin1");
    for (const entry of ["extension/package.json", "extension/extension.js", "extension/language-configuration.json", "extension/syntaxes/hgc.tmLanguage.json", "extension/node_modules/vscode-languageclient/"]) {
      expect(names).toContain(entry);
    }
  });
});
