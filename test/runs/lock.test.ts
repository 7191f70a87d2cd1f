import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireRunLock, LOCK_FILE, RunLockedError } from "../../src/runs/lock.js";

const root = () => mkdtempSync(path.join(os.tmpdir(), "klock-"));

describe("run lock: one writing run per run folder", () => {
  it("a second run is refused while the first holds the lock, naming it; released, it can go", async () => {
    const dir = root();
    const first = await acquireRunLock(dir);
    await first.setRun("20261127-231500-spam-7f3a");
    const error = await acquireRunLock(dir).catch((e) => e);
    expect(error).toBeInstanceOf(RunLockedError);
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(
      new RegExp(
        `^run 20261127-231500-spam-7f3a \\(pid ${process.pid}, since .*\\) is writing to ${dir}; one run at a time`,
      ),
    );
    expect(error.hint).toMatch(`delete ${path.join(dir, LOCK_FILE)}`);
    await first.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const again = await acquireRunLock(dir);
    await again.release();
  });

  it("takes over a stale lock left by a process that is gone (kill -9, a crash)", async () => {
    const dir = root();
    const file = path.join(dir, LOCK_FILE);
    writeFileSync(file, JSON.stringify({ pid: 999_999, host: os.hostname(), token: "old", started_at: "x" }));
    const lock = await acquireRunLock(dir, { isAlive: () => false });
    expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });

  it("never takes over a lock of a live process, nor one from another machine", async () => {
    const dir = root();
    const file = path.join(dir, LOCK_FILE);
    writeFileSync(file, JSON.stringify({ pid: 4242, host: "elsewhere", token: "t", started_at: "x" }));
    const error = await acquireRunLock(dir, { isAlive: () => false }).catch((e) => e);
    expect(error).toBeInstanceOf(RunLockedError);
    expect(error.message).toMatch(/pid 4242 on elsewhere/);
  });

  it("a lock that is being written (empty, fresh) counts as held; an old unreadable one is stale", async () => {
    const dir = root();
    const file = path.join(dir, LOCK_FILE);
    writeFileSync(file, "");
    await expect(acquireRunLock(dir)).rejects.toBeInstanceOf(RunLockedError);
    const later = new Date(Date.now() + 60_000);
    const lock = await acquireRunLock(dir, { clock: () => later });
    await lock.release();
  });

  it("release never removes a lock that another run took over", async () => {
    const dir = root();
    const file = path.join(dir, LOCK_FILE);
    const mine = await acquireRunLock(dir);
    writeFileSync(file, JSON.stringify({ pid: 1, host: os.hostname(), token: "theirs", started_at: "x" }));
    await mine.release();
    expect(JSON.parse(readFileSync(file, "utf8")).token).toBe("theirs");
  });
});
