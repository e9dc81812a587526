import type { Finished } from "./run-state.js";
import { Header } from "./Header.js";
import { Notice } from "./Notice.js";

export interface FinishedItemProps {
  readonly item: Finished;
}

/** One piece of finished work, printed once above the live view. */
export function FinishedItem({ item }: FinishedItemProps) {
  switch (item.kind) {
    case "header":
      return <Header start={item.start} />;
    case "checkpoint":
      return <Notice level="checkpoint" message={`at step ${item.event.step} → ${item.event.path}`} />;
    case "log":
      return <Notice level={item.event.level} message={item.event.message} />;
    case "error":
      return (
        <Notice
          level="error"
          message={item.event.step !== undefined ? `at step ${item.event.step}: ${item.event.message}` : item.event.message}
          hint={item.event.hint}
        />
      );
  }
}
