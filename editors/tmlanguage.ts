// The TextMate grammar of .hgc, built from the language's vocabulary (language/) so that the
// highlighter and the compiler cannot disagree about what a keyword or a built-in is.
// scripts/gen-tmlanguage.mjs writes it to grammar/hgc.tmLanguage.json; a test fails when the
// committed file differs from a fresh build.
import {
  ASSIGN_NAMES,
  BUILTINS,
  KEYWORD_GROUPS,
  STATEMENT_CALLS,
  type BuiltinCategory,
} from "../language/index.js";

/** One rule of a TextMate grammar (the subset this grammar uses). */
export interface TmRule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  captures?: Record<string, { name: string }>;
  beginCaptures?: Record<string, { name: string }>;
  endCaptures?: Record<string, { name: string }>;
  patterns?: TmRule[];
  include?: string;
  comment?: string;
}

export interface TmGrammar {
  $schema: string;
  information_for_contributors: string[];
  name: string;
  scopeName: string;
  fileTypes: string[];
  patterns: TmRule[];
  repository: Record<string, TmRule>;
}

const IDENT = "[A-Za-z_][A-Za-z0-9_]*";
/** A number as the lexer reads it inside a range: an integer or a float with digits after the point. */
const RANGE_NUMBER = "\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?";

/** `\b(a|b|c)\b`, longest first so no alternative shadows a longer one. */
function words(list: readonly string[]): string {
  const sorted = [...new Set(list)].sort((a, b) => b.length - a.length || a.localeCompare(b));
  return `\\b(${sorted.join("|")})\\b`;
}

function captures(...names: string[]): Record<string, { name: string }> {
  const out: Record<string, { name: string }> = {};
  names.forEach((name, i) => {
    if (name) out[String(i + 1)] = { name };
  });
  return out;
}

/** The categories of built-ins, in the order they first appear in BUILTINS. */
function categories(): BuiltinCategory[] {
  return [...new Set(BUILTINS.map((b) => b.category))];
}

/** Bare names some argument accepts (`mean`, `cosine`, `likelihood`), not quoted strings. */
function valueNames(): string[] {
  const names = new Set<string>();
  for (const b of BUILTINS) for (const a of b.args) if (!a.quoted) for (const v of a.values ?? []) if (/^[A-Za-z_]\w*$/.test(v)) names.add(v);
  return [...names].sort();
}

