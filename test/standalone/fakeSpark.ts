import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * How the fake daemons behave: `ok` (a master that counts connected workers in its /json/), `exit` (the
 * master fails at once), `hang` (the master never answers), `stubborn` (workers ignore SIGTERM and each
 * starts a Python-daemon-like grandchild in its own process group that ignores SIGTERM too).
 */
export type FakeMode = "ok" | "exit" | "hang" | "stubborn";

/** A SPARK_HOME whose bin/spark-class is a small Node stand-in for Spark's Master and Worker. */
export async function fakeSparkHome(mode: FakeMode): Promise<string> {
  const home = await mkdtemp(path.join(os.tmpdir(), `kindling-fake-spark-${mode}-`));
  await mkdir(path.join(home, "bin"));
  const script = path.join(home, "bin", "spark-class");
  await writeFile(script, `#!${process.execPath}\n${FAKE.replace("__MODE__", mode)}`);
  await chmod(script, 0o755);
  return home;
}

const FAKE = `
const http = require("node:http");
const net = require("node:net");
const { spawn } = require("node:child_process");
const mode = "__MODE__";
const args = process.argv.slice(2);
const opt = (name) => args[args.indexOf(name) + 1];
const forever = () => setInterval(() => {}, 1 << 30);
if (args[0].endsWith(".Master")) {
  if (mode === "exit") {
    console.error("Exception in thread main: java.net.BindException: boom, address in use");
    process.exit(3);
  }
  let workers = 0;
  net.createServer((s) => {
    workers += 1;
    s.on("error", () => {});
    s.on("close", () => { workers -= 1; });
  }).listen(Number(opt("--port")), opt("--host"));
  if (mode !== "hang") {
    http.createServer((_req, res) => {
      res.end(JSON.stringify({ url: "spark://" + opt("--host") + ":" + opt("--port"), status: "ALIVE", aliveworkers: workers }));
    }).listen(Number(opt("--webui-port")), opt("--host"));
  }
  console.log("master up");
  forever();
} else {
  const [host, port] = args[args.length - 1].replace("spark://", "").split(":");
  const connect = () => net.connect(Number(port), host).on("error", () => setTimeout(connect, 100));
  connect();
  if (mode === "stubborn") {
    process.on("SIGTERM", () => {});
    spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1 << 30)"], {
      detached: true,
      stdio: "ignore",
    }).unref();
  }
  forever();
}
`;
