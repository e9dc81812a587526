// The syntactic grammar of .hgc: rules only. compiler/to-ast.ts turns the CST into the typed AST
// and compiler/parse.ts runs the lexer and this parser and turns their errors into diagnostics.
// grammar/GRAMMAR.md is the reference for these rules.
import type { IToken, TokenType } from "chevrotain";
import { CstParser, tokenMatcher } from "./chevrotain.js";
import {
  ALL_TOKENS,
  AnyToken,
  AdditiveOp,
  BadNumber,
  Colon,
  Comma,
  Dot,
  DotDot,
  Elided,
  Equals,
  Evaluate,
  Experiment,
  Extends,
  False,
  Grid,
  Identifier,
  Import,
  LBracket,
  LCurly,
  LParen,
  Maximize,
  Minimize,
  Minus,
  MultiplicativeOp,
  NumberLit,
  RBracket,
  RCurly,
  RParen,
  SizeLit,
  StringLit,
  Sweep,
  True,
} from "./tokens.js";
import { hgcErrorMessages } from "./messages.js";

export class HgcParser extends CstParser {
  /**
   * @param validate check the grammar itself (left recursion, ambiguities, …) while building the
   *   parser; the tests do, the shipped instance skips it to start faster.
   */
  constructor(validate = false) {
    super(ALL_TOKENS, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: "full",
      errorMessageProvider: hgcErrorMessages,
      skipValidations: !validate,
    });
    this.performSelfAnalysis();
  }

  // The skipping alternatives look one token ahead only (MAX_LOOKAHEAD: 1); the gates below
  // decide, before committing to a rule, whether its first tokens are really
  // there; when they are not, the token is skipped (and reported) instead of failing the whole
  // enclosing block, so one mistake costs one statement, not the rest of the file.

  private is(i: number, type: TokenType): boolean {
    return tokenMatcher(this.LA(i), type);
  }

  private itemAhead(): boolean {
    return this.is(1, Import) || this.is(1, Experiment) || this.is(1, Sweep);
  }

  private callAhead(): boolean {
    return this.is(1, Identifier) && this.is(2, LParen);
  }

  /** `search random(…)`: the word `search`, then a call (a sweep's search; `search` stays a usable name). */
  private searchAhead(): boolean {
    return this.is(1, Identifier) && this.LA(1).image === "search" && this.is(2, Identifier) && this.is(3, LParen);
  }

  /** `log` right after a range (`1e-4..1e-2 log`): a log scale, on the same line. */
  private scaleAhead(): boolean {
    return this.is(1, Identifier) && this.LA(1).image === "log" && this.LA(1).startLine === this.LA(0).endLine;
  }

  /** `=` tokens with no value after them (and what came instead), since `input` was last set. */
  public missingValues: { equals: IToken; found: IToken }[] = [];

  private nextLineStartsStatement(equals: IToken): boolean {
    const next = this.LA(1);
    if (!(next.startLine! > equals.startLine!)) return false;
    if (this.is(1, Evaluate) && this.is(2, LCurly)) return true;
    if (!this.is(1, Identifier)) return false;
    return this.is(2, Equals) || (this.is(2, Identifier) && this.is(3, Equals) && this.LA(2).startLine === next.startLine);
  }

  private statementAhead(): boolean {
    if (this.is(1, Evaluate) && this.is(2, LCurly)) return true;
    if (this.is(1, Grid) && this.is(2, LParen)) return true;
    if (this.searchAhead()) return true;
    if (!this.is(1, Identifier)) return false;
    if (this.is(2, LParen) || this.is(2, Equals)) return true;
    // `KIND NAME` starts a declaration even without its `=` when more follows on its line (the
    // parser then reports the `=` and still reads the value); a next line is not taken as its value.
    // KIND and NAME must share a line, so a stray word never pairs with the next line's name.
    const line = this.LA(1).startLine;
    return this.is(2, Identifier) && this.LA(2).startLine === line && (this.is(3, Equals) || this.LA(3).startLine === line);
  }

  // program := item*
  // (anything else is skipped one token at a time and reported by to-ast.ts)
  public program = this.RULE("program", () => {
    this.MANY(() =>
      this.OR({
        IGNORE_AMBIGUITIES: true,
          MAX_LOOKAHEAD: 1,
        DEF: [
          { GATE: () => this.itemAhead(), ALT: () => this.SUBRULE(this.item) },
          { ALT: () => this.CONSUME(AnyToken, { LABEL: "skipped" }) },
        ],
      }),
    );
  });

  // item := importItem | experimentItem | sweepItem
  private item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.importItem) },
      { ALT: () => this.SUBRULE(this.experimentItem) },
      { ALT: () => this.SUBRULE(this.sweepItem) },
    ]);
  });

  // importItem := "import" STRING
  private importItem = this.RULE("importItem", () => {
    this.CONSUME(Import);
    this.CONSUME(StringLit);
  });

  // experimentItem := "experiment" NAME ["extends" NAME] block
  private experimentItem = this.RULE("experimentItem", () => {
    this.CONSUME(Experiment);
    this.CONSUME(Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(Extends);
      this.CONSUME2(Identifier, { LABEL: "parent" });
    });
    this.SUBRULE(this.block);
  });

  // sweepItem := "sweep" NAME block
  private sweepItem = this.RULE("sweepItem", () => {
    this.CONSUME(Sweep);
    this.CONSUME(Identifier, { LABEL: "name" });
    this.SUBRULE(this.block);
  });

  // block := "{" statement* "}"
  // (anything else before the `}` is skipped one token at a time and reported by to-ast.ts)
  private block = this.RULE("block", () => {
    this.CONSUME(LCurly);
    this.MANY({
      GATE: () => !tokenMatcher(this.LA(1), RCurly),
      DEF: () =>
        this.OR({
          IGNORE_AMBIGUITIES: true,
          MAX_LOOKAHEAD: 1,
          DEF: [
            { GATE: () => this.statementAhead(), ALT: () => this.SUBRULE(this.statement) },
            { ALT: () => this.CONSUME(AnyToken, { LABEL: "skipped" }) },
          ],
        }),
    });
    this.CONSUME(RCurly);
  });

  // statement := evaluateStmt | gridStmt | callStmt | assignStmt | declStmt
  private statement = this.RULE("statement", () => {
    // Decided by the gates alone (one token of lookahead), so that `KIND NAME` without its `=`
    // still enters declStmt, where the missing `=` is reported and the value still read.
    this.OR({
      IGNORE_AMBIGUITIES: true,
      MAX_LOOKAHEAD: 1,
      DEF: [
        {
          GATE: () => this.is(1, Evaluate) && this.is(2, LCurly),
          ALT: () => this.SUBRULE(this.evaluateStmt),
        },
        {
          GATE: () => this.is(1, Grid) && (this.is(2, LParen) || this.is(2, Identifier)),
          ALT: () => this.SUBRULE(this.gridStmt),
        },
        { GATE: () => this.searchAhead(), ALT: () => this.SUBRULE(this.searchStmt) },
        { GATE: () => this.is(2, LParen), ALT: () => this.SUBRULE(this.callStmt) },
        { GATE: () => this.is(2, Equals), ALT: () => this.SUBRULE(this.assignStmt) },
        { ALT: () => this.SUBRULE(this.declStmt) },
      ],
    });
  });

  // evaluateStmt := "evaluate" "{" call* "}"
  private evaluateStmt = this.RULE("evaluateStmt", () => {
    this.CONSUME(Evaluate);
    this.CONSUME(LCurly);
    this.MANY({
      GATE: () => !tokenMatcher(this.LA(1), RCurly),
      DEF: () =>
        this.OR({
          IGNORE_AMBIGUITIES: true,
          MAX_LOOKAHEAD: 1,
          DEF: [
            { GATE: () => this.callAhead(), ALT: () => this.SUBRULE(this.call) },
            { ALT: () => this.CONSUME(AnyToken, { LABEL: "skipped" }) },
          ],
        }),
    });
    this.CONSUME(RCurly);
  });

  // gridStmt := "grid" (NAME | "(" NAME ("," NAME)* ")") "=" expression
  private gridStmt = this.RULE("gridStmt", () => {
    this.CONSUME(Grid);
    this.OR([
      { ALT: () => this.CONSUME(Identifier, { LABEL: "name" }) },
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.CONSUME2(Identifier, { LABEL: "name" }) });
          this.CONSUME(RParen);
        },
      },
    ]);
    this.SUBRULE(this.value);
  });

  // searchStmt := "search" call      (`search tpe(trials: 24)`, in a sweep)
  private searchStmt = this.RULE("searchStmt", () => {
    this.CONSUME(Identifier, { LABEL: "keyword" });
    this.SUBRULE(this.call);
  });

  // callStmt := call            (`train(…)`)
  private callStmt = this.RULE("callStmt", () => {
    this.SUBRULE(this.call);
  });

  // assignStmt := NAME "=" expression
  private assignStmt = this.RULE("assignStmt", () => {
    this.CONSUME(Identifier, { LABEL: "name" });
    this.SUBRULE(this.value);
  });

  // declStmt := KIND NAME "=" expression
  private declStmt = this.RULE("declStmt", () => {
    this.CONSUME(Identifier, { LABEL: "kind" });
    this.CONSUME2(Identifier, { LABEL: "name" });
    this.SUBRULE(this.value);
  });

  // value := "=" expression
  // When the line after `=` holds the start of the next statement instead (`param l =` then
  // `objective = …`), the value is missing: it is recorded in `missingValues`, not read from there.
  private value = this.RULE("value", () => {
    const eq = this.CONSUME(Equals);
    let missing = false;
    this.ACTION(() => {
      missing = this.nextLineStartsStatement(eq);
      if (missing) this.missingValues.push({ equals: eq, found: this.LA(1) });
    });
    // (Recording sees `missing` false, so the grammar is `"=" expression`; at parse time a missing
    // value skips the expression rather than failing in it.)
    if (!missing) this.SUBRULE(this.expression);
  });

  // call := NAME "(" [arg ("," arg)* [","]] ")"
  // (a missing `,` between arguments is accepted here and reported by to-ast.ts)
  private call = this.RULE("call", () => {
    this.CONSUME(Identifier, { LABEL: "callee" });
    this.CONSUME(LParen);
    this.OPTION(() => {
      this.SUBRULE(this.arg);
      this.MANY({
        GATE: () => !(tokenMatcher(this.LA(1), Comma) && tokenMatcher(this.LA(2), RParen)),
        DEF: () => {
          this.OPTION3(() => this.CONSUME(Comma));
          this.SUBRULE2(this.arg);
        },
      });
      this.OPTION2(() => this.CONSUME2(Comma, { LABEL: "trailing" }));
    });
    this.CONSUME(RParen);
  });

  // arg := NAME ":" expression | expression
  private arg = this.RULE("arg", () => {
    this.OR([
      {
        GATE: () => tokenMatcher(this.LA(2), Colon),
        ALT: () => {
          this.CONSUME(Identifier, { LABEL: "name" });
          this.CONSUME(Colon);
          this.SUBRULE(this.expression);
        },
      },
      { ALT: () => this.SUBRULE2(this.expression) },
    ]);
  });

  // expression := term (("+" | "-") term)*
  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.term, { LABEL: "operand" });
    this.MANY(() => {
      this.CONSUME(AdditiveOp, { LABEL: "operator" });
      this.SUBRULE2(this.term, { LABEL: "operand" });
    });
  });

  // term := unary (("*" | "/") unary)*
  private term = this.RULE("term", () => {
    this.SUBRULE(this.unary, { LABEL: "operand" });
    this.MANY(() => {
      this.CONSUME(MultiplicativeOp, { LABEL: "operator" });
      this.SUBRULE2(this.unary, { LABEL: "operand" });
    });
  });

  // unary := "-"* primary access*
  private unary = this.RULE("unary", () => {
    this.MANY(() => this.CONSUME(Minus));
    this.SUBRULE(this.primary);
    this.MANY2(() => this.SUBRULE(this.access));
  });

  // access := "." NAME ["(" expression ")"]      (the argument: `enc.layer(2)`, second edition)
  private access = this.RULE("access", () => {
    this.CONSUME(Dot);
    this.CONSUME(Identifier, { LABEL: "property" });
    this.OPTION(() => {
      this.CONSUME(LParen);
      this.SUBRULE(this.expression, { LABEL: "argument" });
      this.CONSUME(RParen);
    });
  });

  // primary := NUMBER [".." ["-"] NUMBER] | SIZE | STRING | "true" | "false" | list
  //          | "(" expression ")" | ("maximize" | "minimize") unary | call | NAME
  private primary = this.RULE("primary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(NumberLit, { LABEL: "from" });
          this.OPTION(() => {
            this.CONSUME(DotDot);
            this.OPTION2(() => this.CONSUME(Minus, { LABEL: "toMinus" }));
            this.CONSUME2(NumberLit, { LABEL: "to" });
            this.OPTION3({ GATE: () => this.scaleAhead(), DEF: () => this.CONSUME3(Identifier, { LABEL: "scale" }) });
          });
        },
      },
      { ALT: () => this.CONSUME(BadNumber) },
      { ALT: () => this.CONSUME(Elided) },
      { ALT: () => this.CONSUME(SizeLit) },
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(True) },
      { ALT: () => this.CONSUME(False) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      {
        GATE: () =>
          (tokenMatcher(this.LA(1), Maximize) || tokenMatcher(this.LA(1), Minimize)) && tokenMatcher(this.LA(2), Identifier),
        ALT: () => this.SUBRULE(this.directed),
      },
      {
        GATE: () => tokenMatcher(this.LA(2), LParen),
        ALT: () => this.SUBRULE(this.call),
      },
      { ALT: () => this.CONSUME(Identifier, { LABEL: "name" }) },
    ]);
  });

  // list := "[" [expression ("," expression)* [","]] "]"
  // (a missing `,` between items is accepted here and reported by to-ast.ts)
  private list = this.RULE("list", () => {
    this.CONSUME(LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression);
      this.MANY({
        GATE: () => !(tokenMatcher(this.LA(1), Comma) && tokenMatcher(this.LA(2), RBracket)),
        DEF: () => {
          this.OPTION3(() => this.CONSUME(Comma));
          this.SUBRULE2(this.expression);
        },
      });
      this.OPTION2(() => this.CONSUME2(Comma, { LABEL: "trailing" }));
    });
    this.CONSUME(RBracket);
  });

  private parenthesized = this.RULE("parenthesized", () => {
    this.CONSUME(LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(RParen);
  });

  private directed = this.RULE("directed", () => {
    this.OR([{ ALT: () => this.CONSUME(Maximize, { LABEL: "direction" }) }, { ALT: () => this.CONSUME(Minimize, { LABEL: "direction" }) }]);
    this.SUBRULE(this.unary);
  });
}

/** The one parser instance: reuse it (set `.input`, call `.program()`), never build one per file. */
export const hgcParser = new HgcParser();
