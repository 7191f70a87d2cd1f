#!/usr/bin/env node
// `npm run test:container`: builds the image from the Dockerfile with podman (no Docker daemon needed) and
// proves it: a build stage trains the demo inside the image (the build fails if it does not), then the
// image's /data folder is used the way `docker run -v "$PWD":/data` uses it. Reports the image's size.
// Where no registry is reachable (this project's CI), the Debian base image is made from Debian's packages
// with debootstrap and imported; KINDLING_IMAGE_BASE names another base (e.g. debian:bookworm-slim).
// Node built-ins only.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const IMAGE = "localhost/kindling";
const LOCAL_BASE = "localhost/debian-base:bookworm";
const base = process.env.KINDLING_IMAGE_BASE ?? LOCAL_BASE;
const hostCa = "/etc/ssl/certs/ca-certificates.crt";

function fail(message) {
  process.stderr.write(`\ntest:container: ${message}\n`);
  process.exit(1);
}

function say(message) {
  process.stderr.write(`test:container: ${message}\n`);
}

/** Runs a command; a failure throws, so the caller's `finally` (unmounting, removing) still runs. */
function sh(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...options });
  if (result.error) throw new Error(`${command} could not start: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`\`${command} ${args.join(" ")}\` failed (exit ${result.status}).`);
  return result;
}

function quiet(command, args, options = {}) {
  return spawnSync(command, args, { cwd: root, encoding: "utf8", ...options });
}

function tools() {
  const missing = ["podman", ...(base === LOCAL_BASE ? ["debootstrap"] : [])].filter(
    (tool) => quiet("sh", ["-c", `command -v ${tool}`]).status !== 0,
  );
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    throw new Error(
      `${missing.join(" and ")} not found. Install them (Debian/Ubuntu: sudo apt-get install podman debootstrap).`,
    );
  }
  say(`installing ${missing.join(", ")}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  sh("apt-get", ["update", "-qq"], { env });
  sh("apt-get", ["install", "-y", "-qq", ...missing], { env });
}

/** Settings podman needs in a sandbox without cgroup control or rlimits (builds use chroot isolation). */
function containersConf() {
  const file = path.join(os.tmpdir(), "kindling-containers.conf");
  writeFileSync(
    file,
    '[containers]\ndefault_ulimits = []\ncgroups = "disabled"\n[engine]\ncgroup_manager = "cgroupfs"\n',
  );
  return { ...process.env, CONTAINERS_CONF: file };
}

function baseImage(env) {
  if (base !== LOCAL_BASE || quiet("podman", ["image", "exists", LOCAL_BASE], { env }).status === 0) return;
  const rootfs = mkdtempSync(path.join(os.tmpdir(), "kindling-rootfs-"));
  try {
    say(`making ${LOCAL_BASE} from Debian's packages (debootstrap, once)…`);
    sh("debootstrap", ["--variant=minbase", "bookworm", rootfs], { stdio: ["ignore", "ignore", "inherit"] });
    const tar = spawnSync("sh", ["-c", `tar -C "${rootfs}" -c . | podman import - ${LOCAL_BASE}`], {
      env,
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (tar.status !== 0) throw new Error(`importing the base image failed (exit ${tar.status}).`);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

function build(env, target, tag) {
  const args = ["build", "--isolation", "chroot", "--network", "host", "--target", target, "-t", tag];
  args.push("--build-arg", `BASE=${base}`);
  // The build's downloads (npm, PyPI, Debian) trust this machine's CA bundle; it is not copied in.
  if (existsSync(hostCa)) {
    args.push(
      "-v",
      `${path.dirname(hostCa)}:/hostcerts:ro`,
      "--build-arg",
      `EXTRA_CA=/hostcerts/${path.basename(hostCa)}`,
    );
  }
  sh("podman", [...args, "."], { env });
}

/** `docker run -v "$PWD":/data kindling init` by hand: chroot into the mounted image as its user. */
function dataFolder(env) {
  const mount = quiet("podman", ["image", "mount", IMAGE], { env });
  if (mount.status !== 0) throw new Error(`podman image mount failed: ${mount.stderr}`);
  const m = mount.stdout.trim();
  const project = mkdtempSync(path.join(os.tmpdir(), "kindling-data-"));
  quiet("chown", ["1000:1000", project]);
  try {
    sh("mount", ["--bind", project, path.join(m, "data")]);
    sh("mount", ["-t", "proc", "proc", path.join(m, "proc")]);
    // The image's ENV, which chroot does not apply.
    const inImage = [
      "PATH=/opt/node/bin:/usr/local/bin:/usr/bin:/bin",
      "HOME=/home/kindling",
      "KINDLING_CACHE_DIR=/opt/kindling/cache",
    ];
    const command = "cd /data && kindling init && kindling doctor";
    const run = quiet("chroot", ["--userspec=1000:1000", m, "env", "-i", ...inImage, "sh", "-c", command]);
    if (run.error) throw new Error(`chroot could not start: ${run.error.message}`);
    process.stderr.write(`${run.stdout}${run.stderr}`);
    if (run.status !== 0) throw new Error(`kindling in the image's /data failed (exit ${run.status}).`);
    const written = path.join(project, "kindling.yaml");
    if (!existsSync(written) || !readFileSync(written, "utf8").includes("data:")) {
      throw new Error("kindling init in the image did not write kindling.yaml into the mounted folder.");
    }
  } finally {
    quiet("umount", [path.join(m, "proc")]);
    quiet("umount", [path.join(m, "data")]);
    quiet("podman", ["image", "unmount", IMAGE], { env });
    rmSync(project, { recursive: true, force: true });
  }
}

try {
  tools();
  const env = containersConf();
  baseImage(env);
  const started = Date.now();
  say("building the image…");
  build(env, "runtime", IMAGE);
  say("training the demo inside the image (the smoke stage)…");
  build(env, "smoke", `${IMAGE}-smoke`);
  dataFolder(env);
  const size = Number(
    quiet("podman", ["image", "inspect", "--format", "{{.Size}}", IMAGE], { env }).stdout.trim(),
  );
  say(
    `ok: ${IMAGE} is ${(size / 1024 ** 2).toFixed(0)} MiB; built and smoke-tested in ${Math.round((Date.now() - started) / 1000)} s.`,
  );
} catch (error) {
  fail(error.message);
}
