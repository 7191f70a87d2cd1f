import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { compareCommand } from "../../src/cli/commands/compare.js";
import { type RunRow, runsCommand } from "../../src/cli/commands/runs.js";
import { tagCommand } from "../../src/cli/commands/tag.js";
import { acquireRunLock } from "../../src/runs/lock.js";
import type { Manifest } from "../../src/runs/manifest.js";
import { RunStore } from "../../src/runs/store.js";
import { recordingIo } from "../helpers/io.js";
import { FIXTURE_RUN } from "../report/fixtures.js";

const base = { json: false, verbose: false, config: "absent.yaml" };

let cwd: string;
let store: RunStore;

/** A complete copy of the fixture run under `id`, its manifest changed by `patch`. */
async function addRun(id: string, patch: Partial<Manifest> = {}, complete = true): Promise<string> {
  const dir = store.dirOf(id);
  await cp(FIXTURE_RUN, dir, { recursive: true });
  const file = path.join(dir, "manifest.json");
  const manifest = JSON.parse(await readFile(file, "utf8")) as Manifest;
  await store.writeManifest(dir, { ...manifest, run_id: id, ...patch });
  if (complete) await writeFile(path.join(dir, "_SUCCESS"), "");
  return dir;
}

async function listed(options: Record<string, unknown> = {}): Promise<RunRow[]> {
  const r = recordingIo(cwd);
  await runsCommand({ ...base, ...options }, r.io);
  return r.json<RunRow[]>();
}

beforeEach(async () => {
  cwd = await mkdtemp(path.join(os.tmpdir(), "khistory-"));
  store = new RunStore(path.join(cwd, "runs"));
});

describe("kindling runs: filters", () => {
  beforeEach(async () => {
    await addRun("20261201-090000-spam-aaaa", {
      created_at: "2026-12-01T09:00:00.000Z",
      tags: { dataset: "v1" },
    });
    await addRun("20261202-090000-spam-bbbb", {
      created_at: "2026-12-02T09:00:00.000Z",
      target: "emr",
      tags: { dataset: "v2", owner: "ana" },
      emr: {
        region: "us-east-1",
        release_label: "emr-7.5.0",
        s3_prefix: "s3://b/runs/x/",
        log_uri: "s3://l/x/",
        instances: [],
        cost: { currency: "USD", estimated: 0.4, actual: 0.3512, price_table_as_of: "2026-11-01" },
      },
    });
    await addRun(
      "20261203-090000-spam-cccc",
      {
        created_at: "2026-12-03T09:00:00.000Z",
        status: "failed",
        tags: { dataset: "v2" },
        environment: "prod",
      },
      false,
    );
  });

  it("--env narrows to the runs of that environment; without it every environment's runs show, and which", async () => {
    await writeFile(
      path.join(cwd, "kindling.yaml"),
      "data: { path: a.csv }\nenvironments: { dev: { default: true }, prod: {} }\n",
    );
    const withConfig = { config: path.join(cwd, "kindling.yaml") };
    expect((await listed({ ...withConfig, env: "prod" })).map((r) => r.id)).toEqual([
      "20261203-090000-spam-cccc",
    ]);
    expect(await listed({ ...withConfig, env: "dev" })).toEqual([]);
    const r = recordingIo(cwd);
    await runsCommand({ ...base, ...withConfig }, r.io);
    expect(r.json<RunRow[]>().map((row) => row.environment)).toEqual(["prod", undefined, undefined]);
    expect(r.printed().join("\n")).toMatch(/│ env\s*│[\s\S]*20261203-090000-spam-cccc.*│ prod\s*│/);
  });

  it("keeps runs with every wanted tag, by value or by key alone", async () => {
    expect((await listed({ tags: [{ key: "dataset", value: "v2" }] })).map((r) => r.id)).toEqual([
      "20261203-090000-spam-cccc",
      "20261202-090000-spam-bbbb",
    ]);
    expect(
      (await listed({ tags: [{ key: "dataset", value: "v2" }, { key: "owner" }] })).map((r) => r.id),
    ).toEqual(["20261202-090000-spam-bbbb"]);
  });

  it("filters by status, target and time, then limits to the newest", async () => {
    expect((await listed({ status: "failed" })).map((r) => r.id)).toEqual(["20261203-090000-spam-cccc"]);
    expect((await listed({ target: "emr" })).map((r) => r.id)).toEqual(["20261202-090000-spam-bbbb"]);
    expect((await listed({ since: new Date("2026-12-02T00:00:00Z") })).length).toBe(2);
    expect((await listed({ limit: 1 })).map((r) => r.id)).toEqual(["20261203-090000-spam-cccc"]);
    expect((await listed({ status: "succeeded", limit: 1 })).map((r) => r.id)).toEqual([
      "20261202-090000-spam-bbbb",
    ]);
  });

  it("shows a cloud run's cost (billed before estimated) and the tags, and says how many matched", async () => {
    const r = recordingIo(cwd);
    await runsCommand({ ...base, tags: [{ key: "dataset" }], status: "succeeded" }, r.io);
    expect(r.json<RunRow[]>().map((row) => row.cost_usd)).toEqual([0.3512, undefined]);
    const text = r.printed().join("\n");
    expect(text).toMatch(/20261202-090000-spam-bbbb.*│\s*\$0\.351\s*│\s*dataset=v2, owner=ana/);
    expect(text).toContain("2 of 3 runs.");
    const none = recordingIo(cwd);
    await runsCommand({ ...base, tags: [{ key: "nope" }] }, none.io);
    expect(none.printed().join("\n")).toMatch(/None of the 3 runs in .* match\./);
  });
});

