import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { MemoryWatcher, processTree } from "../../bench/memory.js";

describe("process-tree memory sampling", () => {
  it("finds a spawned process and its children under the root, and nothing else", async () => {
    // A shell whose child allocates ~64 MiB and holds it: the tree's peak must include it.
    const child = spawn("sh", ["-c", `python3 -c "b = bytearray(64 * 2**20); import time; time.sleep(1.5)"`]);
    const watcher = new MemoryWatcher(() => (child.pid ? [child.pid] : []), 50);
    await new Promise((resolve) => setTimeout(resolve, 800));
    const tree = processTree([child.pid as number]);
    expect(tree.map((p) => p.pid)).toContain(child.pid);
    expect(tree.some((p) => p.role === "driver-python")).toBe(true);
    expect(tree.map((p) => p.pid)).not.toContain(process.pid);
    await once(child, "close");
    const peaks = watcher.stop();
    expect(peaks.driver_python_mib).toBeGreaterThanOrEqual(64);
    expect(peaks.total_mib).toBeGreaterThanOrEqual(64);
    expect(peaks.samples).toBeGreaterThan(5);
  });
});
