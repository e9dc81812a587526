// The lexical grammar of .hgc: its tokens and the lexer. The keywords come from the language's
// vocabulary (language/keywords.ts), so a keyword is declared in one place.
import type { ITokenConfig, Lexer as ChevrotainLexer, TokenType } from "chevrotain";
import { createToken as createChevrotainToken, Lexer } from "./chevrotain.js";
import { KEYWORD_INFO } from "../language/keywords.js";

// ---------------------------------------------------------------------------------------------
// Tokens

/** A category every token belongs to: the parser skips unparseable input by consuming it. */
export const AnyToken = createChevrotainToken({ name: "AnyToken", pattern: Lexer.NA });

function createToken(config: ITokenConfig): TokenType {
  if (config.pattern === Lexer.NA) return createChevrotainToken(config);
  const categories = config.categories === undefined ? [] : Array.isArray(config.categories) ? config.categories : [config.categories];
  return createChevrotainToken({ ...config, categories: [...categories, AnyToken] });
}

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\f\v\uFEFF]+/, group: Lexer.SKIPPED, line_breaks: true });
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\n\r]*/, group: "comments" });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments", line_breaks: true });
/** `/* …` to the end of the file: reported as HGC002, kept as a comment so the rest still parses. */
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment",
  pattern: /\/\*[\s\S]*/,
  group: "comments",
  line_breaks: true,
});

// Written as an unrolled loop (no alternation inside the star) so a 10 MB string cannot exhaust the regex stack.
export const StringLit = createToken({ name: "StringLit", pattern: /"[^"\\\n\r]*(?:\\[^\n\r][^"\\\n\r]*)*"/ });
/**
 * `"…` without its closing quote: reported as HGC002 and parsed as if it were closed. It runs to
 * the end of the line, less any closing punctuation there (`"train)` leaves the `)` to the call),
 * so one missing quote costs one error, not a cascade.
 */
const UNTERMINATED_STRING = /"[^"\\\n\r]*(?:\\[^\n\r][^"\\\n\r]*)*/y;
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: {
    exec(text: string, offset: number): RegExpExecArray | null {
      UNTERMINATED_STRING.lastIndex = offset;
      const m = UNTERMINATED_STRING.exec(text);
      if (!m) return null;
      let end = m[0].length;
      while (end > 1 && " \t,)]}".includes(m[0][end - 1]!)) end--;
      if (end > 1 && m[0][end - 1] === "\\") end++; // never leave a dangling backslash
      return [m[0].slice(0, end)] as unknown as RegExpExecArray;
    },
  },
  start_chars_hint: ['"'],
  line_breaks: false,
  categories: [StringLit],
});

/** The category of numeric literals. */
export const NumberLit = createToken({ name: "NumberLit", pattern: Lexer.NA });
export const SizeLit = createToken({ name: "SizeLit", pattern: /\d+x\d+/ });
// A float needs digits after its point, so `1..5` lexes as Int DotDot Int, not `1.` `.5`.
export const FloatLit = createToken({ name: "FloatLit", pattern: /\d+(?:\.\d+(?:[eE][+-]?\d+)?|[eE][+-]?\d+)/, categories: [NumberLit] });
/** A number run into letters (`12ab`, `1e`): reported as HGC003. */
export const BadNumber = createToken({ name: "BadNumber", pattern: /\d+[A-Za-z_][A-Za-z0-9_]*/ });
export const IntLit = createToken({ name: "IntLit", pattern: /\d+/, categories: [NumberLit] });