describe("kindling tag", () => {
  it("adds, changes and removes tags and the note, in the manifest", async () => {
    const dir = await addRun("20261201-090000-spam-aaaa", { tags: { dataset: "v1", old: "x" } });
    const r = recordingIo(cwd);
    await tagCommand(
      { ...base, run: "latest", set: { dataset: "v2", stage: "prod" }, remove: ["old"], note: "the keeper" },
      r.io,
    );
    const manifest = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
    expect(manifest.tags).toEqual({ dataset: "v2", stage: "prod" });
    expect(manifest.note).toBe("the keeper");
    expect(r.printed().join("\n")).toContain("dataset=v2, stage=prod; note: the keeper");

    await tagCommand(
      { ...base, run: "latest", set: {}, remove: ["dataset", "stage"], note: "" },
      recordingIo(cwd).io,
    );
    const cleared = JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
    expect("tags" in cleared || "note" in cleared).toBe(false);
    expect(cleared.run_id).toBe("20261201-090000-spam-aaaa");
  });

  it("refuses to remove a tag the run does not have, naming the ones it has", async () => {
    await addRun("20261201-090000-spam-aaaa", { tags: { dataset: "v1" } });
    await expect(
      tagCommand({ ...base, run: "latest", set: {}, remove: ["stage"] }, recordingIo(cwd).io),
    ).rejects.toThrow(/has no tag stage/);
  });

  it("refuses a run that is still being written, whose manifest its CLI would overwrite", async () => {
    await addRun("20261201-090000-spam-aaaa", { status: "running" }, false);
    const lock = await acquireRunLock(store.root);
    await lock.setRun("20261201-090000-spam-aaaa");
    try {
      await expect(
        tagCommand({ ...base, run: "latest", set: { a: "b" }, remove: [] }, recordingIo(cwd).io),
      ).rejects.toThrow(/still running/);
    } finally {
      await lock.release();
    }
    await tagCommand({ ...base, run: "latest", set: { a: "b" }, remove: [] }, recordingIo(cwd).io);
  });
});

describe("kindling compare: many runs", () => {
  it("--last N takes the newest complete runs, oldest first, and --html writes the page", async () => {
    await addRun("20261201-090000-spam-aaaa");
    await addRun("20261202-090000-spam-bbbb", { note: "second" });
    await addRun("20261203-090000-spam-cccc", { status: "failed" }, false);
    await addRun("20261204-090000-spam-dddd", { tags: { best: "yes" } });
    const r = recordingIo(cwd);
    const opened: string[] = [];
    const comparison = await compareCommand(
      { ...base, runs: [], last: 3, html: "cmp/page.html", open: true },
      r.io,
      async (file) => {
        opened.push(file);
      },
    );
    expect(comparison.runs.map((x) => x.id)).toEqual([
      "20261201-090000-spam-aaaa",
      "20261202-090000-spam-bbbb",
      "20261204-090000-spam-dddd",
    ]);
    const page = path.join(cwd, "cmp", "page.html");
    expect(opened).toEqual([page]);
    expect(r.json<{ html: string }>().html).toBe(page);
    const html = await readFile(page, "utf8");
    expect(html).toContain("<h1>3 runs</h1>");
    expect(html).toContain("best=yes");
    expect(html).toContain("second");
    expect(html.match(/<svg/g)?.length).toBe(6); // one chart per compared metric
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it("--last N with fewer complete runs, or one run named twice, is a usage error", async () => {
    await addRun("20261201-090000-spam-aaaa");
    await expect(compareCommand({ ...base, runs: [], last: 2 }, recordingIo(cwd).io)).rejects.toThrow(
      /--last 2: there is 1 complete run/,
    );
    await expect(
      compareCommand({ ...base, runs: ["latest", "20261201-090000-spam-aaaa"] }, recordingIo(cwd).io),
    ).rejects.toThrow(/named twice/);
  });
});
