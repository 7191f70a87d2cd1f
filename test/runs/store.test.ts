import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { newRunId, RUN_ID_PATTERN } from "../../src/runs/runId.js";
import { RunStore } from "../../src/runs/store.js";

describe("run ids", () => {
  it("sort by time and carry the project", () => {
    const id = newRunId("spam", new Date("2026-11-27T23:15:00Z"), () => "7f3a");
    expect(id).toBe("20261127-231500-spam-7f3a");
    expect(id).toMatch(RUN_ID_PATTERN);
    expect(newRunId("spam", new Date("2026-11-27T23:15:01Z"), () => "0000") > id).toBe(true);
  });
});

describe("RunStore", () => {
  it("never reuses a run directory, even for the same second", async () => {
    const store = new RunStore(await mkdtemp(path.join(os.tmpdir(), "kstore-")));
    const now = new Date("2026-11-27T23:15:00Z");
    const runs = await Promise.all(Array.from({ length: 20 }, () => store.create("spam", now)));
    expect(new Set(runs.map((r) => r.id)).size).toBe(20);
  });

  it("lists runs newest first; complete only with _SUCCESS", async () => {
    const store = new RunStore(await mkdtemp(path.join(os.tmpdir(), "kstore-")));
    const older = await store.create("spam", new Date("2026-01-01T00:00:00Z"));
    const newer = await store.create("spam", new Date("2026-06-01T00:00:00Z"));
    await writeFile(path.join(older.dir, "_SUCCESS"), "");
    const listed = await store.list();
    expect(listed.map((r) => r.id)).toEqual([newer.id, older.id]);
    expect(listed.map((r) => r.complete)).toEqual([false, true]);
    expect(listed[0]?.manifest).toBeUndefined();
  });

  it("lists nothing when the runs folder does not exist", async () => {
    expect(await new RunStore("/nonexistent/kindling-runs").list()).toEqual([]);
  });
});
