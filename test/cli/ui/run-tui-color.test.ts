// Ink colours through chalk, which decides once, when it loads, from the environment. Forcing
// colour before loading it makes this file see colours however the tests are run.
import { EventEmitter } from "node:events";
import { beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../../runtime/events.js";
import { completed, start, step } from "./fixtures.js";

process.env.FORCE_COLOR = "1";
let attachRunTui: typeof import("../../../cli/ui/run-tui.js").attachRunTui;
beforeAll(async () => {
  ({ attachRunTui } = await import("../../../cli/ui/run-tui.js"));
});

class FakeTerminal extends EventEmitter {
  isTTY = true;
  columns = 100;
  writes: string[] = [];
  write(chunk: string) {
    this.writes.push(chunk);
    return true;
  }
}

async function drawRun(color: boolean): Promise<string> {
  const bus = new EventBus();
  const out = new FakeTerminal();
  const logger = attachRunTui(bus, { out: out as unknown as NodeJS.WriteStream, err: new FakeTerminal() as unknown as NodeJS.WriteStream, patchConsole: false, color });
  bus.emit(start);
  bus.emit(step(10));
  bus.emit(completed);
  await logger.close();
  return out.writes.join("");
}

const SGR = /\u001b\[[0-9;]*m/;

describe("run TUI colours", () => {
  it("draws in colour on a colour terminal", async () => {
    expect(await drawRun(true)).toMatch(SGR);
  });

  it("draws without colours or styles when colour is off (NO_COLOR), keeping the cursor control", async () => {
    const all = await drawRun(false);
    expect(all).toContain("finished at step 1500");
    expect(all).not.toMatch(SGR);
    expect(all).toContain("\u001b[?25h");
  });
});
