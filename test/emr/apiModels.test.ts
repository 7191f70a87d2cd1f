import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { planEmrDryRun } from "../../src/targets/emr/dryRun.js";
import { placeholderFoundation } from "../../src/targets/emr/foundation.js";
import { buildRunJobFlowRequest, ownerOf } from "../../src/targets/emr/request.js";
import { listWarmClusters } from "../../src/targets/emr/warm.js";
import { cancelStep, type EmrApi } from "../../src/targets/emr/watch.js";
import { validateAgainstApiModels } from "../aws/apiModels.js";
import { RecordingHost } from "../helpers/recordingHost.js";
import { mockedRun } from "./mocks.js";

/** The RunJobFlow request `kindling run --target emr --dry-run` prints for this `emr:` section. */
async function dryRunRequest(dir: string, emr: string) {
  return (await dryRunPlan(dir, emr)).request;
}

async function dryRunPlan(dir: string, emr: string, cluster?: string) {
  await writeFile(path.join(dir, "kindling.yaml"), `project: mock\ndata:\n  path: data.csv\n${emr}`);
  const loaded = await loadConfig(path.join(dir, "kindling.yaml"));
  return planEmrDryRun({
    loaded,
    io: new RecordingHost(),
    region: "us-east-1",
    ...(cluster ? { cluster } : {}),
  });
}

describe("every request a dry run prints is valid under AWS's published API models (botocore)", () => {
  it("RunJobFlow: instance groups, spot fleets with a fallback, bootstrap actions, task nodes", async () => {
    const m = await mockedRun();
    m.restore();
    const variants = [
      "",
      "emr:\n  core: { count: 3, spot: true }\n  task: { count: 2, spot: true }\n",
      "emr:\n  instance_fleets: true\n  core: { instance_types: [m5.xlarge, m5a.xlarge], count: 2, spot: true }\n",
      "emr:\n  bootstrap_actions: [{ name: deps, path: s3://b/install.sh, args: [--quiet] }]\n",
    ];
    const requests = [];
    for (const emr of variants) requests.push(await dryRunRequest(m.dir, emr));
    const reports = validateAgainstApiModels(
      requests.map((params) => ({ service: "emr", operation: "RunJobFlow", params })),
    );
    expect(reports).toEqual(variants.map(() => ""));
  });

  it("AddJobFlowSteps: the step a run on a warm cluster adds (--cluster)", async () => {
    const m = await mockedRun();
    m.restore();
    const plan = await dryRunPlan(m.dir, "", "j-2AXXXXXXGAPLF");
    expect(plan.addSteps?.JobFlowId).toBe("j-2AXXXXXXGAPLF");
    const reports = validateAgainstApiModels([
      { service: "emr", operation: "AddJobFlowSteps", params: plan.addSteps },
    ]);
    expect(reports).toEqual([""]);
  });

  it("RunJobFlow of a warm cluster (`kindling cluster start`): kept alive, idle timeout, no step", async () => {
    const m = await mockedRun();
    m.restore();
    await writeFile(path.join(m.dir, "kindling.yaml"), "project: mock\ndata:\n  path: data.csv\n");
    const { config } = await loadConfig(path.join(m.dir, "kindling.yaml"));
    const request = buildRunJobFlowRequest({
      owner: ownerOf(config),
      userTags: { team: "fraud", "cost-center": "ml 42" },
      logEncryptionKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      releaseLabel: "emr-7.13.0",
      emr: config.emr,
      foundation: placeholderFoundation(),
      warmIdleSeconds: 10_080 * 60,
    });
    expect(request.Instances?.KeepJobFlowAliveWhenNoSteps).toBe(true);
    expect(request.Steps).toBeUndefined();
    expect(validateAgainstApiModels([{ service: "emr", operation: "RunJobFlow", params: request }])).toEqual([
      "",
    ]);
  });

  it("CancelSteps and ListClusters: what Ctrl-C on a warm run and `cluster list` send", async () => {
    const sent: Array<{ operation: string; params: unknown }> = [];
    const emr = {
      cancelSteps: async (params: unknown) => {
        sent.push({ operation: "CancelSteps", params });
        return {};
      },
      listClusters: async (params: unknown) => {
        sent.push({ operation: "ListClusters", params });
        return { Clusters: [] };
      },
    } as unknown as EmrApi;
    await cancelStep(emr, "j-2AXXXXXXGAPLF", "s-1XXXXXXXXXXXX", new RecordingHost(), "interrupted");
    await listWarmClusters(emr, { project: "mock", environment: "dev" });
    expect(sent.map((s) => s.operation)).toEqual(["CancelSteps", "ListClusters"]);
    expect(validateAgainstApiModels(sent.map((s) => ({ service: "emr", ...s })))).toEqual(["", ""]);
  });

  it("the check is real: a request AWS would refuse is reported", async () => {
    const m = await mockedRun();
    m.restore();
    const request = await dryRunRequest(m.dir, "");
    const groups = request.Instances?.InstanceGroups ?? [];
    const broken = {
      ...request,
      Instances: {
        ...request.Instances,
        InstanceGroups: groups.map((g, i) => (i === 0 ? { ...g, InstanceCount: "1", Market: "CHEAP" } : g)),
      },
      ReleaseLabels: "emr-7.13.0",
    };
    const [report] = validateAgainstApiModels([{ service: "emr", operation: "RunJobFlow", params: broken }]);
    expect(report).toMatch(/InstanceCount/);
    expect(report).toMatch(/Market/);
    expect(report).toMatch(/Unknown parameter .*ReleaseLabels/);
  });
});
