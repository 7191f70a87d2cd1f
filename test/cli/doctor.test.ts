import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type Check, doctorCommand, nodeCheck } from "../../src/cli/commands/doctor.js";
import { recordingIo } from "../helpers/io.js";

/** `kindling doctor` in a project whose kindling.yaml is `yaml`, with `env` as the environment. */
async function doctor(yaml: string | undefined, env: NodeJS.ProcessEnv): Promise<Check[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "doctor-"));
  const config = path.join(dir, "kindling.yaml");
  if (yaml !== undefined) await writeFile(config, yaml);
  const r = recordingIo(dir);
  await doctorCommand({ json: true, verbose: false, config }, r.io, env).catch(() => {});
  return r.json<{ checks: Check[] }>().checks;
}

const region = (checks: Check[]) => checks.find((c) => c.name === "AWS region");

describe("kindling doctor: the AWS region", () => {
  it("reads aws.region from kindling.yaml before the environment, as cloud commands do", async () => {
    const checks = await doctor("project: p\ndata:\n  path: d.csv\naws:\n  region: eu-west-1\n", {
      AWS_REGION: "us-east-1",
    });
    expect(region(checks)).toMatchObject({ status: "ok", detail: "eu-west-1 (aws.region in the config)" });
  });

  it("falls back to the environment and says which variable", async () => {
    const checks = await doctor("project: p\ndata:\n  path: d.csv\n", { AWS_DEFAULT_REGION: "ap-south-1" });
    expect(region(checks)).toMatchObject({ status: "ok", detail: "ap-south-1 (AWS_DEFAULT_REGION)" });
  });

  it("with none, says every place a region can be set", async () => {
    const checks = await doctor(undefined, {});
    expect(region(checks)).toMatchObject({ status: "warn" });
    expect(region(checks)?.fix).toMatch(/aws\.region in kindling\.yaml, or AWS_REGION/);
  });

  it("a broken config is reported, with the command that shows where", async () => {
    const checks = await doctor("project: p\naws:\n  region: moon-1\n", { AWS_REGION: "us-east-1" });
    expect(checks.find((c) => c.name === "Config")).toMatchObject({
      status: "warn",
      fix: expect.stringMatching(/kindling validate -c /),
    });
    expect(region(checks)).toMatchObject({ detail: "us-east-1 (AWS_REGION)" });
  });
});

describe("kindling doctor: Node.js", () => {
  it("an LTS from 22 up is fine; 20 gets a warning that says what to install", () => {
    expect(nodeCheck("24.22.3")).toEqual({ name: "Node.js", status: "ok", detail: "24.22.3" });
    expect(nodeCheck("22.1.0").status).toBe("ok");
    const old = nodeCheck("20.20.2");
    expect(old.status).toBe("warn");
    expect(old.detail).toMatch(/end of life.*22 or newer/);
    expect(old.fix).toMatch(/Node\.js 24 LTS/);
  });
});
