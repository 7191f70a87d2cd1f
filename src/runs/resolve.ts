import { stat } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "../config/load.js";
import { UsageError } from "../errors.js";
import { exists } from "./files.js";
import { RUN_ID_PATTERN } from "./runId.js";
import { RunStore, type RunSummary } from "./store.js";

/** Where runs live: the config's output.dir when the config exists, else ./runs. */
export async function runsRoot(configFile: string, cwd: string): Promise<string> {
  const file = path.resolve(cwd, configFile);
  if (!(await exists(file))) return path.resolve(cwd, "runs");
  const loaded = await loadConfig(file);
  return path.resolve(loaded.dir, loaded.config.output.dir);
}

/**
 * A run named by the user: its id (looked up under `root`), `latest`, or the path of its directory.
 * A name that matches nothing is a usage error that says where it looked.
 */
export async function findRun(ref: string, root: string, cwd: string): Promise<RunSummary> {
  const store = new RunStore(root);
  if (ref === "latest") {
    const [newest] = await store.list();
    if (!newest) throw new UsageError(`there are no runs in ${root}`, { hint: "Train one with `kindling run`." });
    return newest;
  }
  if (RUN_ID_PATTERN.test(ref) && (await isDir(store.dirOf(ref)))) return store.read(ref);
  const asPath = path.resolve(cwd, ref);
  if (await isDir(asPath)) {
    return new RunStore(path.dirname(asPath)).read(path.basename(asPath));
  }
  throw new UsageError(`run ${ref} not found in ${root}`, {
    hint: "`kindling runs` lists the runs; pass an id, `latest`, or a run directory (and -c if the config puts runs elsewhere).",
  });
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}
