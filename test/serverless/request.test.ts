import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { serverlessSection } from "../../src/config/serverless.js";
import {
  actualServerlessCost,
  describeServerlessEstimate,
  estimateServerlessCost,
  preInitializedUsdPerHour,
} from "../../src/targets/serverless/cost.js";
import { planServerlessDryRun } from "../../src/targets/serverless/dryRun.js";
import { cancelJobRun, type ServerlessApi } from "../../src/targets/serverless/watch.js";
import { validateAgainstApiModels } from "../aws/apiModels.js";
import { mockedRun } from "../emr/mocks.js";
import { RecordingHost } from "../helpers/recordingHost.js";

const serverless = (section: object) => serverlessSection.parse(section);

const TWENTY = { minutes: 20, source: "as set by serverless.estimated_runtime_minutes" };

describe("serverless: in kindling.yaml", () => {
  it("has defaults that fit EMR Serverless's worker table and the application's maximum", () => {
    expect(serverless({})).toMatchObject({
      architecture: "x86_64",
      max_vcpu: 16,
      idle_minutes: 15,
      pre_initialized_executors: 0,
      driver: { cpu: 2, memory: "7g" },
      executor: { cpu: 4, memory: "14g" },
      executors: 2,
      execution_timeout_minutes: 60,
    });
  });

  it.each([
    [{ executor: { cpu: 3 } }, "must be one of EMR Serverless's worker sizes: 1, 2, 4, 8, 16 vCPUs"],
    [
      { executor: { cpu: 4, memory: "30g" } },
      "30g plus Spark's overhead is 33.0 GB; a 4-vCPU worker takes 8–30 GB",
    ],
    [{ driver: { cpu: 1, memory: "1g" } }, "a 1-vCPU worker takes 2–8 GB"],
    [{ executors: 4 }, "one job needs 18 vCPUs (driver 2 + 4 executors × 4)"],
    [{ executors: 3, max_vcpu: 64, max_memory_gb: 40 }, "one job needs 56 GB"],
    [{ pre_initialized_executors: 4 }, "keeps 18 vCPUs and 72 GB warm, beyond the application's maximum"],
  ])("refuses %j, saying why", (section, why) => {
    const result = configSchema.safeParse({ data: { path: "data.csv" }, serverless: section });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(why);
  });
});

describe("EMR Serverless cost", () => {
  it("estimates the job's vCPUs and memory (with Spark's overhead) × the assumed minutes, naming the assumption", () => {
    const s = serverless({});
    const e = estimateServerlessCost(s, "us-east-1", TWENTY);
    // 10 vCPU; workers of 8 GB (7g + overhead) and 2 × 16 GB (14g + overhead), as EMR Serverless sizes them.
    const perHour = 10 * 0.052624 + 40 * 0.0057785;
    expect(e.usdPerHour).toBeCloseTo(perHour, 4);
    expect(e.usd).toBeCloseTo((perHour * 20) / 60, 4);
    expect(describeServerlessEstimate(e)).toMatch(
      /^\$0\.\d+ per run: \$0\.\d+\/h for the job's workers × 20 min as set by serverless\.estimated_runtime_minutes/,
    );
    expect(
      estimateServerlessCost(serverless({ architecture: "arm64" }), "us-east-1", TWENTY).usd,
    ).toBeLessThan(e.usd as number);
  });

  it("says what is missing instead of guessing", () => {
    expect(describeServerlessEstimate(estimateServerlessCost(serverless({}), "", TWENTY))).toMatch(
      /^unknown \(no AWS region: set aws\.region/,
    );
    expect(describeServerlessEstimate(estimateServerlessCost(serverless({}), "ap-south-2", TWENTY))).toBe(
      "unknown (no EMR Serverless price for x86_64 in ap-south-2)",
    );
  });

  it("prices what was billed, and what pre-initialized capacity costs while the application runs", () => {
    const billed = { vCPUHour: 1, memoryGBHour: 4, storageGBHour: 10 };
    expect(actualServerlessCost(billed, { architecture: "x86_64" }, "us-east-1")).toBeCloseTo(
      0.052624 + 4 * 0.0057785 + 10 * 0.000111,
      4,
    );
    expect(preInitializedUsdPerHour(serverless({}), "us-east-1")).toBe(0);
    // Driver 2 vCPU/8 GB + 2 executors × 4 vCPU/16 GB (workers are sized in whole GB).
    expect(preInitializedUsdPerHour(serverless({ pre_initialized_executors: 2 }), "us-east-1")).toBeCloseTo(
      10 * 0.052624 + 40 * 0.0057785,
      4,
    );
  });
});

describe("every EMR Serverless request is valid under AWS's published API models (botocore)", () => {
  it("StartJobRun as `kindling run --target emr-serverless --dry-run` prints it, for several configs", async () => {
    const m = await mockedRun();
    m.restore();
    const variants = [
      "",
      "serverless:\n  architecture: arm64\n  executors: 1\n  execution_timeout_minutes: 1440\n",
      "serverless:\n  driver: { cpu: 4, memory: 16g }\n  executor: { cpu: 8, memory: 40g }\n  max_vcpu: 64\n  max_memory_gb: 256\n",
      "spark:\n  conf: { spark.sql.shuffle.partitions: 8 }\n",
    ];
    const requests = [];
    for (const extra of variants) {
      await writeFile(path.join(m.dir, "kindling.yaml"), `project: mock\ndata:\n  path: data.csv\n${extra}`);
      const loaded = await loadConfig(path.join(m.dir, "kindling.yaml"));
      const plan = await planServerlessDryRun({ loaded, io: new RecordingHost(), region: "us-east-1" });
      expect(plan.request.clientToken).toBe(plan.runId);
      requests.push(plan.request);
    }
    const reports = validateAgainstApiModels(
      requests.map((params) => ({ service: "emr-serverless", operation: "StartJobRun", params })),
    );
    expect(reports).toEqual(variants.map(() => ""));
  });

  it("CancelJobRun and GetJobRun, as Ctrl-C and the watch send them", async () => {
    const sent: Array<{ operation: string; params: unknown }> = [];
    const api = {
      cancelJobRun: async (params: unknown) => {
        sent.push({ operation: "CancelJobRun", params });
        return {};
      },
      getJobRun: async (params: unknown) => {
        sent.push({ operation: "GetJobRun", params });
        return { jobRun: { state: "CANCELLED" } };
      },
    } as unknown as ServerlessApi;
    await cancelJobRun(
      {
        api,
        applicationId: "00fabc123",
        jobRunId: "00fdef456",
        io: new RecordingHost(),
        sleep: async () => {},
      },
      "interrupted",
    );
    expect(sent.map((s) => s.operation)).toEqual(["CancelJobRun", "GetJobRun"]);
    expect(validateAgainstApiModels(sent.map((s) => ({ service: "emr-serverless", ...s })))).toEqual([
      "",
      "",
    ]);
  });

  it("a request with a wrong member is caught (the check can fail)", () => {
    expect(
      validateAgainstApiModels([
        {
          service: "emr-serverless",
          operation: "StartJobRun",
          params: { applicationId: "a", jobDriver: {} },
        },
      ])[0],
    ).toMatch(/Missing required parameter.*executionRoleArn/s);
  });
});
