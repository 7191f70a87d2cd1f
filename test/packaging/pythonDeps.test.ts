import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { list } from "tar";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { archOfInstanceType, archOfInstanceTypes, pythonForRelease } from "../../src/packaging/platform.js";
import { buildDepsArchive } from "../../src/packaging/pythonDeps.js";
import { ROOT } from "../helpers/cli.js";
import { RecordingHost } from "../helpers/recordingHost.js";

const PIP = path.join(ROOT, ".venv", "bin", "python");
const EMR7 = { python: "3.9", arch: "x86_64" as const };
const build = (cacheDir: string, requirements = ["numpy==1.26.4"], pip = PIP) =>
  buildDepsArchive({ requirements, platform: EMR7, cacheDir, pip, io: new RecordingHost() });

/** The archive's entries, as `tar tzf` lists them. */
async function entries(file: string): Promise<string[]> {
  const names: string[] = [];
  await list({ file, onReadEntry: (e) => void names.push(e.path) });
  return names;
}

describe("the job's Python packages, packed for the cluster (pip downloads wheels for another platform)", () => {
  it("builds CPython 3.9 manylinux x86_64 wheels on this machine, the same bytes every time, cached", async () => {
    const first = await build(mkdtempSync(path.join(os.tmpdir(), "kdeps-a-")));
    const again = await build(mkdtempSync(path.join(os.tmpdir(), "kdeps-b-")));
    // Content-addressed: a fresh build of the same packages for the same platform is the same archive.
    expect(again.sha256).toBe(first.sha256);
    const names = await entries(first.file);
    expect(
      names.some((n) => /^numpy\/core\/_multiarray_umath\.cpython-39-x86_64-linux-gnu\.so$/.test(n)),
    ).toBe(true);
    expect(names.some((n) => n.startsWith("bin/"))).toBe(false);
    expect([...names].sort()).toEqual(names);
    // A second build with the same cache does not run pip at all.
    const cached = await build(path.dirname(path.dirname(first.file)), ["numpy==1.26.4"], "/no/such/python");
    expect(cached).toMatchObject({ sha256: first.sha256, file: first.file });
  }, 120_000);

  it("a package without a wheel for the cluster is an error before anything is uploaded, naming it", async () => {
    const error = await build(mkdtempSync(path.join(os.tmpdir(), "kdeps-c-")), ["pywin32==306"]).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(
      /^python\.packages: pywin32==306 has no wheel for CPython 3\.9 on manylinux x86_64, the cluster's Python; nothing was uploaded$/,
    );
    expect(error.hint).toMatch(/pypi\.org\/project\/pywin32/);
  }, 120_000);

  it("knows each release's Python and each instance family's CPU", () => {
    expect(pythonForRelease("emr-7.13.0")).toBe("3.9");
    expect(pythonForRelease("emr-6.15.0")).toBe("3.7");
    expect(pythonForRelease("emr-spark-8.0.0")).toBe("3.11");
    expect(pythonForRelease("emr-5.36.0")).toBeUndefined();
    expect(["m5.xlarge", "c5n.2xlarge", "m7i.large"].map(archOfInstanceType)).toEqual([
      "x86_64",
      "x86_64",
      "x86_64",
    ]);
    expect(["m6g.xlarge", "c7gn.large", "r6gd.2xlarge"].map(archOfInstanceType)).toEqual([
      "aarch64",
      "aarch64",
      "aarch64",
    ]);
    expect(() => archOfInstanceTypes(["m5.xlarge", "m6g.xlarge"])).toThrow(/mix x86_64 and Graviton/);
  });

  it("the archive's numpy is a Linux x86_64 CPython 3.9 build, not this machine's", async () => {
    const archive = await build(mkdtempSync(path.join(os.tmpdir(), "kdeps-d-")));
    const dir = mkdtempSync(path.join(os.tmpdir(), "kdeps-x-"));
    execFileSync("tar", ["xzf", archive.file, "-C", dir]);
    const wheel = execFileSync("sh", ["-c", `cat ${dir}/numpy-1.26.4.dist-info/WHEEL`], { encoding: "utf8" });
    expect(wheel).toMatch(/Tag: cp39-cp39-manylinux_2_17_x86_64/);
  }, 120_000);
});
