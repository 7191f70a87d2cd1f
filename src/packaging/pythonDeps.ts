import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { create as createTar } from "tar";
import { KindlingError, UsageError } from "../errors.js";
import { fileDigest, writeJson } from "../runs/files.js";
import { CODES } from "../ui/codes.js";
import { formatBytes } from "../ui/format.js";
import type { IoHost } from "../ui/io.js";
import { describePlatform, manylinuxTags, type PythonPlatform } from "./platform.js";

/** Bump when the archive's layout changes, so older cached archives are not reused. */
const LAYOUT_VERSION = 1;

/** One archive of the job's Python packages, built for one platform. */
export interface DepsArchive {
  /** The .tar.gz in the cache. */
  file: string;
  /** Of the archive's bytes: the same packages for the same platform give the same archive and key. */
  sha256: string;
  bytes: number;
  requirements: string[];
  platform: PythonPlatform;
}

export interface BuildOptions {
  /** Pinned requirement lines (name==version). */
  requirements: string[];
  platform: PythonPlatform;
  /** Where built archives are kept (the per-user cache). */
  cacheDir: string;
  /** A Python with pip (the project's venv): it only downloads; nothing runs on it. */
  pip: string;
  io: IoHost;
  signal?: AbortSignal;
}

/**
 * Builds (or finds in the cache) one .tar.gz of the job's Python packages for the cluster's CPython and CPU,
 * on any machine and without Docker: pip downloads the platform's binary wheels (`--only-binary`, so
 * nothing is compiled for the wrong machine) and installs them into a folder, which is packed with sorted
 * entries and fixed times, so the same packages give the same bytes. On the cluster it is unpacked next
 * to the driver and every executor and put on their PYTHONPATH.
 */
export async function buildDepsArchive(options: BuildOptions): Promise<DepsArchive> {
  const requirements = [...new Set(options.requirements.map((r) => r.trim()).filter(Boolean))].sort();
  const { platform } = options;
  const key = createHash("sha256")
    .update(JSON.stringify({ layout: LAYOUT_VERSION, requirements, platform }))
    .digest("hex")
    .slice(0, 32);
  const dir = path.join(options.cacheDir, "pydeps");
  const file = path.join(dir, `${key}.tar.gz`);
  const cached = await readCached(file, requirements, platform);
  if (cached) return cached;

  const span = options.io.span(
    CODES.PYDEPS_BUILD.msg(`Packing the job's Python packages for ${describePlatform(platform)}`, {
      requirements,
      python: platform.python,
      arch: platform.arch,
    }),
  );
  const scratch = await mkdtemp(path.join(os.tmpdir(), "kindling-pydeps-"));
  try {
    const site = path.join(scratch, "site");
    await pipInstall(options.pip, requirements, platform, site, options.signal);
    await mkdir(dir, { recursive: true });
    const packed = path.join(scratch, "pydeps.tar.gz");
    const files = await listFiles(site);
    await createTar(
      { file: packed, cwd: site, gzip: { level: 6 }, portable: true, mtime: new Date(0) },
      files,
    );
    // Renamed into the cache only when whole: a crash never leaves half an archive to be reused.
    await rename(packed, file);
    const digest = await fileDigest(file);
    const archive: DepsArchive = { file, ...digest, requirements, platform };
    await writeJson(`${file}.json`, { sha256: digest.sha256, bytes: digest.bytes, requirements, platform });
    span.succeed(`${requirements.length} package(s), ${formatBytes(digest.bytes)}`);
    return archive;
  } catch (error) {
    span.fail();
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function readCached(
  file: string,
  requirements: string[],
  platform: PythonPlatform,
): Promise<DepsArchive | undefined> {
  try {
    const meta = JSON.parse(await readFile(`${file}.json`, "utf8")) as { sha256: string; bytes: number };
    if ((await stat(file)).size !== meta.bytes) return undefined;
    return { file, sha256: meta.sha256, bytes: meta.bytes, requirements, platform };
  } catch {
    return undefined;
  }
}

function pipInstall(
  python: string,
  requirements: string[],
  platform: PythonPlatform,
  target: string,
  signal?: AbortSignal,
): Promise<void> {
  const abi = `cp${platform.python.replace(".", "")}`;
  const args = [
    // --no-color: pip quotes its errors into ours, and FORCE_COLOR in the environment would colour them.
    ...["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--quiet", "--no-color"],
    ...["--target", target, "--no-compile", "--only-binary=:all:"],
    ...[
      "--python-version",
      platform.python,
      "--implementation",
      "cp",
      "--abi",
      abi,
      "--abi",
      "abi3",
      "--abi",
      "none",
    ],
    ...manylinuxTags(platform.arch).flatMap((tag) => ["--platform", tag]),
    "--platform",
    "any",
    ...requirements,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ["ignore", "pipe", "pipe"], ...(signal ? { signal } : {}) });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.once("error", (error) =>
      reject(new KindlingError(`could not run pip (${python}): ${error.message}`)),
    );
    child.once("close", (code) => {
      if (code === 0) return resolve();
      reject(pipError(stderr, requirements, platform));
    });
  });
}

/** pip's "no matching distribution" as a message that names the package and the platform it lacks. */
function pipError(stderr: string, requirements: string[], platform: PythonPlatform): KindlingError {
  const missing = /No matching distribution found for (\S+)/.exec(stderr)?.[1];
  if (missing) {
    const name = missing.split(/[=<>!~[]/)[0] ?? missing;
    return new UsageError(
      `python.packages: ${missing} has no wheel for ${describePlatform(platform)}, the cluster's Python; nothing was uploaded`,
      {
        hint: `Pick a version of ${name} that publishes a wheel for that platform (https://pypi.org/project/${name}/#files), or set python.version if the cluster runs another Python.`,
      },
    );
  }
  const last = stderr.trim().split("\n").slice(-3).join(" | ");
  return new KindlingError(
    `pip could not get ${requirements.join(", ")} for ${describePlatform(platform)}: ${last}`,
    {
      hint: "pip downloads from PyPI (or PIP_INDEX_URL): check the network and the package names.",
    },
  );
}

/** Every file below `dir`, relative and sorted, without console scripts (their shebang is this machine's). */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .filter((f) => !f.startsWith("bin/"))
    .sort();
}
