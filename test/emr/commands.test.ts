import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { DescribeClusterCommand, DescribeStepCommand } from "@aws-sdk/client-emr";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { logsCommand } from "../../src/cli/commands/logs.js";
import { statusCommand } from "../../src/cli/commands/status.js";
import type { Manifest } from "../../src/runs/manifest.js";
import { recordingIo } from "../helpers/io.js";
import { awsError, cluster, gz, mockedRun, step } from "./mocks.js";

const RUN_ID = "20261127-231500-mock-7f3a";
let restore: Array<() => void> = [];
afterEach(() => {
  for (const r of restore) r();
  restore = [];
});

/** A mocked AWS and an EMR run directory whose manifest says the cluster is still going. */
async function runningEmrRun() {
  const m = await mockedRun();
  restore.push(m.restore);
  const runDir = path.join(m.dir, "runs", RUN_ID);
  await mkdir(path.join(runDir, "logs"), { recursive: true });
  const manifest: Partial<Manifest> = {
    manifest_version: 1,
    run_id: RUN_ID,
    status: "running",
    target: "emr",
    input: { uri: "s3://data-bucket/data/abc/data.csv", bytes: 1, sha256: "abc" },
    emr: {
      region: "us-east-1",
      release_label: "emr-7.13.0",
      cluster_id: "j-TEST",
      step_id: "s-TEST",
      s3_prefix: `s3://data-bucket/runs/${RUN_ID}/`,
      log_uri: "s3://logs-bucket/emr/",
      instances: [
        { role: "primary", instance_types: ["m5.xlarge"], count: 1, market: "ON_DEMAND" },
        { role: "core", instance_types: ["m5.xlarge"], count: 2, market: "ON_DEMAND" },
      ],
      cost: { currency: "USD", price_table_as_of: "2026-10" },
    },
  };
  await writeFile(path.join(runDir, "manifest.json"), JSON.stringify(manifest));
  const recorded = recordingIo(m.dir);
  const base = { json: false, verbose: false, config: path.join(m.dir, "kindling.yaml"), run: RUN_ID };
  return { ...m, ...recorded, base };
}

describe("kindling status / logs for an EMR run", () => {
  it("status: the cluster's live state and the cost so far", async () => {
    const r = await runningEmrRun();
    r.emrMock.on(DescribeClusterCommand).resolves(cluster("RUNNING", { ready: 420 }));
    r.emrMock.on(DescribeStepCommand).resolves(step("RUNNING"));
    await statusCommand(r.base, r.io, async () => r.aws);
    const live = r.json().live as { cluster_state: string; step_state: string; cost_so_far: number };
    expect(live.cluster_state).toBe("RUNNING");
    expect(live.step_state).toBe("RUNNING");
    expect(live.cost_so_far).toBeGreaterThan(0);
    expect(r.host.text()).toMatch(/now: cluster RUNNING · step RUNNING · .* so far/);
  });

  it("logs --follow: prints each new piece once, until the cluster has terminated", async () => {
    const r = await runningEmrRun();
    r.emrMock
      .on(DescribeClusterCommand)
      .resolvesOnce(cluster("RUNNING"))
      .resolves(cluster("TERMINATED", { ended: 900 }));
    // Generic answers first: aws-sdk-client-mock lets the last matching definition win.
    r.s3Mock.on(GetObjectCommand).rejects(awsError("NoSuchKey", "no", 404));
    r.s3Mock.on(ListObjectsV2Command).resolves({});
    r.s3Mock
      .on(GetObjectCommand, { Key: "emr/j-TEST/steps/s-TEST/stderr.gz" })
      .resolvesOnce({ Body: gz("submitted application_5_0001\n") })
      .resolvesOnce({ Body: gz("submitted application_5_0001\nstate: RUNNING\n") })
      .resolves({ Body: gz("submitted application_5_0001\nstate: RUNNING\nfinal status: SUCCEEDED\n") });
    const sleeps: number[] = [];
    await logsCommand({ ...r.base, follow: true }, r.io, {
      aws: async () => r.aws,
      sleep: async (ms) => void sleeps.push(ms),
      pollMs: 5000,
    });
    expect(r.printed()).toEqual([
      "── step stderr ──\nsubmitted application_5_0001\n",
      "state: RUNNING\n",
      "final status: SUCCEEDED\n",
    ]);
    expect(sleeps).toEqual([5000]);
  });

  it("names a run by id, unique start, latest or path; an unknown one is a usage error", async () => {
    const r = await runningEmrRun();
    r.emrMock.on(DescribeClusterCommand).resolves(cluster("RUNNING", { ready: 420 }));
    r.emrMock.on(DescribeStepCommand).resolves(step("RUNNING"));
    for (const run of [RUN_ID, "20261127-2315", "latest", path.join("runs", RUN_ID)]) {
      await statusCommand({ ...r.base, run }, r.io, async () => r.aws);
      expect(r.json().run_id).toBe(RUN_ID);
    }
    await expect(statusCommand({ ...r.base, run: "20261127-231500-mock-0000" }, r.io)).rejects.toThrow(
      /run 20261127-231500-mock-0000 not found/,
    );
    await expect(statusCommand({ ...r.base, run: "latest~1" }, r.io)).rejects.toThrow(/there is 1 run/);
  });
});
