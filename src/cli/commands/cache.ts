import Table from "cli-table3";
import { clearPreparedEntries, listPreparedEntries, localPreparedRoot } from "../../cache/preparedText.js";
import { displayPath, formatBytes } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { CacheOptions } from "../options.js";

/** `kindling cache list|clear`: the prepared-text cache of local and standalone runs (per user). */
export async function cacheCommand(options: CacheOptions, io: CommandIO): Promise<void> {
  const root = localPreparedRoot();
  if (options.action === "clear") {
    const keys = options.keys?.length ? options.keys : undefined;
    const removed = await clearPreparedEntries(root, keys);
    const bytes = removed.reduce((sum, e) => sum + e.bytes, 0);
    io.emitJson({ root, removed: removed.map((e) => ({ key: e.key, bytes: e.bytes })), bytes });
    io.print(
      `Removed ${removed.length} ${removed.length === 1 ? "entry" : "entries"} (${formatBytes(bytes)}) from ${displayPath(root)}.`,
    );
    return;
  }
  const entries = await listPreparedEntries(root);
  const bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  io.emitJson({
    root,
    bytes,
    entries: entries.map((e) => ({
      key: e.key,
      bytes: e.bytes,
      created_at: e.createdAt.toISOString(),
      built_by: e.builtBy ?? null,
      complete: e.complete,
    })),
  });
  if (entries.length === 0) {
    io.print(`The prepared-text cache (${displayPath(root)}) is empty.`);
    return;
  }
  const table = new Table({
    head: ["key", "size", "created", "built by", "state"],
    style: { head: [], border: [] },
  });
  for (const e of entries) {
    table.push([
      e.key.slice(0, 12),
      formatBytes(e.bytes),
      e.createdAt.toISOString().replace(/\.\d+Z$/, "Z"),
      e.builtBy ?? "—",
      e.complete ? "complete" : "partial (being written, or left by a stopped run)",
    ]);
  }
  io.print(table.toString());
  io.print(
    `${entries.length} ${entries.length === 1 ? "entry" : "entries"}, ${formatBytes(bytes)} in ${displayPath(root)}; the oldest go first beyond cache.max_size.`,
  );
}
