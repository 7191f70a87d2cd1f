import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runMain } from "../helpers/inProcess.js";

/** --events jsonl: what an orchestrator reads, one JSON object per line on stdout. */
const events = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { level: string; code: string; message: string; data: unknown });

async function project(csv: string, config = "project: ev\ndata:\n  path: data.csv\n") {
  const dir = await mkdtemp(path.join(os.tmpdir(), "kevents-"));
  await writeFile(path.join(dir, "data.csv"), csv);
  await writeFile(path.join(dir, "kindling.yaml"), config);
  return path.join(dir, "kindling.yaml");
}

describe("--events jsonl", () => {
  it("streams each message with its code, level and payload, then the result as the last event", async () => {
    const config = await project('text,label\n"free money",spam\n"lunch",ham\n"",ham\n');
    const { code, stdout } = await runMain(["--events", "jsonl", "validate", "-c", config]);
    expect(code).toBe(0);
    const all = events(stdout);
    const finding = all.find((e) => e.code === "KND_W2001");
    expect(finding).toMatchObject({ level: "warn", data: { code: "empty-values", severity: "warning" } });
    expect(all.at(-1)).toMatchObject({ level: "result", code: "KND_R9001", data: { valid: true } });
    for (const e of all) expect(e.code).toMatch(/^KND_[DIWER]\d{4}$/);
  });

  it("ends with the error as an event, its kind and details as data, and the exit code", async () => {
    const config = await project("text,label\n", "project: ev\ndata:\n  path: data.csv\n  tetx: oops\n");
    const { code, stdout, stderr } = await runMain(["--events", "jsonl", "run", "-c", config]);
    expect(code).toBe(2);
    expect(stderr).toBe("");
    const last = events(stdout).at(-1);
    expect(last).toMatchObject({
      level: "error",
      code: "KND_E9002",
      data: { kind: "ConfigError", exit_code: 2, issues: [{ path: "data.tetx" }] },
    });
  });
});
