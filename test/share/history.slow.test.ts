import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { S3 } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evictPreparedEntries } from "../../src/cache/preparedText.js";
import { S3PreparedStore } from "../../src/cache/s3PreparedStore.js";
import type { RunRow } from "../../src/cli/commands/runs.js";
import type { Manifest } from "../../src/runs/manifest.js";
import { RemoteRunStore } from "../../src/runs/remote.js";
import { createFoundationStack, type FoundationFixture } from "../aws/foundationFixture.js";
import { type Moto, motoS3, startMoto, TEST_CREDENTIALS, TEST_REGION } from "../aws/moto.js";
import { buildCli, kindling } from "../helpers/cli.js";
import { FIXTURE_RUN } from "../report/fixtures.js";

// The shared history end to end: the built CLI in three folders, one moto S3 + CloudFormation between them.
let moto: Moto;
let s3: S3;
let foundation: FoundationFixture;
let env: NodeJS.ProcessEnv;
let base: string;

const RUN_A = "20261201-090000-spam-aaaa";
const RUN_B = "20261202-090000-spam-bbbb";

/** A folder with a kindling.yaml of project `spam` and, optionally, finished runs copied from the fixture. */
async function folder(name: string, runs: Array<{ id: string; note?: string }> = []): Promise<string> {
  const dir = path.join(base, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "kindling.yaml"), "project: spam\ndata:\n  path: data.csv\n");
  for (const run of runs) {
    const runDir = path.join(dir, "runs", run.id);
    await cp(FIXTURE_RUN, runDir, { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(runDir, "manifest.json"), "utf8")) as Manifest;
    await writeFile(
      path.join(runDir, "manifest.json"),
      JSON.stringify({ ...manifest, run_id: run.id, ...(run.note ? { note: run.note } : {}) }),
    );
    await mkdir(path.join(runDir, "models", "hashing_tf", "stages"), { recursive: true });
    await writeFile(path.join(runDir, "models", "hashing_tf", "stages", "part-0000"), `model of ${run.id}`);
    await writeFile(path.join(runDir, "_SUCCESS"), "");
  }
  return dir;
}

const cli = (args: string[], cwd: string) => kindling(args, { cwd, env, timeoutMs: 120_000 });

beforeAll(async () => {
  buildCli();
  moto = await startMoto();
  foundation = await createFoundationStack(moto.endpoint, "spam");
  s3 = motoS3(moto.endpoint);
  env = {
    AWS_ENDPOINT_URL_S3: moto.endpoint,
    AWS_ENDPOINT_URL_CLOUDFORMATION: moto.endpoint,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
    AWS_EC2_METADATA_DISABLED: "true",
  };
  base = await mkdtemp(path.join(os.tmpdir(), "kshare-"));
}, 180_000);

afterAll(async () => {
  await moto?.stop();
});

