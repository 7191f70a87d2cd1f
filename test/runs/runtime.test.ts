import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { expectedRuntime } from "../../src/runs/runtime.js";

/** A run folder as the lifecycle leaves it: manifest.json, and _SUCCESS when it succeeded. */
async function run(
  root: string,
  id: string,
  fields: { target: string; seconds: number; bytes: number; ok: boolean },
) {
  const dir = path.join(root, id);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, "manifest.json"),
    JSON.stringify({
      run_id: id,
      target: fields.target,
      status: fields.ok ? "succeeded" : "failed",
      duration_seconds: fields.seconds,
      input: { uri: "file:///d.csv", bytes: fields.bytes, sha256: "x" },
    }),
  );
  if (fields.ok) await writeFile(path.join(dir, "_SUCCESS"), "");
}

const KEY = "emr.estimated_runtime_minutes";

describe("the running time a cloud estimate uses", () => {
  it("is the config's setting when there is one, and says so", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "runtime-"));
    await run(root, "20261201-100000-p-0001", { target: "local", seconds: 60, bytes: 100, ok: true });
    expect(await expectedRuntime({ runsRoot: root, inputBytes: 100, configured: 7, key: KEY })).toEqual({
      minutes: 7,
      source: `as set by ${KEY}`,
    });
  });

  it("is the newest succeeded local run, scaled by input size; cloud and failed runs do not count", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "runtime-"));
    await run(root, "20261201-100000-p-0001", { target: "local", seconds: 600, bytes: 1000, ok: true });
    await run(root, "20261201-110000-p-0002", {
      target: "standalone",
      seconds: 90,
      bytes: 1024 * 1024,
      ok: true,
    });
    await run(root, "20261201-120000-p-0003", { target: "emr", seconds: 30, bytes: 1024 * 1024, ok: true });
    await run(root, "20261201-130000-p-0004", { target: "local", seconds: 5, bytes: 1024 * 1024, ok: false });
    const basis = await expectedRuntime({
      runsRoot: root,
      inputBytes: 4 * 1024 * 1024,
      configured: undefined,
      key: KEY,
    });
    // 90 s on 1 MiB → 6 min on 4 MiB.
    expect(basis.minutes).toBe(6);
    expect(basis.source).toBe(
      `from local run 20261201-110000-p-0002 took 1 min 30 s on 1 MiB, scaled to this input's 4 MiB (set ${KEY} to override)`,
    );
  });

  it("an s3:// input (size unknown here) takes the local run's time unscaled, and says so", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "runtime-"));
    await run(root, "20261201-100000-p-0001", { target: "local", seconds: 95, bytes: 2048, ok: true });
    const basis = await expectedRuntime({
      runsRoot: root,
      inputBytes: undefined,
      configured: undefined,
      key: KEY,
    });
    expect(basis.minutes).toBe(1.6);
    expect(basis.source).toMatch(/^as local run \S+ took 1 min 35 s on 2 KiB \(not scaled/);
  });

  it("without any local run, is the default assumption and says how to do better", async () => {
    const root = path.join(os.tmpdir(), "runtime-none-here");
    expect(await expectedRuntime({ runsRoot: root, inputBytes: 1, configured: undefined, key: KEY })).toEqual(
      {
        minutes: 20,
        source: `as assumed with no local run to measure from (set ${KEY}, or run locally once)`,
      },
    );
  });
});