export function buildGrammar(): TmGrammar {
  const statementNames = [...ASSIGN_NAMES.experiment, ...ASSIGN_NAMES.sweep].map((a) => a.name);
  const statementCalls = [...STATEMENT_CALLS.experiment, ...STATEMENT_CALLS.sweep];
  const builtinRules: TmRule[] = [];
  for (const category of categories()) {
    const names = BUILTINS.filter((b) => b.category === category && !statementCalls.includes(b.name)).map((b) => b.name);
    if (names.length === 0) continue;
    builtinRules.push({
      comment: `built-in ${category} calls`,
      match: `${words(names)}(?=\\s*\\()`,
      captures: captures(`support.function.${category}.hgc`),
    });
  }

  const repository: Record<string, TmRule> = {
    comments: {
      patterns: [
        {
          name: "comment.line.double-slash.hgc",
          match: "(//).*$",
          captures: captures("punctuation.definition.comment.hgc"),
        },
        {
          name: "comment.block.hgc",
          begin: "/\\*",
          end: "\\*/",
          beginCaptures: captures("punctuation.definition.comment.begin.hgc"),
          endCaptures: { "0": { name: "punctuation.definition.comment.end.hgc" } },
        },
      ],
    },
    strings: {
      comment: "a string ends at its closing quote, or (unterminated, reported by the compiler) at the end of the line",
      name: "string.quoted.double.hgc",
      begin: "\"",
      end: "\"|$",
      beginCaptures: { "0": { name: "punctuation.definition.string.begin.hgc" } },
      endCaptures: { "0": { name: "punctuation.definition.string.end.hgc" } },
      patterns: [{ name: "constant.character.escape.hgc", match: "\\\\." }],
    },
    numbers: {
      patterns: [
        {
          comment: "a range: `1..5`, `0.6..1.0`",
          name: "meta.range.hgc",
          match: `(?<![\\w.])(${RANGE_NUMBER})\\s*(\\.\\.)\\s*(${RANGE_NUMBER})\\b`,
          captures: captures("constant.numeric.hgc", "keyword.operator.range.hgc", "constant.numeric.hgc"),
        },
        {
          comment: "an image size: `14x14`",
          match: "\\b(\\d+)(x)(\\d+)\\b",
          name: "constant.numeric.size.hgc",
          captures: captures("", "keyword.other.unit.size.hgc", ""),
        },
        {
          comment: "a float needs digits after its point, so `1..5` is two integers and a range",
          name: "constant.numeric.float.hgc",
          match: "\\b\\d+(?:\\.\\d+(?:[eE][+-]?\\d+)?|[eE][+-]?\\d+)\\b",
        },
        {
          comment: "a number run into letters (`12ab`, `1e`): an error of the lexer",
          name: "invalid.illegal.number.hgc",
          match: "\\b\\d+[A-Za-z_][A-Za-z0-9_]*",
        },
        { name: "constant.numeric.integer.hgc", match: "\\b\\d+\\b" },
      ],
    },
    items: {
      patterns: [
        {
          match: `\\b(${KEYWORD_GROUPS.item.filter((w) => w !== "import").join("|")})\\s+(${IDENT})(?:\\s+(${KEYWORD_GROUPS.modifier.join("|")})\\s+(${IDENT}))?`,
          captures: captures("storage.type.item.hgc", "entity.name.type.item.hgc", "storage.modifier.extends.hgc", "entity.other.inherited-class.hgc"),
        },
        { match: words(KEYWORD_GROUPS.item.filter((w) => w !== "import")), captures: captures("storage.type.item.hgc") },
        { match: words(KEYWORD_GROUPS.item.filter((w) => w === "import")), captures: captures("keyword.control.import.hgc") },
        { match: words(KEYWORD_GROUPS.modifier), captures: captures("storage.modifier.extends.hgc") },
      ],
    },
    declarations: {
      patterns: [
        {
          match: `${words(KEYWORD_GROUPS.declaration)}\\s+(${IDENT})`,
          captures: captures("storage.type.declaration.hgc", "entity.name.variable.hgc"),
        },
        { match: words(KEYWORD_GROUPS.declaration), captures: captures("storage.type.declaration.hgc") },
      ],
    },
    statements: {
      patterns: [
        {
          comment: "`seed = 7`, `objective = …`, `jobs = 2`: only before `=`, elsewhere they are ordinary names",
          match: `${words(statementNames)}(?=\\s*=)`,
          captures: captures("keyword.other.statement.hgc"),
        },
        { match: `${words(statementCalls)}(?=\\s*\\()`, captures: captures("keyword.other.statement.hgc") },
        { match: words(KEYWORD_GROUPS.block), captures: captures("keyword.other.statement.hgc") },
        { match: words(KEYWORD_GROUPS.direction), captures: captures("keyword.other.direction.hgc") },
      ],
    },
    arguments: {
      comment: "a named argument: `limit: 12000`",
      match: `\\b(${IDENT})\\s*(:)`,
      captures: captures("variable.parameter.hgc", "punctuation.separator.key-value.hgc"),
    },
    members: {
      patterns: [
        {
          comment: "the object of a member access: `enc` in `enc.pooled`",
          match: `\\b(${IDENT})(?=\\s*\\.(?!\\.))`,
          captures: captures("variable.other.object.hgc"),
        },
        {
          match: `(\\.)(?!\\.)\\s*(${IDENT})`,
          captures: captures("punctuation.accessor.hgc", "variable.other.property.hgc"),
        },
      ],
    },
    calls: {
      patterns: [
        ...builtinRules,
        {
          comment: "a call of something that is not a built-in (the compiler says what it meant)",
          match: `\\b(${IDENT})(?=\\s*\\()`,
          captures: captures("entity.name.function.call.hgc"),
        },
      ],
    },
    constants: {
      patterns: [
        { match: words(KEYWORD_GROUPS.literal), captures: captures("constant.language.boolean.hgc") },
        {
          comment: "bare names a built-in's argument accepts: `pool: mean`, `scores: [likelihood, knn]`",
          match: words(valueNames()),
          captures: captures("support.constant.hgc"),
        },
      ],
    },
    identifiers: { name: "variable.other.hgc", match: `\\b${IDENT}\\b` },
    operators: {
      patterns: [
        { name: "keyword.operator.range.hgc", match: "\\.\\." },
        { name: "keyword.operator.assignment.hgc", match: "=" },
        { name: "keyword.operator.arithmetic.hgc", match: "[-+*/]" },
      ],
    },
    punctuation: {
      patterns: [
        { name: "punctuation.separator.comma.hgc", match: "," },
        { name: "punctuation.section.block.begin.hgc", match: "\\{" },
        { name: "punctuation.section.block.end.hgc", match: "\\}" },
        { name: "punctuation.section.parens.begin.hgc", match: "\\(" },
        { name: "punctuation.section.parens.end.hgc", match: "\\)" },
        { name: "punctuation.section.brackets.begin.hgc", match: "\\[" },
        { name: "punctuation.section.brackets.end.hgc", match: "\\]" },
      ],
    },
    invalid: {
      comment: "any other character is an error of the lexer (HGC003): `@`, `;`, `'`, …",
      name: "invalid.illegal.character.hgc",
      match: "[^\\s]",
    },
  };

  // Order matters: the first rule that matches at a position wins.
  const order = [
    "comments",
    "strings",
    "numbers",
    "arguments",
    "members",
    "items",
    "declarations",
    "statements",
    "calls",
    "constants",
    "identifiers",
    "operators",
    "punctuation",
    "invalid",
  ];
  return {
    $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
    information_for_contributors: [
      "Generated by scripts/gen-tmlanguage.mjs from grammar/tokens.ts (editors/tmlanguage.ts builds it).",
      "Do not edit by hand: change the vocabulary in grammar/tokens.ts or the rules in editors/tmlanguage.ts, then run `npm run build && node scripts/gen-tmlanguage.mjs`.",
    ],
    name: "hgc",
    scopeName: "source.hgc",
    fileTypes: ["hgc"],
    patterns: order.map((key) => ({ include: `#${key}` })),
    repository,
  };
}

/** The grammar as the committed file holds it. */
export function grammarJson(): string {
  return `${JSON.stringify(buildGrammar(), null, 2)}\n`;
}
