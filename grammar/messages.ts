// Plain-language syntax error messages for the parser ("expected `)`, found `}`"), in place of
// chevrotain's defaults ("Expecting token of type --> RParen <--").
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.js";
import { TOKEN_LABELS } from "./tokens.js";

/** How a token type is named in a message: "`)`", "a name", "a number". */
export function labelOf(type: TokenType): string {
  return TOKEN_LABELS[type.name] ?? type.name;
}

/** How a token found in the input is named in a message: "`}`", "the end of the file". */
export function describeToken(token: IToken | undefined): string {
  if (!token || token.tokenType === EOF) return "the end of the file";
  const image = token.image.length > 24 ? `${token.image.slice(0, 21)}…` : token.image;
  return `\`${image.replace(/[\r\n]+/g, " ")}\``;
}

/** "a, b or c" */
function oneOf(labels: string[]): string {
  const unique = [...new Set(labels)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  return `${unique.slice(0, -1).join(", ")} or ${unique[unique.length - 1]}`;
}

/** What each rule expects when none of its alternatives match. */
const RULE_EXPECTS: Record<string, string> = {
  program: "`experiment`, `sweep` or `import`",
  item: "`experiment`, `sweep` or `import`",
  statement: "a statement (`NAME = value`, `KIND NAME = value`, `train(…)`, `evaluate { … }`)",
  gridStmt: "a param name or `(a, b)` after `grid`",
  arg: "an argument (`name: value`)",
  primary: "a value",
  expression: "a value",
  directed: "`maximize` or `minimize`",
};

export const hgcErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${labelOf(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected ${RULE_EXPECTS.item}, found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const expects = RULE_EXPECTS[ruleName] ?? oneOf(expectedPathsPerAlt.flatMap((alt) => alt.map((path) => labelOf(path[0]!))));
    return `expected ${expects}, found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const expects = RULE_EXPECTS[ruleName] ?? oneOf(expectedIterationPaths.map((path) => labelOf(path[0]!)));
    return `expected ${expects}, found ${describeToken(actual[0])}`;
  },
};
