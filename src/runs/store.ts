import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import type { LoadedConfig } from "../config/load.js";
import { exists, PRIVATE_DIR, readJson, writeJson } from "./files.js";
import type { Manifest } from "./manifest.js";
import type { Metrics } from "./metrics.js";
import { newRunId, RUN_ID_PATTERN } from "./runId.js";

export const SUCCESS_MARKER = "_SUCCESS";

/** Where a config's runs live: its output.dir, relative to the config file. */
export function runsDirOf(loaded: LoadedConfig): string {
  return path.resolve(loaded.dir, loaded.config.output.dir);
}

/** One run directory on disk. */
export interface RunDir {
  id: string;
  dir: string;
}

/** A run as listed by `kindling runs`. */
export interface RunSummary {
  id: string;
  dir: string;
  complete: boolean;
  manifest: Manifest | undefined;
  metrics: Metrics | undefined;
}

/** The local run store: one directory per run under `root`; nothing is ever overwritten. */
export class RunStore {
  constructor(readonly root: string) {}

  /** Creates a fresh run directory. mkdir without `recursive` fails on an existing id, so no run is reused. */
  async create(project: string, now: Date): Promise<RunDir> {
    await mkdir(this.root, { recursive: true, mode: PRIVATE_DIR });
    for (let attempt = 0; ; attempt++) {
      const id = newRunId(project, now);
      const dir = path.join(this.root, id);
      try {
        // Private from the first byte: what is written inside before the end is out of others' reach.
        await mkdir(dir, { mode: PRIVATE_DIR });
        await mkdir(path.join(dir, "logs"), { mode: PRIVATE_DIR });
        return { id, dir };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 20) throw error;
      }
    }
  }

  dirOf(id: string): string {
    return path.join(this.root, id);
  }

  async writeManifest(dir: string, manifest: Manifest): Promise<void> {
    await writeJson(path.join(dir, "manifest.json"), manifest);
  }

  /** Every run id, newest first. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    return names
      .filter((n) => RUN_ID_PATTERN.test(n))
      .sort()
      .reverse();
  }

  /** Every run, newest first. A directory without a readable manifest is listed as incomplete. */
  async list(): Promise<RunSummary[]> {
    return Promise.all((await this.ids()).map((id) => this.read(id)));
  }

  async read(id: string): Promise<RunSummary> {
    const dir = this.dirOf(id);
    const [manifest, metrics, complete] = await Promise.all([
      readJson<Manifest>(path.join(dir, "manifest.json")).catch(() => undefined),
      readJson<Metrics>(path.join(dir, "metrics.json")).catch(() => undefined),
      exists(path.join(dir, SUCCESS_MARKER)),
    ]);
    return { id, dir, complete, manifest, metrics };
  }
}
