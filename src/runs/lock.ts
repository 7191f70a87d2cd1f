import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, stat, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { KindlingError } from "../errors.js";
import { PRIVATE_DIR, PRIVATE_FILE, writeFileAtomic } from "./files.js";

/** The lock file in a run store's root: one run writes into a store at a time. */
export const LOCK_FILE = ".kindling.lock";

/** Who holds the lock, as written in the lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  token: string;
  started_at: string;
  run_id?: string;
}

/** Another run is writing into the same store. */
export class RunLockedError extends KindlingError {
  readonly holder: LockHolder | undefined;
  constructor(message: string, holder: LockHolder | undefined, hint: string) {
    super(message, { hint });
    this.holder = holder;
  }
}

export interface RunLock {
  file: string;
  holder: LockHolder;
  /** Records the run id in the lock, so a second run can say which run it waits for. */
  setRun(runId: string): Promise<void>;
  /** Removes the lock if it is still ours. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** Default: signal 0 to the pid. */
  isAlive?: (pid: number) => boolean;
  /** Default os.hostname(). */
  host?: string;
  pid?: number;
  clock?: () => Date;
}

/** A lock file younger than this with no readable content is being written by its holder right now. */
const FRESH_MS = 10_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the store's lock (O_EXCL create), or fails at once naming the run that holds it. A lock left by a
 * process that no longer exists on this machine (a crash, kill -9) is stale: it is moved aside and taken.
 */
export async function acquireRunLock(root: string, options: LockOptions = {}): Promise<RunLock> {
  const isAlive = options.isAlive ?? alive;
  const host = options.host ?? os.hostname();
  const clock = options.clock ?? (() => new Date());
  const file = path.join(root, LOCK_FILE);
  const holder: LockHolder = {
    pid: options.pid ?? process.pid,
    host,
    token: randomBytes(6).toString("hex"),
    started_at: clock().toISOString(),
  };
  await mkdir(root, { recursive: true, mode: PRIVATE_DIR });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, "wx", PRIVATE_FILE);
      try {
        await handle.writeFile(`${JSON.stringify(holder)}\n`);
      } finally {
        await handle.close();
      }
      return lockHandle(file, holder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const current = await readHolder(file);
    if (current === "gone") continue;
    if (current === "unreadable") {
      const age = await stat(file).then(
        (s) => clock().getTime() - s.mtimeMs,
        () => 0,
      );
      if (age < FRESH_MS) throw locked(file, undefined);
    } else if (current.host !== host || isAlive(current.pid)) {
      throw locked(file, current);
    }
    // Stale: move it aside atomically, so two runs cleaning up at once cannot both remove a fresh lock.
    await rename(file, `${file}.stale-${holder.token}`).catch(() => {});
    await unlink(`${file}.stale-${holder.token}`).catch(() => {});
  }
  throw locked(file, undefined);
}

/** The run a live process is writing in this store right now, if any (another host's lock counts as live). */
export async function runBeingWritten(root: string, isAlive = alive): Promise<string | undefined> {
  const holder = await readHolder(path.join(root, LOCK_FILE));
  if (typeof holder !== "object") return undefined;
  return holder.host !== os.hostname() || isAlive(holder.pid) ? holder.run_id : undefined;
}

async function readHolder(file: string): Promise<LockHolder | "gone" | "unreadable"> {
  try {
    const value = JSON.parse(await readFile(file, "utf8")) as LockHolder;
    return typeof value.pid === "number" && typeof value.host === "string" ? value : "unreadable";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "gone" : "unreadable";
  }
}

function locked(file: string, holder: LockHolder | undefined): RunLockedError {
  const who = holder
    ? `${holder.run_id ? `run ${holder.run_id}` : "a run that is starting"} (pid ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ""}, since ${holder.started_at})`
    : "another run";
  return new RunLockedError(
    `${who} is writing to ${path.dirname(file)}; one run at a time writes into a run folder, so this one did not start (nothing was created)`,
    holder,
    `Wait for it to finish and run again, or stop it (Ctrl-C in its terminal${holder ? `, or kill ${holder.pid}` : ""}). If no run is going, delete ${file}.`,
  );
}

function lockHandle(file: string, holder: LockHolder): RunLock {
  let current = holder;
  const ours = async () => {
    const on = await readHolder(file);
    return typeof on === "object" && on.token === holder.token;
  };
  return {
    file,
    get holder() {
      return current;
    },
    async setRun(runId) {
      current = { ...current, run_id: runId };
      // Informational only: a full disk must not fail the run here.
      if (await ours()) await writeFileAtomic(file, `${JSON.stringify(current)}\n`).catch(() => {});
    },
    async release() {
      if (await ours()) await unlink(file).catch(() => {});
    },
  };
}
