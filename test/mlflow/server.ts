import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "../aws/moto.js";
import { ROOT } from "../helpers/cli.js";

export const MLFLOW_VENV = path.join(ROOT, ".venv-mlflow");

export interface MlflowServer {
  uri: string;
  stop(): Promise<void>;
}

/**
 * A real MLflow tracking server on a free 127.0.0.1 port: SQLite backend and a local artifact store in a
 * fresh folder, artifacts proxied by the server (as teams run it), one worker.
 */
export async function startMlflow(): Promise<MlflowServer> {
  const bin = path.join(MLFLOW_VENV, "bin", "mlflow");
  if (!existsSync(bin)) {
    throw new Error(
      `${bin} is missing: run npm test's set-up (it installs test/mlflow/requirements.txt into .venv-mlflow/).`,
    );
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "kmlflow-server-"));
  const port = await freePort();
  const child = spawn(
    bin,
    [
      "server",
      "--host",
      "127.0.0.1",
      "--port",
      String(port),
      "--workers",
      "1",
      "--backend-store-uri",
      `sqlite:///${path.join(dir, "mlflow.db")}`,
      "--artifacts-destination",
      path.join(dir, "artifacts"),
      "--serve-artifacts",
    ],
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const uri = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mlflow server exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${uri}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`mlflow server did not answer on ${uri} within 120 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return { uri, stop: () => stop(child) };
}

/** The server runs workers of its own: the whole process group goes. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    const timer = setTimeout(() => process.kill(-pid, "SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    process.kill(-pid, "SIGTERM");
  });
}