describe("shared run history (moto S3)", () => {
  it("runs pushed from two folders appear in a third's `runs --remote`, and pull brings them down whole", async () => {
    const a = await folder("a", [{ id: RUN_A }]);
    const b = await folder("b", [{ id: RUN_B }]);
    const c = await folder("c");

    const pushA = await cli(["push", "latest"], a);
    expect(pushA.code, pushA.stderr).toBe(0);
    expect(pushA.stdout).toContain(
      `Pushed run ${RUN_A} to s3://${foundation.dataBucket}/runs/${RUN_A}/: 4 files`,
    );
    expect((await cli(["push", RUN_B], b)).code).toBe(0);

    // A push cut short (no manifest yet) is listed, but never as complete.
    await s3.putObject({
      Bucket: foundation.dataBucket,
      Key: "runs/20261203-090000-spam-cccc/metrics.json",
      Body: "{}",
    });

    const listed = await cli(["--json", "runs", "--remote"], c);
    expect(listed.code, listed.stderr).toBe(0);
    const rows = JSON.parse(listed.stdout) as RunRow[];
    expect(rows.map((r) => [r.id, r.status, r.complete])).toEqual([
      ["20261203-090000-spam-cccc", "incomplete", false],
      [RUN_B, "succeeded", true],
      [RUN_A, "succeeded", true],
    ]);
    const human = await cli(["runs", "--remote", "--status", "succeeded"], c);
    expect(human.stdout).toMatch(new RegExp(`${RUN_B}.*succeeded.*hashing_tf`));
    expect(human.stdout).not.toContain("cccc");

    const pulled = await cli(["pull", RUN_A.slice(0, 15)], c);
    expect(pulled.code, pulled.stderr).toBe(0);
    const dir = path.join(c, "runs", RUN_A);
    for (const file of [
      "manifest.json",
      "metrics.json",
      "spec.json",
      "_SUCCESS",
      "models/hashing_tf/stages/part-0000",
    ]) {
      expect(existsSync(path.join(dir, file)), file).toBe(true);
    }
    expect(await readFile(path.join(dir, "models/hashing_tf/stages/part-0000"), "utf8")).toBe(
      `model of ${RUN_A}`,
    );
    expect((await cli(["pull", "latest"], c)).code).toBe(0); // the newest complete one: B
    const compared = await cli(["--json", "compare", RUN_A, RUN_B], c);
    expect(compared.code, compared.stderr).toBe(0);
    expect((JSON.parse(compared.stdout) as { runs: Array<{ id: string }> }).runs.map((r) => r.id)).toEqual([
      RUN_A,
      RUN_B,
    ]);

    // Pulling again, or an incomplete run, is refused and writes nothing.
    const again = await cli(["pull", RUN_A], c);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("already here");
    const partial = await cli(["pull", "20261203-090000-spam-cccc"], c);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toContain("not complete");
  }, 300_000);

  it("never overwrites: a run already shared, an object with other content, two pushes of one id at once", async () => {
    const id = "20261204-090000-spam-dddd";
    const first = await folder("d1", [{ id, note: "from d1" }]);
    const second = await folder("d2", [{ id, note: "from d2" }]);
    const [p1, p2] = await Promise.all([cli(["push", id], first), cli(["push", id], second)]);
    expect([p1.code, p2.code].sort()).toEqual([0, 1]);
    const loser = p1.code === 0 ? p2 : p1;
    expect(loser.stderr).toMatch(/already in s3:|someone else is pushing it/);
    const there = JSON.parse(
      (await (
        await s3.getObject({ Bucket: foundation.dataBucket, Key: `runs/${id}/manifest.json` })
      ).Body?.transformToString()) ?? "",
    ) as Manifest;
    expect(there.note).toBe(p1.code === 0 ? "from d1" : "from d2");

    const clash = "20261205-090000-spam-eeee";
    const e = await folder("e", [{ id: clash }]);
    await s3.putObject({
      Bucket: foundation.dataBucket,
      Key: `runs/${clash}/metrics.json`,
      Body: '{"someone":"else"}',
    });
    const refused = await cli(["push", clash], e);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`runs/${clash}/metrics.json is already there with other content`);
    const kept = await s3.getObject({ Bucket: foundation.dataBucket, Key: `runs/${clash}/metrics.json` });
    expect(await kept.Body?.transformToString()).toBe('{"someone":"else"}');
    await expect(
      s3.headObject({ Bucket: foundation.dataBucket, Key: `runs/${clash}/manifest.json` }),
    ).rejects.toThrow();
  }, 300_000);

  it("content is compared by checksum, not only by size", async () => {
    const id = "20261207-090000-spam-abab";
    const g = await folder("g", [{ id }]);
    const local = await readFile(path.join(g, "runs", id, "spec.json"));
    const other = Buffer.from(local); // same size, one byte changed
    other[other.length - 2] = other[other.length - 2] === 0x20 ? 0x0a : 0x20;
    await s3.putObject({
      Bucket: foundation.dataBucket,
      Key: `runs/${id}/spec.json`,
      Body: other,
      ChecksumAlgorithm: "SHA256",
    });
    const refused = await cli(["push", id], g);
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stderr).toContain(`runs/${id}/spec.json is already there with other content`);
  }, 120_000);

  it("a push cut short resumes: what is there with the same content is skipped", async () => {
    const id = "20261206-090000-spam-ffff";
    const f = await folder("f", [{ id }]);
    await s3.putObject({
      Bucket: foundation.dataBucket,
      Key: `runs/${id}/spec.json`,
      Body: await readFile(path.join(f, "runs", id, "spec.json")),
    });
    const pushed = await cli(["push", id], f);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toContain("(1 already there)");
  }, 120_000);
});

