import type { LoadedConfig } from "../config/load.js";
import { digestInput } from "../data/digest.js";
import { type DataLocation, validateData } from "../data/validate.js";
import { UsageError } from "../errors.js";
import type { RunInput } from "../targets/target.js";
import { CODES } from "../ui/codes.js";
import type { IoHost } from "../ui/io.js";

/**
 * Checks the input the way `kindling validate` does, before anything exists: an error stops the command
 * (nothing created); warnings are said and the run goes on.
 */
export async function checkRunInput(
  loaded: LoadedConfig,
  io: IoHost,
  signal?: AbortSignal,
): Promise<DataLocation> {
  const report = await validateData(loaded.config.data, {
    baseDir: loaded.dir,
    ...(signal ? { signal } : {}),
  });
  for (const f of report.findings.filter((x) => x.severity === "warning")) {
    io.notify(
      CODES.DATA_FINDING.msg(`${f.where}  ${f.message}${f.fix ? ` (fix: ${f.fix})` : ""}`, {
        severity: f.severity,
        code: f.code,
        where: f.where,
        message: f.message,
        ...(f.fix ? { fix: f.fix } : {}),
      }),
    );
  }
  if (!report.location) throw new UsageError(`data.path: cannot locate ${loaded.config.data.path}`);
  return report.location;
}

/** The input as a run records it: a local input's checksum and files; an s3:// input is not read. */
export async function resolveRunInput(location: DataLocation, io: IoHost): Promise<RunInput> {
  if (location.kind !== "local") return { location, digest: undefined };
  const digest = await digestInput(location);
  io.notify(
    CODES.DATA_DIGEST.msg(`input sha256 ${digest.sha256} (${digest.bytes} bytes)`, {
      sha256: digest.sha256,
      bytes: digest.bytes,
      files: digest.files.length,
    }),
  );
  return { location, digest };
}
