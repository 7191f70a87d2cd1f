import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { processesWithEnv } from "../../src/targets/shared/processes.js";

// A run's and a cluster's processes are found by a marker in their environment: from /proc on Linux, from
// `ps` where there is no /proc (macOS). Both ways are exercised here on real processes.
describe("processesWithEnv", () => {
  it.each([
    ["/proc", {}],
    ["ps (no /proc, as on macOS)", { procRoot: "/nonexistent-proc" }],
  ])("finds the processes carrying the marker, and no others: %s", async (_how, options) => {
    const marker = randomUUID();
    const ours = spawn("sleep", ["30"], { env: { ...process.env, KINDLING_TEST_MARK: marker } });
    const other = spawn("sleep", ["30"], { env: { ...process.env, KINDLING_TEST_MARK: `${marker}-not` } });
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(await processesWithEnv("KINDLING_TEST_MARK", marker, options)).toEqual([ours.pid]);
      ours.kill("SIGKILL");
      await new Promise((r) => ours.once("exit", r));
      expect(await processesWithEnv("KINDLING_TEST_MARK", marker, options)).toEqual([]);
    } finally {
      ours.kill("SIGKILL");
      other.kill("SIGKILL");
    }
  });
});