export const Identifier = createToken({ name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

function keyword(word: string, name: string, asName: boolean): TokenType {
  return createToken({
    name,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: asName ? [Identifier] : [],
  });
}

/** Token type of each keyword, keyed by its word: one per word of language/keywords.ts. */
export const KEYWORD_TOKENS: Readonly<Record<string, TokenType>> = Object.fromEntries(
  KEYWORD_INFO.map((k) => [k.word, keyword(k.word, k.word[0]!.toUpperCase() + k.word.slice(1), k.role !== "literal")]),
);

/** The keyword tokens the parser's rules name. */
const kw = (word: string): TokenType => KEYWORD_TOKENS[word]!;
export const Import = kw("import");
export const Experiment = kw("experiment");
export const Extends = kw("extends");
export const Sweep = kw("sweep");
export const Dataset = kw("dataset");
export const Tokens = kw("tokens");
export const Views = kw("views");
export const Encoder = kw("encoder");
export const Head = kw("head");
export const Loss = kw("loss");
export const Param = kw("param");
export const Evaluate = kw("evaluate");
export const Grid = kw("grid");
export const Maximize = kw("maximize");
export const Minimize = kw("minimize");
export const True = kw("true");
export const False = kw("false");

export const DotDot = createToken({ name: "DotDot", pattern: /\.\./ });
export const Dot = createToken({ name: "Dot", pattern: /\./ });
export const LCurly = createToken({ name: "LCurly", pattern: /\{/ });
export const RCurly = createToken({ name: "RCurly", pattern: /\}/ });
export const LParen = createToken({ name: "LParen", pattern: /\(/ });
export const RParen = createToken({ name: "RParen", pattern: /\)/ });
export const LBracket = createToken({ name: "LBracket", pattern: /\[/ });
export const RBracket = createToken({ name: "RBracket", pattern: /\]/ });
export const Comma = createToken({ name: "Comma", pattern: /,/ });
export const Colon = createToken({ name: "Colon", pattern: /:/ });
export const Equals = createToken({ name: "Equals", pattern: /=/ });

export const AdditiveOp = createToken({ name: "AdditiveOp", pattern: Lexer.NA });
export const MultiplicativeOp = createToken({ name: "MultiplicativeOp", pattern: Lexer.NA });
export const Plus = createToken({ name: "Plus", pattern: /\+/, categories: [AdditiveOp] });
export const Minus = createToken({ name: "Minus", pattern: /-/, categories: [AdditiveOp] });
export const Star = createToken({ name: "Star", pattern: /\*/, categories: [MultiplicativeOp] });
export const Slash = createToken({ name: "Slash", pattern: /\//, categories: [MultiplicativeOp] });

/** Stands in for a bracketed region cut out for nesting too deeply (never produced by the lexer). */
export const Elided = createChevrotainToken({ name: "Elided", pattern: Lexer.NA, categories: [AnyToken] });

/** Every token type, in matching order (earlier wins on equal length; keywords before Identifier). */
export const ALL_TOKENS: TokenType[] = [
  AnyToken,
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLit,
  UnterminatedString,
  SizeLit,
  FloatLit,
  BadNumber,
  IntLit,
  NumberLit,
  ...Object.values(KEYWORD_TOKENS),
  Identifier,
  DotDot,
  Dot,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Equals,
  AdditiveOp,
  MultiplicativeOp,
  Plus,
  Minus,
  Star,
  Slash,
  Elided,
];

/** How a token type is named in a syntax error ("expected `)`, found …"). */
export const TOKEN_LABELS: Readonly<Record<string, string>> = {
  StringLit: "a string",
  UnterminatedString: "a string",
  NumberLit: "a number",
  SizeLit: "a size like `14x14`",
  FloatLit: "a number",
  IntLit: "an integer",
  BadNumber: "a number",
  Identifier: "a name",
  DotDot: "`..`",
  Dot: "`.`",
  LCurly: "`{`",
  RCurly: "`}`",
  LParen: "`(`",
  RParen: "`)`",
  LBracket: "`[`",
  RBracket: "`]`",
  Comma: "`,`",
  Colon: "`:`",
  Equals: "`=`",
  AdditiveOp: "`+` or `-`",
  MultiplicativeOp: "`*` or `/`",
  Plus: "`+`",
  Minus: "`-`",
  Star: "`*`",
  Slash: "`/`",
  Elided: "a value",
  ...Object.fromEntries(Object.entries(KEYWORD_TOKENS).map(([word, t]) => [t.name, `\`${word}\``])),
};

/**
 * A lexer for the token types above. `validate` checks the token definitions while building it
 * (the tests do); the shipped instance skips that to start faster.
 */
export function createLexer(validate = false): ChevrotainLexer {
  return new Lexer(ALL_TOKENS, { positionTracking: "full", ensureOptimizations: validate, skipValidations: !validate });
}

/** The one lexer instance (chevrotain lexers are reusable and costly to build). */
export const hgcLexer = createLexer();
