import path from "node:path";
import { environmentsOf, type LoadedConfig, loadConfig, loadOptionsOf } from "../../config/load.js";
import { DataError } from "../../data/findings.js";
import { inspectData } from "../../data/validate.js";
import { CODES } from "../../ui/codes.js";
import type { CommandIO } from "../io.js";
import type { ValidateOptions } from "../options.js";

/** `kindling validate`: config and data checks; starts no Spark job and touches no cloud resource. */
export async function validateCommand(options: ValidateOptions, io: CommandIO): Promise<void> {
  // Without --env, every environment's config is checked: a mistake in prod's overlay shows up in CI
  // before anyone deploys prod. The data is checked once, in the default environment (else the first).
  const environments = options.env === undefined ? await environmentsOf(options.config) : [];
  const checked: LoadedConfig[] = [];
  for (const env of environments) {
    checked.push(await loadConfig(options.config, { ...loadOptionsOf(options), env }));
  }
  const loaded =
    checked.find((c) => c.environment?.isDefault) ??
    checked[0] ??
    (await loadConfig(options.config, loadOptionsOf(options)));
  const report = await inspectData(loaded.config.data, {
    baseDir: loaded.dir,
    cwd: io.cwd,
    signal: io.signal,
  });
  const errors = report.findings.filter((f) => f.severity === "error");
  const notes = report.findings.filter((f) => f.severity !== "error");
  // Warnings and notes are worth seeing even when an error stops the command.
  for (const f of notes) {
    const line = `${f.where}  ${f.message}${f.fix ? ` (fix: ${f.fix})` : ""}`;
    const data = {
      severity: f.severity,
      code: f.code,
      where: f.where,
      message: f.message,
      ...(f.fix ? { fix: f.fix } : {}),
    };
    io.host.notify(
      f.severity === "warning"
        ? CODES.DATA_FINDING.msg(line, data)
        : CODES.DATA_NOTE.msg(`note: ${line}`, data),
    );
  }
  if (errors.length > 0) throw new DataError(report.input, report.findings);

  const relative = path.relative(io.cwd, loaded.file);
  const config = relative && !relative.startsWith("..") ? relative : loaded.file;
  const names = checked.map((c) => c.environment?.name);
  io.emitJson({
    valid: true,
    config: loaded.file,
    ...(names.length ? { environments: names } : {}),
    ...report,
  });
  const lines = [
    `${config}: valid config${names.length ? ` in every environment (${names.join(", ")})` : loaded.environment ? ` (environment ${loaded.environment.name})` : ""}.`,
  ];
  if (report.rows === undefined) {
    lines.push(`${report.input}: not read (checked when the job opens it).`);
  } else {
    const count = (n: number) => n.toLocaleString("en-US");
    lines.push(
      `${report.input}: ${report.format}, ${count(report.rows)} rows (${count(report.usable ?? 0)} usable${report.malformed ? `, ${count(report.malformed)} malformed` : ""}); columns ${report.columns.join(", ")}.`,
    );
    if (report.labels) {
      const classes = Object.entries(report.labels);
      const shown = classes.slice(0, 10).map(([label, n]) => `${label} ${count(n)}`);
      lines.push(`classes (${classes.length}): ${shown.join(", ")}${classes.length > 10 ? ", …" : ""}.`);
    }
  }
  io.print(lines.join("\n"));
}
