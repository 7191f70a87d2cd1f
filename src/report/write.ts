import path from "node:path";
import { KindlingError } from "../errors.js";
import { exists, readJson, writeFileAtomic } from "../runs/files.js";
import type { Manifest } from "../runs/manifest.js";
import type { Metrics } from "../runs/metrics.js";
import { SUCCESS_MARKER } from "../runs/store.js";
import type { JobSpec } from "../spec/types.js";
import { KINDLING_VERSION } from "../versions.js";
import { renderCharts } from "./charts.js";
import { buildReportData, type ReportData, type ReportSources } from "./data.js";
import { renderReportHtml } from "./html.js";

export const REPORT_FILE = "report.html";

/** Reads what a report is built from; metrics.json may be missing (a run that failed before writing it). */
export async function readReportSources(runDir: string): Promise<ReportSources> {
  const read = async <T>(name: string): Promise<T> => {
    try {
      return await readJson<T>(path.join(runDir, name));
    } catch (error) {
      throw new KindlingError(`cannot read ${name} of the run in ${runDir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
  const [manifest, spec, complete] = await Promise.all([
    read<Manifest>("manifest.json"),
    read<JobSpec>("spec.json"),
    exists(path.join(runDir, SUCCESS_MARKER)),
  ]);
  const metrics = (await exists(path.join(runDir, "metrics.json")))
    ? await read<Metrics>("metrics.json")
    : undefined;
  return { manifest, spec, metrics, complete };
}

export interface WriteReportOptions {
  /** When the report is generated (shown in its footer). Default: now. */
  now?: () => Date;
  /** Treat the run as complete even though _SUCCESS is not written yet (the end of `kindling run`). Default false. */
  complete?: boolean;
}

/** Builds runs/<id>/report.html from the run's files; replaces an older report atomically. */
export async function writeReport(
  runDir: string,
  options: WriteReportOptions = {},
): Promise<{ file: string; data: ReportData }> {
  const sources = await readReportSources(runDir);
  const data = buildReportData({ ...sources, complete: sources.complete || Boolean(options.complete) });
  const charts = await renderCharts(data);
  const html = renderReportHtml(data, charts, {
    generatedAt: (options.now ?? (() => new Date()))().toISOString(),
    kindlingVersion: KINDLING_VERSION,
  });
  const file = path.join(runDir, REPORT_FILE);
  await writeFileAtomic(file, html);
  return { file, data };
}
