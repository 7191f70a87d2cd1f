import path from "node:path";
import Table from "cli-table3";
import { runsRoot } from "../../runs/lookup.js";
import { RunStore, type RunSummary } from "../../runs/store.js";
import { formatTags, hasTags, type Tags } from "../../runs/tags.js";
import { formatDuration, formatPercent, formatUsd } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { RunsOptions } from "../options.js";

/** `kindling runs`: the runs under the config's output dir (runs/ without a config), newest first, filtered. */
export async function runsCommand(options: RunsOptions, io: CommandIO): Promise<void> {
  // The shared history needs the AWS SDK; the local one must not load it.
  if (options.remote) return (await import("./share.js")).remoteRunsCommand(options, io);
  const root = await runsRoot(options, io.cwd);
  const all = (await new RunStore(root).list()).map(runRow);
  const runs = filterRuns(all, options);
  io.emitJson(runs);
  if (runs.length === 0) {
    io.print(all.length === 0 ? `No runs in ${root}.` : `None of the ${all.length} runs in ${root} match.`);
    return;
  }
  io.print(runsTable(runs));
  if (runs.length < all.length) io.print(`${runs.length} of ${all.length} runs.`);
}

/** The filters of `kindling runs` (and `runs --remote`), applied in order, the limit last. */
export function filterRuns(
  rows: RunRow[],
  options: Omit<RunsOptions, "config" | "json" | "verbose">,
): RunRow[] {
  const since = options.since?.getTime();
  const kept = rows.filter(
    (r) =>
      // Only a named environment narrows the list: without --env every environment's runs show.
      (!options.env || r.environment === options.env) &&
      (!options.status || r.status === options.status) &&
      (!options.target || r.target === options.target) &&
      (since === undefined || (r.created_at !== undefined && Date.parse(r.created_at) >= since)) &&
      (!options.tags || hasTags(r.tags, options.tags)),
  );
  return options.limit === undefined ? kept : kept.slice(0, options.limit);
}

export function runsTable(runs: RunRow[]): string {
  const cost = runs.some((r) => r.cost_usd !== undefined);
  const tags = runs.some((r) => Object.keys(r.tags).length > 0);
  const environments = runs.some((r) => r.environment !== undefined);
  const table = new Table({
    head: [
      "run",
      "status",
      ...(environments ? ["env"] : []),
      "target",
      "data",
      "best",
      "accuracy",
      "duration",
      ...(cost ? ["cost"] : []),
      ...(tags ? ["tags"] : []),
    ],
    style: { head: [], border: [] },
  });
  for (const r of runs) {
    table.push([
      r.id,
      r.failure
        ? `${r.status} (${r.failure.kind}${r.failure.stage ? ` at ${r.failure.stage}` : ""})`
        : r.status,
      ...(environments ? [r.environment ?? "—"] : []),
      r.target ?? "—",
      r.data ?? "—",
      r.best ?? "—",
      formatPercent(r.accuracy),
      formatDuration(r.duration_seconds),
      ...(cost ? [r.cost_usd === undefined ? "—" : formatUsd(r.cost_usd)] : []),
      ...(tags ? [formatTags(r.tags)] : []),
    ]);
  }
  return table.toString();
}

/** One line of `kindling runs` (and its --json element). */
export interface RunRow {
  id: string;
  status: string;
  complete: boolean;
  /** The config environment the run was started in (none when the config has no `environments:`). */
  environment: string | undefined;
  target: string | undefined;
  /** The input file's name. */
  data: string | undefined;
  best: string | undefined;
  accuracy: number | undefined;
  f1: number | undefined;
  created_at: string | undefined;
  duration_seconds: number | undefined;
  /** A cloud run's cost in USD: what it cost once ended, else the estimate. */
  cost_usd: number | undefined;
  tags: Tags;
  note: string | undefined;
  /** How a failed or interrupted run ended: the stage it reached and the kind of failure. */
  failure: { stage: string | null; kind: string } | undefined;
  dir: string;
}

export function runRow(run: RunSummary): RunRow {
  const m = run.manifest;
  // A manifest saying "running" without a live process behind it is what an interrupted run leaves.
  const status = run.complete ? "succeeded" : (m?.status ?? "incomplete");
  const cost = m?.emr?.cost ?? m?.serverless?.cost;
  return {
    id: run.id,
    status,
    complete: run.complete,
    environment: m?.environment,
    target: m?.target,
    data: m ? path.basename(decodeURIComponent(new URL(m.input.uri).pathname)) : undefined,
    best: m?.best?.feature_set,
    accuracy: m?.best?.accuracy,
    f1: m?.best?.f1,
    created_at: m?.created_at,
    duration_seconds: m?.duration_seconds,
    cost_usd: cost?.actual ?? cost?.estimated,
    tags: m?.tags ?? {},
    note: m?.note,
    failure: m?.failure ? { stage: m.failure.stage, kind: m.failure.kind } : undefined,
    dir: run.dir,
  };
}
