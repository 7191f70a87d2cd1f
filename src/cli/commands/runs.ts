import path from "node:path";
import Table from "cli-table3";
import { loadConfig } from "../../config/load.js";
import { exists } from "../../runs/files.js";
import { RunStore, type RunSummary } from "../../runs/store.js";
import type { CommandIO } from "../io.js";
import type { RunsOptions } from "../options.js";

/** `kindling runs`: every run under the config's output dir (runs/ without a config), newest first. */
export async function runsCommand(options: RunsOptions, io: CommandIO): Promise<void> {
  const root = (await exists(options.config))
    ? await loadConfig(options.config).then((l) => path.resolve(l.dir, l.config.output.dir))
    : path.resolve(io.cwd, "runs");
  const runs = await new RunStore(root).list();
  io.emitJson(runs.map(row));
  if (runs.length === 0) {
    io.reporter.print(`No runs in ${root}.`);
    return;
  }
  const table = new Table({
    head: ["run", "status", "target", "data", "best", "accuracy", "duration"],
    style: { head: [], border: [] },
  });
  for (const r of runs.map(row)) {
    table.push([
      r.id,
      r.status,
      r.target ?? "—",
      r.data ?? "—",
      r.best ?? "—",
      r.accuracy ?? "—",
      r.duration ?? "—",
    ]);
  }
  io.reporter.print(table.toString());
}

function row(run: RunSummary) {
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
    accuracy: m?.best ? `${(m.best.accuracy * 100).toFixed(1)}%` : undefined,
    duration: m?.duration_seconds === undefined ? undefined : `${m.duration_seconds.toFixed(0)}s`,
    dir: run.dir,
  };
}
