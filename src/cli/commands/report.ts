import { pathToFileURL } from "node:url";
import { writeReport } from "../../report/write.js";
import { findRun, runsRoot } from "../../runs/lookup.js";
import { CODES } from "../../ui/codes.js";
import { displayPath } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { ReportOptions } from "../options.js";

/** Opens a file with the desktop's default application; rejects when no opener can be started. */
export type Opener = (file: string) => Promise<void>;

/** `kindling report RUN [--open]`: (re)builds runs/<id>/report.html from the run's files. */
export async function reportCommand(
  options: ReportOptions,
  io: CommandIO,
  open: Opener = openWithDesktop,
): Promise<void> {
  const run = await findRun(options.run, await runsRoot(options, io.cwd), io.cwd);
  const { file, data } = await writeReport(run.dir);
  io.emitJson({ run_id: run.id, status: data.run.status, report: file, url: pathToFileURL(file).href });
  io.print(`Report: ${displayPath(file)}`);
  if (!options.open) return;
  try {
    await open(file);
  } catch (error) {
    io.host.notify(
      CODES.REPORT_OPEN_FAILED.msg(
        `could not open a browser (${(error as Error).message}); open ${file} yourself`,
        {
          file,
        },
      ),
    );
  }
}

/** The desktop's default browser, through the `open` package (xdg-open, open, start). */
export async function openWithDesktop(file: string): Promise<void> {
  const { default: openFile } = await import("open");
  const child = await openFile(file);
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => resolve());
  });
}
