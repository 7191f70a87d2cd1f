import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, kindling } from "../helpers/cli.js";
import { snapshot } from "../helpers/inProcess.js";
import { stopTerminals, TerminalSession } from "../helpers/terminal.js";
import {
  jvmOf,
  mountTmpfs,
  noProcessesLeft,
  readManifest,
  runDirs,
  runIdOf,
  start,
  unmount,
  writeTinyCorpus,
} from "./harness.js";

/**
 * Faults during a run, with real Spark on a tiny corpus: the JVM killed, Ctrl-C, the output disk full,
 * Java or Python missing, a second run started while one writes. In every case: a clear message, the run
 * marked failed with the stage it reached (or, before a run exists, nothing created), no _SUCCESS, the
 * earlier run byte-for-byte untouched, no Spark or Python process left, and a re-run that works.
 */

const CONFIG = (outputDir = "runs") => `project: faults
data:
  path: tiny.csv
features:
  tfidf: { enabled: false }
  word2vec: { enabled: false }
train:
  grid: { max_iter: [3] }
output:
  dir: ${outputDir}
spark:
  master: local[1]
  driver_memory: 1g
  conf:
    spark.ui.enabled: false
    spark.sql.shuffle.partitions: 2
`;

let dir: string;
let runsRoot: string;
let earlier: { id: string; files: Record<string, string> };

const earlierUntouched = () => expect(snapshot(path.join(runsRoot, earlier.id))).toEqual(earlier.files);

beforeAll(async () => {
  buildCli();
  dir = mkdtempSync(path.join(os.tmpdir(), "kindling-faults-"));
  runsRoot = path.join(dir, "runs");
  writeTinyCorpus(path.join(dir, "tiny.csv"));
  writeFileSync(path.join(dir, "kindling.yaml"), CONFIG());
  const first = await kindling(["run", "--json"], { cwd: dir });
  expect(first.code, first.stderr).toBe(0);
  const id = JSON.parse(first.stdout).run_id as string;
  earlier = { id, files: snapshot(path.join(runsRoot, id)) };
  expect(earlier.files._SUCCESS).toBeDefined();
});

