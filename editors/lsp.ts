// The hgc language server: the compiler as a library behind the Language Server Protocol.
// Open documents are checked on open at once and on change after a short pause (debounced), with
// every open buffer given to the compiler as an overlay so unsaved imports are seen as typed.
// The answers themselves are plain functions in features.ts.
import {
  CodeActionKind,
  ErrorCodes,
  ResponseError,
  TextDocumentSyncKind,
  TextDocuments,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import {
  analyze,
  codeActions,
  completion,
  definition,
  documentSymbols,
  formatting,
  hover,
  lspDiagnostics,
  signatureHelp,
  type Analysis,
} from "./features.js";
import { LineMap, uriToPath } from "./positions.js";

export interface ServerOptions {
  /** Pause after the last change before a document is re-checked (default 75 ms; 0 checks at once). */
  debounceMs?: number;
}

export const DEFAULT_DEBOUNCE_MS = 75;

/** Wire the hgc language features to `connection` (the caller calls `connection.listen()`). */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, Analysis>();
  /** Documents whose imports changed since their last check. */
  const stale = new Set<string>();
  /** The files each document's last check read (itself and its imports), to know who imports whom. */
  const filesOf = new Map<string, Set<string>>();
  const timers = new Map<string, NodeJS.Timeout>();
  let debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;

  const overlays = (): Map<string, string> => new Map(documents.all().map((d) => [uriToPath(d.uri), d.getText()]));

  /** The document checked at its current version (checked now if the cache is behind). */
  const analysisFor = (uri: string): Analysis | undefined => {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    const cached = cache.get(uri);
    if (cached && cached.version === doc.version && !stale.has(uri)) return cached;
    const a = analyze(uri, uriToPath(uri), doc.getText(), doc.version, { overlays: overlays() });
    cache.set(uri, a);
    stale.delete(uri);
    filesOf.set(uri, new Set(a.check.workspace.files.keys()));
    return a;
  };

  /** Open documents that import `uri`'s file are checked again (they see its text as typed, or as saved once closed). */
  const recheckImporters = (uri: string): void => {
    const file = uriToPath(uri);
    for (const other of documents.all()) {
      if (other.uri === uri || !filesOf.get(other.uri)?.has(file)) continue;
      stale.add(other.uri);
      schedule(other.uri, debounceMs, false);
    }
  };

  const publish = (uri: string, cascade: boolean): void => {
    timers.delete(uri);
    const a = guard("diagnostics", () => analysisFor(uri), undefined);
    if (!a) return;
    const diagnostics = guard("diagnostics", () => lspDiagnostics(a), []);
    void connection.sendDiagnostics({ uri, version: a.version, diagnostics });
    // One level only: no ping-pong between files that import each other.
    if (cascade) recheckImporters(uri);
  };

  const schedule = (uri: string, delay: number, cascade = true): void => {
    const old = timers.get(uri);
    if (old) clearTimeout(old);
    timers.set(uri, setTimeout(() => publish(uri, cascade), delay));
  };

  /** A fault in hgc must not take the editor's server down: log it and answer with nothing. */
  function guard<T>(what: string, f: () => T, fallback: T): T {
    try {
      return f();
    } catch (err) {
      connection.console.error(`hgc: internal error in ${what} (this is a bug in hgc): ${(err as Error)?.stack ?? String(err)}`);
      return fallback;
    }
  }

  connection.onInitialize((params): InitializeResult => {
    const init = params.initializationOptions as { debounceMs?: unknown } | undefined;
    if (typeof init?.debounceMs === "number" && init.debounceMs >= 0) debounceMs = init.debounceMs;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: [".", "(", ",", ":"] },
        hoverProvider: true,
        signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [":"] },
        definitionProvider: true,
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: "hgc" },
    };
  });

  documents.onDidChangeContent(({ document }) => {
    // The first check of a document (on open) is immediate; edits wait for a pause in typing.
    schedule(document.uri, filesOf.has(document.uri) ? debounceMs : 0);
  });
  documents.onDidClose(({ document }) => {
    const t = timers.get(document.uri);
    if (t) clearTimeout(t);
    timers.delete(document.uri);
    cache.delete(document.uri);
    filesOf.delete(document.uri);
    stale.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
    recheckImporters(document.uri);
  });
  connection.onDidChangeWatchedFiles(() => {
    // An imported file changed on disk: check every open document again.
    for (const d of documents.all()) {
      stale.add(d.uri);
      schedule(d.uri, debounceMs, false);
    }
  });

  /**
   * For completion while typing: the current text with the names of the last check, when there
   * is one, so a keystroke does not wait for a full check (the cursor context is read from the
   * current text; only the names in scope may be a few keystrokes old).
   */
  const typingAnalysis = (uri: string): Analysis | undefined => {
    const doc = documents.get(uri);
    const cached = cache.get(uri);
    if (!doc || !cached || cached.version === doc.version) return analysisFor(uri);
    const text = doc.getText();
    return { ...cached, text, version: doc.version, lines: new LineMap(text) };
  };

  /**
   * A request handler that first checks the request names a document (and a position, where it
   * needs one): malformed params (`"params": null`) are the client's mistake, answered with
   * InvalidParams, never an internal error. Registered with `onRequest` by method name because
   * the library's typed `onHover` & co. read `params.workDoneToken` before any handler runs.
   */
  function onDocument<P, R>(what: string, needs: "position" | "document" | "diagnostics", f: (p: P & DocParams) => R, fallback: R) {
    return (params: P): R | ResponseError<void> => {
      const problem = invalidParams(params, needs);
      if (problem) return new ResponseError(ErrorCodes.InvalidParams, `hgc: ${what} needs ${problem}`);
      return guard(what, () => f(params as P & DocParams), fallback);
    };
  }

  connection.onRequest("textDocument/completion",
    onDocument("completion", "position", ({ textDocument, position }) => {
      const a = typingAnalysis(textDocument.uri);
      return a ? completion(a, a.lines.offset(position!)) : [];
    }, []),
  );
  connection.onRequest("textDocument/signatureHelp",
    onDocument("signature help", "position", ({ textDocument, position }) => {
      const a = typingAnalysis(textDocument.uri);
      return a ? signatureHelp(a, a.lines.offset(position!)) : null;
    }, null),
  );
  connection.onRequest("textDocument/hover",
    onDocument("hover", "position", ({ textDocument, position }) => {
      const a = analysisFor(textDocument.uri);
      return a ? hover(a, a.lines.offset(position!)) : null;
    }, null),
  );
  connection.onRequest("textDocument/definition",
    onDocument("definition", "position", ({ textDocument, position }) => {
      const a = analysisFor(textDocument.uri);
      return a ? definition(a, a.lines.offset(position!)) : [];
    }, []),
  );
  connection.onRequest("textDocument/documentSymbol",
    onDocument("document symbols", "document", ({ textDocument }) => {
      const a = analysisFor(textDocument.uri);
      return a ? documentSymbols(a) : [];
    }, []),
  );
  connection.onRequest("textDocument/formatting",
    onDocument("formatting", "document", ({ textDocument }) => {
      const doc = documents.get(textDocument.uri);
      return doc ? formatting(doc.getText(), uriToPath(textDocument.uri)) : [];
    }, []),
  );
  connection.onRequest("textDocument/codeAction",
    onDocument("code actions", "diagnostics", ({ textDocument, context }) => codeActions(textDocument.uri, context!.diagnostics), []),
  );

  documents.listen(connection);
}

/** What every document request carries. */
interface DocParams {
  textDocument: { uri: string };
  position?: { line: number; character: number };
  context?: { diagnostics: import("vscode-languageserver").Diagnostic[] };
}

/** What is missing from a request's params, in words; undefined when they are well-formed. */
export function invalidParams(params: unknown, needs: "position" | "document" | "diagnostics"): string | undefined {
  const p = params as Partial<DocParams> | null | undefined;
  if (typeof p !== "object" || p === null || typeof p.textDocument?.uri !== "string") return "`textDocument.uri`";
  if (needs === "position") {
    const pos = p.position;
    if (typeof pos !== "object" || pos === null || !Number.isInteger(pos.line) || !Number.isInteger(pos.character) || pos.line < 0 || pos.character < 0) {
      return "a `position` with whole `line` and `character` ≥ 0";
    }
  }
  if (needs === "diagnostics" && !Array.isArray(p.context?.diagnostics)) return "`context.diagnostics`";
  return undefined;
}
