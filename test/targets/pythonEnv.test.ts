import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PrerequisiteError } from "../../src/errors.js";
import { ensureSparkEnv, requireSparkEnv, sparkEnvLocation } from "../../src/targets/local/pythonEnv.js";
import { PACKAGE_ROOT } from "../../src/versions.js";
import { RecordingHost } from "../helpers/recordingHost.js";

// Where the local Python comes from, and what counts as whole. Making one for real (pip, PySpark) is
// covered by test/packaging/install.slow.test.ts.
let scratch: string;
/** An installed package's folder: no scripts/setup.mjs, so the per-user cache is used. */
let installed: string;

beforeEach(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), "kindling-pyenv-"));
  installed = path.join(scratch, "node_modules", "kindling");
  mkdirSync(installed, { recursive: true });
});

afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder that looks like a venv with PySpark; `stamp` marks it whole. */
function fakeEnv(dir: string, stamp: boolean): void {
  mkdirSync(path.join(dir, "bin"), { recursive: true });
  writeFileSync(path.join(dir, "bin", "python"), "");
  writeFileSync(path.join(dir, "bin", "spark-submit"), "");
  if (stamp) writeFileSync(path.join(dir, ".kindling-env.json"), "{}");
}

describe("the local Python environment", () => {
  it("a checkout uses its .venv; an installed package a per-user cache keyed by what it holds; KINDLING_VENV wins", () => {
    expect(sparkEnvLocation({ env: {}, packageRoot: PACKAGE_ROOT })).toEqual({
      dir: path.join(PACKAGE_ROOT, ".venv"),
      source: "checkout",
    });
    const cached = sparkEnvLocation({ env: { KINDLING_CACHE_DIR: scratch }, packageRoot: installed });
    expect(cached.source).toBe("cache");
    expect(cached.dir).toMatch(new RegExp(`^${scratch}/python/pyspark-3\\.5\\.\\d+-[0-9a-f]{12}$`));
    // The same requirements give the same folder, so every project on the machine shares it.
    expect(sparkEnvLocation({ env: { KINDLING_CACHE_DIR: scratch }, packageRoot: installed })).toEqual(
      cached,
    );
    expect(sparkEnvLocation({ env: { KINDLING_VENV: "/opt/venv" }, packageRoot: installed })).toEqual({
      dir: "/opt/venv",
      source: "KINDLING_VENV",
    });
  });

  it("each Spark line has its own environment: the checkout's .venv-spark-<line>, a cache folder per PySpark", () => {
    expect(sparkEnvLocation({ env: {}, packageRoot: PACKAGE_ROOT, line: "4.0" }).dir).toBe(
      path.join(PACKAGE_ROOT, ".venv-spark-4.0"),
    );
    const env = { KINDLING_CACHE_DIR: scratch };
    const spark4 = sparkEnvLocation({ env, packageRoot: installed, line: "4.0" }).dir;
    expect(spark4).toMatch(new RegExp(`^${scratch}/python/pyspark-4\\.0\\.\\d+-[0-9a-f]{12}$`));
    expect(spark4).not.toBe(sparkEnvLocation({ env, packageRoot: installed, line: "3.5" }).dir);
    const error = (() => {
      try {
        requireSparkEnv({ env, packageRoot: installed, line: "4.0" });
      } catch (e) {
        return e as PrerequisiteError;
      }
    })();
    expect(error?.message).toMatch(/PySpark 4\.0\.\d+ is not installed/);
    expect(error?.hint).toMatch(/kindling setup --spark-line 4\.0.*Python 3\.9–3\.13/);
  });

  it("a cached environment without its stamp (an interrupted install) is never used", () => {
    const env = { KINDLING_CACHE_DIR: scratch };
    const { dir } = sparkEnvLocation({ env, packageRoot: installed });
    fakeEnv(dir, false);
    expect(() => requireSparkEnv({ env, packageRoot: installed })).toThrow(
      /is not installed.*Nothing was started/,
    );
    fakeEnv(dir, true);
    expect(requireSparkEnv({ env, packageRoot: installed })).toMatchObject({
      dir,
      python: path.join(dir, "bin", "python"),
      source: "cache",
    });
  });

  it("says how to make it, for whoever makes it", () => {
    const hint = (env: NodeJS.ProcessEnv, root: string) => {
      try {
        requireSparkEnv({ env, packageRoot: root });
      } catch (error) {
        return (error as PrerequisiteError).hint;
      }
    };
    expect(hint({ KINDLING_CACHE_DIR: scratch }, installed)).toMatch(/kindling setup/);
    expect(hint({ KINDLING_VENV: path.join(scratch, "nope") }, installed)).toMatch(/KINDLING_VENV is/);
  });

  it("with no usable Python on PATH, a clear error before anything is made", async () => {
    const env = { KINDLING_CACHE_DIR: scratch, PATH: path.join(scratch, "empty") };
    const error = await ensureSparkEnv({ io: new RecordingHost(), env, packageRoot: installed }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect(error.message).toMatch(/Python 3\.9–3\.12 with the venv module is needed.*none was found on PATH/);
    expect(error.hint).toMatch(/python3-venv.*KINDLING_PYTHON/);
    const { dir } = sparkEnvLocation({ env, packageRoot: installed });
    expect(() => requireSparkEnv({ env, packageRoot: installed })).toThrow(PrerequisiteError);
    expect(dir.startsWith(scratch)).toBe(true);
  });

  it("a whole cached environment is used as it is: nothing is installed again", async () => {
    const env = { KINDLING_CACHE_DIR: scratch, PATH: path.join(scratch, "empty") };
    fakeEnv(sparkEnvLocation({ env, packageRoot: installed }).dir, true);
    const host = new RecordingHost();
    await expect(ensureSparkEnv({ io: host, env, packageRoot: installed })).resolves.toMatchObject({
      source: "cache",
    });
    expect(host.messages).toEqual([]);
  });

  it("refuses to remake an environment that is not Kindling's", async () => {
    const env = { KINDLING_VENV: path.join(scratch, "mine") };
    fakeEnv(env.KINDLING_VENV, false);
    await expect(
      ensureSparkEnv({ io: new RecordingHost(), env, recreate: true, packageRoot: installed }),
    ).rejects.toThrow(/is not Kindling's to make again/);
  });

  it("native Windows is told plainly to use WSL 2, before anything is made", async () => {
    const error = await ensureSparkEnv({
      io: new RecordingHost(),
      platform: "win32",
      packageRoot: installed,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(PrerequisiteError);
    expect(error.hint).toMatch(/WSL 2/);
  });
});
