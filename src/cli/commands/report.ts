import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { writeReport } from "../../report/write.js";
import { findRun, runsRoot } from "../../runs/resolve.js";
import type { CommandIO } from "../io.js";
import type { ReportOptions } from "../options.js";

/** Opens a file with the desktop's default application; rejects when no opener can be started. */
export type Opener = (file: string) => Promise<void>;

/** `kindling report ID [--open]`: (re)builds runs/<id>/report.html from the run's files. */
export async function reportCommand(
  options: ReportOptions,
  io: CommandIO,
  open: Opener = openWithDesktop,
): Promise<void> {
  const run = await findRun(options.run, await runsRoot(options.config, io.cwd), io.cwd);
  const { file, data } = await writeReport(run.dir);
  io.emitJson({ run_id: run.id, status: data.run.status, report: file, url: pathToFileURL(file).href });
  io.reporter.print(`Report: ${file}`);
  if (!options.open) return;
  try {
    await open(file);
  } catch (error) {
    io.reporter.warn(`could not open a browser (${(error as Error).message}); open ${file} yourself`);
  }
}

/** `open` on macOS, `start` on Windows, `xdg-open` elsewhere; detached, so the CLI exits at once. */
export function openWithDesktop(file: string): Promise<void> {
  const [command, args] =
    process.platform === "darwin"
      ? ["open", [file]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", file]]
        : ["xdg-open", [file]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args as string[], { detached: true, stdio: "ignore" });
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === "ENOENT" ? `${command} is not installed` : error.message)),
    );
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}
