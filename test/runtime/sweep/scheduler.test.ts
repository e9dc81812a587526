import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { planTrial, runTrials, type SchedulerEvent, type TrialJob } from "../../../runtime/sweep/scheduler.js";

const TRIAL = fileURLToPath(new URL("./fixtures/trial.mjs", import.meta.url));

function setup(modes: string[]) {
  const root = mkdtempSync(join(tmpdir(), "hgc-sched-"));
  const jobs: (TrialJob & { mode: string })[] = modes.map((mode, i) => ({
    id: `${i}`.repeat(16),
    experiment: "tiny",
    point: { lambda: i },
    seed: i + 1,
    runDir: join(root, `t${i}`),
    mode,
  }));
  const modeOf = new Map(jobs.map((j) => [j.id, j.mode]));
  const command = (job: TrialJob, resume: boolean) => ({
    command: process.execPath,
    args: [TRIAL, job.runDir, modeOf.get(job.id)!, String(job.seed), ...(resume ? ["--resume"] : [])],
  });
  return { root, jobs, command, modeOf };
}

describe("planTrial", () => {
  it("keeps a completed run, resumes one with a checkpoint and restarts anything else", () => {
    const dir = mkdtempSync(join(tmpdir(), "hgc-plan-"));
    expect(planTrial(join(dir, "none"))).toBe("fresh");
    mkdirSync(join(dir, "ckpt", "checkpoints", "step-5"), { recursive: true });
    expect(planTrial(join(dir, "ckpt"))).toBe("resume");
    writeFileSync(join(dir, "ckpt", "result.json"), JSON.stringify({ status: "interrupted" }));
    expect(planTrial(join(dir, "ckpt"))).toBe("resume");
    writeFileSync(join(dir, "ckpt", "result.json"), JSON.stringify({ status: "failed" }));
    expect(planTrial(join(dir, "ckpt"))).toBe("fresh");
    writeFileSync(join(dir, "ckpt", "result.json"), JSON.stringify({ status: "completed" }));
    expect(planTrial(join(dir, "ckpt"))).toBe("done");
  });
});