describe("faults during a run", () => {
  it("the Spark JVM killed (SIGKILL) mid-run: failed at its stage, nothing left running", async () => {
    const running = start(["run"], { cwd: dir });
    const runId = await runIdOf(running);
    await running.waitFor(/… Train hashing_tf/);
    process.kill(await jvmOf(runId), "SIGKILL");
    const result = await running.done;

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`error: Run ${runId} failed at stage \\w+:hashing_tf: Spark's JVM was killed \\(SIGKILL\\)`),
    );
    expect(result.stderr).toMatch(/hint: SIGKILL usually comes from the kernel's out-of-memory killer/);
    const runDir = path.join(runsRoot, runId);
    const manifest = readManifest(runDir);
    expect(manifest.status).toBe("failed");
    expect(manifest.failure).toMatchObject({ kind: "Killed", stage: expect.stringMatching(/:hashing_tf$/) });
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
    expect(existsSync(path.join(runDir, ".kindling-reserve"))).toBe(false);
    expect(await noProcessesLeft(runId)).toEqual([]);
    expect(existsSync(path.join(runsRoot, ".kindling.lock"))).toBe(false);
    earlierUntouched();
  });

  it("Ctrl-C (SIGINT to the CLI): Spark stopped, the run marked interrupted where it was, exit 130", async () => {
    const running = start(["run"], { cwd: dir });
    const runId = await runIdOf(running);
    await running.waitFor(/… Train hashing_tf/);
    running.child.kill("SIGINT");
    const result = await running.done;

    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/SIGINT: stopping/);
    expect(result.stderr).toMatch(
      new RegExp(`error: Run ${runId} was interrupted at stage \\w+:hashing_tf: stopped by Ctrl-C`),
    );
    const runDir = path.join(runsRoot, runId);
    const manifest = readManifest(runDir);
    expect(manifest.status).toBe("interrupted");
    expect(manifest.failure).toMatchObject({
      kind: "Interrupted",
      stage: expect.stringMatching(/:hashing_tf$/),
    });
    expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
    expect(await noProcessesLeft(runId)).toEqual([]);
    expect(existsSync(path.join(runsRoot, ".kindling.lock"))).toBe(false);
    earlierUntouched();
  });

  describe("in a real terminal", () => {
    afterAll(stopTerminals);

    it("Ctrl-C pressed while a spinner turns stops the run (the spinner does not swallow it), exit 130", async () => {
      const terminal = TerminalSession.start("ctrl-c", ["run"], { cwd: dir });
      const screen = await terminal.waitFor(/Train hashing_tf/);
      const runId = /Run (\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4}) →/.exec(screen)?.[1] ?? "";
      terminal.press("C-c");
      expect(await terminal.exitCode()).toBe(130);
      expect(terminal.screen()).toMatch(new RegExp(`error: Run ${runId} was interrupted at stage`));
      expect(readManifest(path.join(runsRoot, runId)).status).toBe("interrupted");
      expect(await noProcessesLeft(runId)).toEqual([]);
      terminal.close();
      earlierUntouched();
    });

    it("closing the terminal (SIGHUP) stops the run the same way", async () => {
      const terminal = TerminalSession.start("hang-up", ["run"], { cwd: dir });
      const screen = await terminal.waitFor(/Train hashing_tf/);
      const runId = /Run (\d{8}-\d{6}-[a-z0-9-]+-[0-9a-f]{4}) →/.exec(screen)?.[1] ?? "";
      terminal.close();
      const runDir = path.join(runsRoot, runId);
      const until = Date.now() + 60_000;
      const lock = path.join(runsRoot, ".kindling.lock");
      while ((readManifest(runDir).status === "running" || existsSync(lock)) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(readManifest(runDir)).toMatchObject({ status: "interrupted", failure: { kind: "Interrupted" } });
      expect(await noProcessesLeft(runId)).toEqual([]);
      expect(existsSync(path.join(runsRoot, ".kindling.lock"))).toBe(false);
      earlierUntouched();
    });
  });

  it("a second run started while one is writing: refused at once, the first completes", async () => {
    const before = runDirs(runsRoot);
    const first = start(["run"], { cwd: dir });
    const firstId = await runIdOf(first);
    await first.waitFor(/… (Load|Prepare|Featurize)/);
    const second = await kindling(["run"], { cwd: dir });

    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `error: run ${firstId} \\(pid \\d+, since [^)]+\\) is writing to .*runs; one run at a time writes into a run folder, so this one did not start \\(nothing was created\\)`,
      ),
    );
    expect(second.stderr).toMatch(/hint: Wait for it to finish and run again/);
    expect(runDirs(runsRoot)).toEqual([...before, firstId]);

    const result = await first.done;
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(runsRoot, firstId, "_SUCCESS"))).toBe(true);
    earlierUntouched();
  });

  it("Java missing: a clear message, nothing created", async () => {
    const before = snapshot(runsRoot);
    const noPath = await kindling(["run"], {
      cwd: dir,
      env: { PATH: path.join(dir, "no-bin"), JAVA_HOME: "" },
    });
    expect(noPath.code).toBe(1);
    expect(noPath.stderr).toMatch(
      /error: Java 17 or newer is required, and `java` was not found on PATH\. Nothing was started\./,
    );
    expect(noPath.stderr).toMatch(/hint: Install a JDK 17\+/);
    const badHome = await kindling(["run"], { cwd: dir, env: { JAVA_HOME: path.join(dir, "no-jdk") } });
    expect(badHome.code).toBe(1);
    expect(badHome.stderr).toMatch(/JAVA_HOME is .*no-jdk, but .*no-jdk\/bin\/java is not there/);
    expect(snapshot(runsRoot)).toEqual(before);
  });

  it("Python missing: a clear message, nothing created", async () => {
    const before = snapshot(runsRoot);
    const empty = path.join(dir, "empty-venv");
    mkdirSync(empty, { recursive: true });
    const none = await kindling(["run"], { cwd: dir, env: { KINDLING_VENV: empty } });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/error: Python with PySpark \d+\.\d+\.\d+ is not installed \(.*empty-venv\)/);
    // KINDLING_VENV is the user's own: they are told to fix it, not that Kindling will make one there.
    expect(none.stderr).toMatch(/hint: KINDLING_VENV is .*empty-venv: point it at a venv with PySpark/);

    const broken = path.join(dir, "broken-venv");
    mkdirSync(path.join(broken, "bin"), { recursive: true });
    symlinkSync("/usr/bin/python-that-was-uninstalled", path.join(broken, "bin", "python"));
    writeFileSync(path.join(broken, "bin", "spark-submit"), "#!/bin/sh\nexit 1\n");
    const dangling = await kindling(["run"], { cwd: dir, env: { KINDLING_VENV: broken } });
    expect(dangling.code).toBe(1);
    expect(dangling.stderr).toMatch(
      /error: Python is missing: .*broken-venv\/bin\/python points to \/usr\/bin\/python-that-was-uninstalled, which does not exist/,
    );
    expect(snapshot(runsRoot)).toEqual(before);
  });

  describe("the output disk full", () => {
    let disk: string;
    let mounted = false;
    beforeAll(() => {
      disk = path.join(dir, "disk");
      mkdirSync(disk);
      // A real full disk: a 48 MiB tmpfs, filled up while Spark trains (needs root, as the test machines are).
      mounted = mountTmpfs(disk, "48m");
    });
    afterAll(() => {
      if (mounted) unmount(disk);
    });

    it("fails with DiskFull at the stage it reached, keeps the earlier run, and a re-run works once there is space", async (context) => {
      if (!mounted) context.skip();
      // The earlier run lives on the same disk.
      const diskRuns = path.join(disk, "runs");
      cpSync(path.join(runsRoot, earlier.id), path.join(diskRuns, earlier.id), { recursive: true });
      const before = snapshot(path.join(diskRuns, earlier.id));
      writeFileSync(path.join(dir, "disk.yaml"), CONFIG("disk/runs"));

      const running = start(["run", "-c", "disk.yaml"], { cwd: dir });
      const runId = await runIdOf(running);
      await running.waitFor(/… Train hashing_tf/);
      const filler = path.join(disk, "filler");
      await fill(filler);
      const result = await running.done;

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(
          `error: Run ${runId} failed at stage [\\w:]+: the disk holding .*disk/runs is full \\(no space left on device\\)`,
        ),
      );
      expect(result.stderr).toMatch(/hint: Free space on that disk/);
      const runDir = path.join(diskRuns, runId);
      const manifest = readManifest(runDir);
      expect(manifest.status).toBe("failed");
      expect(manifest.failure?.kind).toBe("DiskFull");
      expect(manifest.failure?.stage).toMatch(/^(train|evaluate|save):hashing_tf$|^write$|^finish$/);
      expect(existsSync(path.join(runDir, "_SUCCESS"))).toBe(false);
      expect(snapshot(path.join(diskRuns, earlier.id))).toEqual(before);
      expect(await noProcessesLeft(runId)).toEqual([]);

      rmSync(filler);
      const again = await kindling(["run", "-c", "disk.yaml", "--json"], { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(existsSync(path.join(JSON.parse(again.stdout).run_dir, "_SUCCESS"))).toBe(true);
      expect(snapshot(path.join(diskRuns, earlier.id))).toEqual(before);
    });
  });

  it("after every fault above, a re-run works and the earlier run is untouched", async () => {
    const result = await kindling(["run", "--json"], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(existsSync(path.join(out.run_dir, "_SUCCESS"))).toBe(true);
    const statuses = readdirSync(runsRoot)
      .filter((n) => /^\d{8}-/.test(n))
      .map((id) => readManifest(path.join(runsRoot, id)).status);
    expect(statuses).toContain("failed");
    earlierUntouched();
  });
});

/** Writes until the disk says ENOSPC. */
async function fill(file: string): Promise<void> {
  const handle = await open(file, "w");
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
    // Fill the last partial chunk's worth too.
    const small = Buffer.alloc(4096, 1);
    try {
      for (;;) await handle.write(small);
    } catch {
      // full
    }
  } finally {
    await handle.close();
  }
}
