// Dashboards a run can log to besides its own folder (`hgc run --log tensorboard,mlflow`). Each is
// one more subscriber on the run's events, next to the terminal logger, the metrics file and
// the results store: the runtime never knows who listens.
import { UserError } from "../../common/errors.js";
import type { RunEvent } from "../events.js";
import { attachMlflow, experimentId, mlflowRoot, type MlflowOptions } from "./mlflow.js";
import { attachTensorBoard } from "./tensorboard.js";
import type { Dashboard, Subscribable } from "./types.js";

export const DASHBOARDS = ["tensorboard", "mlflow"] as const;
export type DashboardKind = (typeof DASHBOARDS)[number];

export type { Dashboard, Subscribable } from "./types.js";

/** `--log` values (repeated or comma-separated) as dashboard kinds; an unknown one is a usage error. */
export function parseDashboards(values: string[]): DashboardKind[] {
  const kinds = new Set<DashboardKind>();
  for (const v of values.flatMap((x) => x.split(","))) {
    const k = v.trim();
    if (!k) continue;
    if (!(DASHBOARDS as readonly string[]).includes(k)) {
      throw new UserError(`unknown \`--log\` target \`${k}\``, `use ${DASHBOARDS.join(" or ")} (comma-separated or repeated for both)`, 2);
    }
    kinds.add(k as DashboardKind);
  }
  return [...kinds];
}

/**
 * The dashboards of the runs started on this process's behalf (a sweep's trials, here or as Slurm
 * tasks): the `--log` each is given and, for MLflow, the store resolved here once, so every trial
 * logs to the same store whatever its working directory or node.
 */
export interface ChildDashboards {
  kinds: DashboardKind[];
  /** The MLflow store's root, absolute; set when `kinds` has mlflow. */
  mlflowRoot?: string;
}

export function childDashboards(kinds: DashboardKind[], env: Record<string, string | undefined> = process.env, cwd = process.cwd()): ChildDashboards {
  return { kinds, ...(kinds.includes("mlflow") ? { mlflowRoot: mlflowRoot(env, cwd) } : {}) };
}

/** The child's `hgc run` arguments for its dashboards: `--log tensorboard,mlflow`, or none. */
export function dashboardArgs(d: ChildDashboards | undefined): string[] {
  return d?.kinds.length ? ["--log", d.kinds.join(",")] : [];
}

/** The child's environment for its dashboards: the MLflow store it shares with its siblings. */
export function dashboardEnv(d: ChildDashboards | undefined): Record<string, string> {
  return d?.mlflowRoot ? { MLFLOW_TRACKING_URI: d.mlflowRoot } : {};
}

/**
 * Creates the MLflow experiments the children will log to before any of them starts: two
 * children creating experiments at once would both take the next free id.
 */
export function prepareChildDashboards(d: ChildDashboards | undefined, experiments: Iterable<string>): void {
  if (!d?.mlflowRoot) return;
  for (const name of new Set(experiments)) experimentId(d.mlflowRoot, name);
}

export function attachDashboards(
  bus: Subscribable<RunEvent>,
  kinds: DashboardKind[],
  opts: { mlflow?: MlflowOptions; warn?: (message: string) => void } = {},
): Dashboard {
  const warn = opts.warn ?? ((m: string) => process.stderr.write(`hgc: warning: ${m}\n`));
  const attached = kinds.map((k) => {
    // A dashboard that cannot write (a full disk, a read-only store) says so once and stops;
    // the run and its own folder go on.
    let failed = false;
    const guarded: Subscribable<RunEvent> = {
      on: (listener) =>
        bus.on((e) => {
          if (failed) return;
          try {
            listener(e);
          } catch (err) {
            failed = true;
            warn(`--log ${k} stopped: ${(err as Error).message}`);
          }
        }),
    };
    return k === "tensorboard" ? attachTensorBoard(guarded) : attachMlflow(guarded, opts.mlflow);
  });
  return {
    async close() {
      for (const d of attached) await d.close();
    },
  };
}