describe("the cloud runs' prepared-text cache (moto S3)", () => {
  const CACHE = "runs/_prepared-text/";
  const put = (key: string, body: string) =>
    s3.putObject({ Bucket: foundation.dataBucket, Key: `${CACHE}${key}`, Body: body });
  const entryJson = (runId: string, createdAt: string) =>
    JSON.stringify({ created_at: createdAt, run_id: runId });
  const versionsUnder = async (prefix: string) => {
    const page = await s3.listObjectVersions({ Bucket: foundation.dataBucket, Prefix: `${CACHE}${prefix}` });
    return (page.Versions?.length ?? 0) + (page.DeleteMarkers?.length ?? 0);
  };

  it("lists, trims and clears the entries in the data bucket, every version of them, and no run lists them", async () => {
    const c = await folder("cache");
    // The foundation's data bucket is versioned (dataBucket.ts); moto's CloudFormation leaves it unversioned.
    await s3.putBucketVersioning({
      Bucket: foundation.dataBucket,
      VersioningConfiguration: { Status: "Enabled" },
    });
    await put("aaaa1111/train/part-00000-x.parquet", "x".repeat(1000));
    await put("aaaa1111/entry.json", entryJson("run-old", "2026-01-01T00:00:00Z"));
    await put("bbbb2222/train/part-00000-x.parquet", "y".repeat(2000));
    await put("bbbb2222/train/part-00000-x.parquet", "y".repeat(2000)); // the bucket keeps both versions
    await put("bbbb2222/entry.json", entryJson("run-new", "2026-02-01T00:00:00Z"));
    await put("cccc3333/train/part-00000-x.parquet", "z"); // partial: a job stopped before entry.json
    expect(await versionsUnder("bbbb2222/")).toBe(3);

    const listed = await cli(["--json", "cache", "list", "--remote"], c);
    expect(listed.code, listed.stderr).toBe(0);
    const doc = JSON.parse(listed.stdout) as {
      root: string;
      entries: Array<{ key: string; bytes: number; complete: boolean; built_by: string | null }>;
    };
    expect(doc.root).toBe(`s3://${foundation.dataBucket}/runs/_prepared-text`);
    expect(doc.entries.map((e) => [e.key, e.complete, e.built_by])).toEqual([
      ["aaaa1111", true, "run-old"],
      ["bbbb2222", true, "run-new"],
      ["cccc3333", false, null], // its age: its newest object's, now
    ]);
    const sizeOfA = 1000 + entryJson("run-old", "2026-01-01T00:00:00Z").length;
    expect(doc.entries[0]?.bytes).toBe(sizeOfA);
    // `runs --remote` lists run ids under runs/: the cache's prefix is none.
    const ids = await new RemoteRunStore(s3, foundation.dataBucket).ids();
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((id) => id.includes("prepared"))).toEqual([]);

    // After a run that used bbbb2222: the oldest others go first until the rest fit.
    const store = new S3PreparedStore(s3, foundation.dataBucket);
    const removed = await evictPreparedEntries(store, 2100, "bbbb2222");
    expect(removed.map((e) => e.key)).toEqual(["aaaa1111"]);
    expect(await versionsUnder("aaaa1111/")).toBe(0);

    const cleared = await cli(["cache", "clear", "--remote", "bbbb"], c);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain(`Removed 1 entry`);
    expect(cleared.stdout).toContain(`from s3://${foundation.dataBucket}/runs/_prepared-text.`);
    expect(await versionsUnder("bbbb2222/")).toBe(0); // no version left behind a delete marker
    expect((await store.list()).map((e) => e.key)).toEqual(["cccc3333"]);
  }, 120_000);
});
