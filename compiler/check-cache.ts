// Checking again only what an edit can affect. An experiment's check depends on nothing but the
// text of its own item and of the items it extends (and their files): when those texts are what
// they were at the last check of the same root file, the last result is reused, its spans moved
// to where the text now is. The language server re-checks a 2,000-line file this way on every
// edit; only the experiment edited (and those extending it) are checked again.
import type { Span } from "./ast.js";
import type { Diagnostic } from "./diagnostics.js";
import { checkExperiment, type CheckExperimentOptions, type ExperimentCheck, type Reference } from "./check/index.js";
import type { MergedExperiment, Workspace } from "./resolve.js";
import { relocateBy } from "./relocate.js";

interface Region {
  file: string;
  offset: number;
  end: number;
  line: number;
}

interface Entry {
  regions: Region[];
  check: ExperimentCheck;
  diagnostics: Diagnostic[];
  references: Reference[];
}

/** Per root file, the last check of each experiment by its key. */
const cache = new Map<string, Map<string, Entry>>();
const MAX_ROOTS = 64;

function regionOf(span: Span): Region {
  return { file: span.file, offset: span.start.offset, end: span.end.offset, line: span.start.line };
}

/** The items an experiment's check reads: its own and its ancestors', each with its text. */
function chainOf(ws: Workspace, m: MergedExperiment): { key: string; regions: Region[] } | null {
  const items = [m.item, ...m.parents.map((p) => ws.experiments.get(p))];
  const regions: Region[] = [];
  const parts: string[] = [];
  for (const item of items) {
    if (!item) return null;
    const src = ws.sources.get(item.span.file);
    if (src === undefined) return null;
    const r = regionOf(item.span);
    regions.push(r);
    parts.push(`${r.file}\0${item.span.start.col}\0${src.slice(r.offset, r.end)}`);
  }
  return { key: parts.join("\u0001"), regions };
}

export class CheckCache {
  private readonly next = new Map<string, Entry>();
  private readonly previous: Map<string, Entry> | undefined;

  constructor(private readonly root: string) {
    this.previous = cache.get(root);
  }

  /** `checkExperiment`, or the last result for the same text moved to where the text now is. */
  check(ws: Workspace, m: MergedExperiment, opts: CheckExperimentOptions): { check: ExperimentCheck; diagnostics: Diagnostic[]; references: Reference[] } {
    const chain = chainOf(ws, m);
    const key = chain && `${opts.limits === false ? "nolimits" : "limits"}\u0002${chain.key}`;
    const hit = key ? this.previous?.get(key) : undefined;
    if (chain && key && hit) {
      const moved = this.move(hit, chain.regions, m);
      this.next.set(key, { ...moved, regions: chain.regions });
      return moved;
    }
    const references: Reference[] = [];
    const r = checkExperiment(ws, m, { ...opts, references });
    if (chain && key) this.next.set(key, { regions: chain.regions, check: r.check, diagnostics: r.diagnostics, references });
    return { ...r, references };
  }

  /** Keep this check's results for the next check of the same root file. */
  commit(): void {
    cache.delete(this.root);
    cache.set(this.root, this.next);
    if (cache.size > MAX_ROOTS) cache.delete(cache.keys().next().value!);
  }

  private move(hit: Entry, now: Region[], m: MergedExperiment): { check: ExperimentCheck; diagnostics: Diagnostic[]; references: Reference[] } {
    const moves = hit.regions.map((r, i) => ({ r, dOffset: now[i]!.offset - r.offset, dLine: now[i]!.line - r.line }));
    const still = moves.every((x) => x.dOffset === 0 && x.dLine === 0);
    const move = (file: string, offset: number) => {
      const x = moves.find((y) => y.r.file === file && offset >= y.r.offset && offset < y.r.end);
      return x && { dOffset: x.dOffset, dLine: x.dLine };
    };
    const diagnostics = still ? hit.diagnostics : relocateBy(hit.diagnostics, move);
    const references = still ? hit.references : relocateBy(hit.references, move);
    const old = hit.check;
    const body = old.body && { ...old.body, source: { file: m.item.span.file, line: m.item.span.start.line } };
    const metrics = old.metrics;
    const check: ExperimentCheck = {
      name: old.name,
      merged: m,
      body,
      metrics,
      items: still ? old.items : relocateBy(old.items, move),
      diagnostics,
    };
    return { check, diagnostics, references };
  }
}
