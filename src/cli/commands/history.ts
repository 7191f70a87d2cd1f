import { UsageError } from "../../errors.js";
import { eventLogsOf, startHistoryServer } from "../../targets/local/historyServer.js";
import { requireSparkEnv } from "../../targets/local/pythonEnv.js";
import { lineOfSparkVersion, VERSIONS } from "../../versions.js";
import type { CommandIO } from "../io.js";
import type { HistoryOptions } from "../options.js";
import { namedRun } from "./status.js";

/**
 * `kindling history RUN`: Spark's History Server over the event log a local or standalone run kept in
 * its logs/, on 127.0.0.1, until Ctrl-C: a slow run examined stage by stage.
 */
export async function historyCommand(options: HistoryOptions, io: CommandIO): Promise<void> {
  const run = await namedRun(options, io);
  const logs = await eventLogsOf(run.dir);
  if (logs.length === 0) {
    throw new UsageError(`Run ${run.id} kept no Spark event log in ${run.dir}/logs/.`, {
      hint: "Local and standalone runs keep one (unless spark.conf sets spark.eventLog.enabled: false); cloud runs do not bring theirs back.",
    });
  }
  // The History Server of the Spark line that wrote the log reads it.
  const line = lineOfSparkVersion(run.manifest?.versions?.spark ?? "") ?? VERSIONS.line;
  const server = await startHistoryServer(requireSparkEnv({ line }), run.dir, { signal: io.signal });
  try {
    io.emitJson({ run: run.id, url: server.url, event_logs: logs });
    io.print(`Spark History Server for ${run.id}: ${server.url}  (Ctrl-C stops it)`);
    await Promise.race([
      server.ended,
      new Promise<void>((resolve) => io.signal.addEventListener("abort", () => resolve(), { once: true })),
    ]);
  } finally {
    await server.stop();
  }
}