describe("runTrials", () => {
  it("runs at most `jobs` trials at once and returns the metrics of each", async () => {
    const { jobs, command } = setup(["ok", "ok", "ok"]);
    let running = 0;
    let peak = 0;
    const outcomes = await runTrials(jobs, {
      jobs: 2,
      command,
      onEvent: (e) => {
        if (e.type === "trial-start") peak = Math.max(peak, ++running);
        if (e.type === "trial-end") running--;
      },
    });
    expect(peak).toBe(2);
    expect(outcomes.map((o) => o.status)).toEqual(["completed", "completed", "completed"]);
    expect(outcomes[2]!.metrics).toEqual({ acc: 0.53, bpd: 2.97 });
  });

  it("records a failing trial with its error while the others complete", async () => {
    const { jobs, command } = setup(["ok", "fail", "crash", "ok"]);
    const outcomes = await runTrials(jobs, { jobs: 2, command });
    expect(outcomes.map((o) => o.status)).toEqual(["completed", "failed", "failed", "completed"]);
    expect(outcomes[1]!.error).toBe("cannot read data/missing.idx: no such file");
    expect(outcomes[2]!.error).toBe("something went wrong\nat line 2");
  });

  it("reports a trial whose command cannot start as failed", async () => {
    const { jobs } = setup(["ok"]);
    const outcomes = await runTrials(jobs, { jobs: 1, command: () => ({ command: "/nonexistent/hgc-binary", args: [] }) });
    expect(outcomes[0]!.status).toBe("failed");
    expect(outcomes[0]!.error).toMatch(/could not start the trial: .*ENOENT/);
  });

  it("skips completed trials, re-runs failed ones and resumes interrupted ones on a second pass", async () => {
    const { jobs, command, modeOf } = setup(["ok", "fail", "slow"]);
    const controller = new AbortController();
    let ended = 0;
    let checkpointed = false;
    const first = await runTrials(jobs, {
      jobs: 3,
      command,
      signal: controller.signal,
      onEvent: (e) => {
        // stop the sweep once the quick trials have ended and the slow one has checkpointed
        if (e.type === "trial-end") ended++;
        if (e.type === "trial-event" && e.event.type === "checkpoint") checkpointed = true;
        if (ended === 2 && checkpointed && !controller.signal.aborted) controller.abort();
      },
    });
    expect(first.map((o) => o.status)).toEqual(["completed", "failed", "interrupted"]);
    expect(JSON.parse(readFileSync(join(jobs[2]!.runDir, "result.json"), "utf8")).status).toBe("interrupted");

    modeOf.set(jobs[1]!.id, "ok"); // the cause of the failure is fixed
    const events: SchedulerEvent[] = [];
    const second = await runTrials(jobs, { jobs: 2, command, onEvent: (e) => events.push(e) });
    expect(second.map((o) => o.status)).toEqual(["completed", "completed", "completed"]);
    expect(events.filter((e) => e.type === "trial-skip").map((e) => e.job.id)).toEqual([jobs[0]!.id]);
    const starts = events.filter((e): e is Extract<SchedulerEvent, { type: "trial-start" }> => e.type === "trial-start");
    expect(starts.map((e) => [e.job.id, e.resume])).toEqual([
      [jobs[1]!.id, false],
      [jobs[2]!.id, true],
    ]);
    expect(JSON.parse(readFileSync(join(jobs[2]!.runDir, "result.json"), "utf8")).resumed).toBe(true);
  });

  it("starts no new trial once stopped and leaves the rest pending", async () => {
    const { jobs, command } = setup(["slow", "ok", "ok"]);
    const controller = new AbortController();
    const outcomes = await runTrials(jobs, {
      jobs: 1,
      command,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === "trial-event" && e.event.type === "checkpoint") controller.abort();
      },
    });
    expect(outcomes.map((o) => o.status)).toEqual(["interrupted", "pending", "pending"]);
    expect(existsSync(jobs[1]!.runDir)).toBe(false);
  });

  it("kills a trial that ignores SIGINT after the stop timeout", async () => {
    const { jobs } = setup(["ok"]);
    const controller = new AbortController();
    const started = Date.now();
    const outcomes = await runTrials(jobs, {
      jobs: 1,
      stopTimeoutMs: 300,
      signal: controller.signal,
      command: () => ({
        command: process.execPath,
        args: ["-e", "process.on('SIGINT', () => {}); console.log(JSON.stringify({type:'log',level:'info',message:'up'})); setInterval(() => {}, 1000)"],
      }),
      onEvent: (e) => {
        if (e.type === "trial-event") controller.abort();
      },
    });
    expect(outcomes[0]!.status).toBe("interrupted");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe("stderrGist", () => {
  it("picks hgc's own error line with its hint", async () => {
    const { stderrGist } = await import("../../../runtime/sweep/scheduler.js");
    expect(stderrGist("some warning\nhgc: error: cannot read /d/x.idx: no such file\n  hint: check the path\n")).toBe(
      "cannot read /d/x.idx: no such file (hint: check the path)",
    );
  });
  it("picks the line naming a JavaScript error rather than its stack", async () => {
    const { stderrGist } = await import("../../../runtime/sweep/scheduler.js");
    const text = "file:///x/a.js:3\nimport { a } from './b.js';\n         ^\nSyntaxError: The requested module './b.js' does not provide an export named 'a'\n    at ModuleJob._instantiate (node:internal)\n";
    expect(stderrGist(text)).toBe("SyntaxError: The requested module './b.js' does not provide an export named 'a'");
  });
  it("falls back to the last lines", async () => {
    const { stderrGist } = await import("../../../runtime/sweep/scheduler.js");
    expect(stderrGist("a\nb\nc\n", 2)).toBe("b\nc");
  });
});
