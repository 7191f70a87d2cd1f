import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { S3 } from "@aws-sdk/client-s3";
import { ROOT } from "../helpers/cli.js";

/** Fake static credentials: moto accepts any; the SDK needs some. */
export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };
export const TEST_REGION = "us-east-1";

const MOTO_PYTHON = path.join(ROOT, ".venv-aws", "bin", "python");
/** moto's server, with what deploying the foundation through it needs mended (see the file). */
const MOTO_SERVER = path.join(ROOT, "test", "aws", "moto_server.py");

/** An S3 client for moto's server (path-style: moto serves every bucket on one host). */
export function motoS3(endpoint: string): S3 {
  return new S3({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true });
}

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts moto's server on a free 127.0.0.1 port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  if (!existsSync(MOTO_PYTHON)) {
    throw new Error(
      `${MOTO_PYTHON} is missing: run npm run setup (it installs test/aws/requirements.txt into .venv-aws/).`,
    );
  }
  const port = await freePort();
  const child = spawn(MOTO_PYTHON, [MOTO_SERVER, "-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: "true" },
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`moto_server did not answer on ${endpoint} within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { endpoint, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** A port nothing listens on right now, on 127.0.0.1 (for the test servers). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
