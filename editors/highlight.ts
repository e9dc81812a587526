// Highlighting for the docs: shiki with the very TextMate grammar the editor extension ships
// (grammar/hgc.tmLanguage.json), so the docs show the examples as VS Code shows them.
// scripts/highlight-docs.mjs writes docs/examples.html with it.
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createHighlighter, type HighlighterGeneric, type LanguageRegistration } from "shiki";

/** The repository root (this file is editors/highlight.ts, or dist/editors/highlight.js when built). */
function root(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  return here.includes("/dist/") ? join(here, "..", "..") : join(here, "..");
}

export const GRAMMAR_FILE = (): string => join(root(), "grammar", "hgc.tmLanguage.json");

export const THEMES = { light: "github-light", dark: "github-dark" } as const;

let highlighter: Promise<HighlighterGeneric<string, string>> | undefined;

function getHighlighter(): Promise<HighlighterGeneric<string, string>> {
  highlighter ??= (async () => {
    const grammar = JSON.parse(readFileSync(GRAMMAR_FILE(), "utf8")) as LanguageRegistration;
    return (await createHighlighter({ themes: [THEMES.light, THEMES.dark], langs: [{ ...grammar, name: "hgc" }] })) as HighlighterGeneric<string, string>;
  })();
  return highlighter;
}

/** One program as a highlighted `<pre>` block (light and dark colours as CSS variables). */
export async function highlightHgc(code: string): Promise<string> {
  const h = await getHighlighter();
  return h.codeToHtml(code, { lang: "hgc", themes: THEMES, defaultColor: "light" });
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A standalone page showing each file highlighted, in order. */
export async function examplesPage(files: readonly { path: string; text: string }[]): Promise<string> {
  const sections: string[] = [];
  for (const f of files) {
    const name = escapeHtml(basename(f.path));
    sections.push(`<section id="${name}">\n<h2><code>${escapeHtml(f.path)}</code></h2>\n${await highlightHgc(f.text)}\n</section>`);
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hgc examples</title>
<meta name="generator" content="scripts/highlight-docs.mjs (shiki + grammar/hgc.tmLanguage.json)">
<style>
  body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
  pre.shiki { padding: 1rem; border-radius: 6px; overflow-x: auto; font-size: 0.85rem; line-height: 1.45; }
  @media (prefers-color-scheme: dark) {
    body { background: #0d1117; color: #e6edf3; }
    .shiki, .shiki span { color: var(--shiki-dark) !important; background-color: var(--shiki-dark-bg) !important; }
  }
</style>
</head>
<body>
<h1>hgc examples</h1>
<p>Highlighted with <a href="https://shiki.style">shiki</a> through <code>grammar/hgc.tmLanguage.json</code>, the grammar the VS Code extension ships. Regenerate with <code>npm run build &amp;&amp; node scripts/highlight-docs.mjs</code>.</p>
${sections.join("\n")}
</body>
</html>
`;
}
