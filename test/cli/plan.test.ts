import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { planCommand } from "../../src/cli/commands/foundation.js";
import { recordingIo } from "../helpers/io.js";

describe("kindling plan --offline", () => {
  it("lists what a first deploy creates and what the foundation costs while nothing runs", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "plan-"));
    const config = path.join(dir, "kindling.yaml");
    await writeFile(
      config,
      "project: p\ndata:\n  path: d.csv\naws:\n  region: us-east-1\nserverless:\n  pre_initialized_executors: 1\n",
    );
    const r = recordingIo(dir);
    await planCommand({ json: false, verbose: false, config, offline: true }, r.io);
    const out = r.printed().join("\n");
    expect(out).toMatch(
      /a first deploy creates a VPC, .* an EMR Serverless application and \d+ supporting resources/,
    );
    expect(out).toMatch(
      /^ {2}EmrServerless +security group, EMR Serverless application, IAM role, IAM policy$/m,
    );
    // The KMS key and the private network's KMS interface endpoint.
    expect(out).toMatch(/Standing cost while no job runs: \$15\.60\/month fixed/);
    // Driver 2 vCPU/8 GB + 1 executor 4 vCPU/16 GB in us-east-1.
    expect(out).toMatch(/1 pre-initialized executor\(s\) and a driver: \$0\.\d+\/h while started/);
  }, 120_000);

  it("--exit-code needs the deployed stack, which --offline does not read", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "plan-"));
    const r = recordingIo(dir);
    await expect(
      planCommand({ json: false, verbose: false, config: "k.yaml", offline: true, exitCode: true }, r.io),
    ).rejects.toThrow(/--exit-code compares with the deployed stack, which --offline does not read/);
  });
});
