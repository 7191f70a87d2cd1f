import { cp, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ReportSources } from "../../src/report/data.js";
import { readReportSources } from "../../src/report/write.js";

/** A finished binary run (spam/ham, three feature sets): manifest, metrics and spec only, no models. */
export const FIXTURE_RUN = fileURLToPath(new URL("../fixtures/run-binary/", import.meta.url));

export async function fixtureSources(): Promise<ReportSources> {
  return { ...(await readReportSources(FIXTURE_RUN)), complete: true };
}

/** A writable copy of the fixture run, so tests can write report.html into it. */
export async function copyFixtureRun(): Promise<string> {
  const dir = path.join(await mkdtemp(path.join(os.tmpdir(), "kreport-")), "20261127-231500-spam-7f3a");
  await cp(FIXTURE_RUN, dir, { recursive: true });
  return dir;
}

/** A deep copy to mutate. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
