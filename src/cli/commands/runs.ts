import path from "node:path";
import Table from "cli-table3";
import { runsRoot } from "../../runs/lookup.js";
import { RunStore, type RunSummary } from "../../runs/store.js";
import { formatDuration, formatPercent } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { RunsOptions } from "../options.js";

/** `kindling runs`: every run under the config's output dir (runs/ without a config), newest first. */
export async function runsCommand(options: RunsOptions, io: CommandIO): Promise<void> {
  const root = await runsRoot(options.config, io.cwd);
  const runs = (await new RunStore(root).list()).map(runRow);
  io.emitJson(runs);
  if (runs.length === 0) {
    io.print(`No runs in ${root}.`);
    return;
  }
  const table = new Table({
    head: ["run", "status", "target", "data", "best", "accuracy", "duration"],
    style: { head: [], border: [] },
  });
  for (const r of runs) {
    table.push([
      r.id,
      r.failure
        ? `${r.status} (${r.failure.kind}${r.failure.stage ? ` at ${r.failure.stage}` : ""})`
        : r.status,
      r.target ?? "—",
      r.data ?? "—",
      r.best ?? "—",
      formatPercent(r.accuracy),
      formatDuration(r.duration_seconds),
    ]);
  }
  io.print(table.toString());
}

/** One line of `kindling runs` (and its --json element). */
export interface RunRow {
  id: string;
  status: string;
  complete: boolean;
  target: string | undefined;
  /** The input file's name. */
  data: string | undefined;
  best: string | undefined;
  accuracy: number | undefined;
  f1: number | undefined;
  created_at: string | undefined;
  duration_seconds: number | undefined;
  /** How a failed or interrupted run ended: the stage it reached and the kind of failure. */
  failure: { stage: string | null; kind: string } | undefined;
  dir: string;
}

export function runRow(run: RunSummary): RunRow {
  const m = run.manifest;
  // A manifest saying "running" without a live process behind it is what an interrupted run leaves.
  const status = run.complete ? "succeeded" : (m?.status ?? "incomplete");
  return {
    id: run.id,
    status,
    complete: run.complete,
    target: m?.target,
    data: m ? path.basename(decodeURIComponent(new URL(m.input.uri).pathname)) : undefined,
    best: m?.best?.feature_set,
    accuracy: m?.best?.accuracy,
    f1: m?.best?.f1,
    created_at: m?.created_at,
    duration_seconds: m?.duration_seconds,
    failure: m?.failure ? { stage: m.failure.stage, kind: m.failure.kind } : undefined,
    dir: run.dir,
  };
}
