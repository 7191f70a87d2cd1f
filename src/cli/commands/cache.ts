import Table from "cli-table3";
import {
  clearPreparedEntries,
  LocalPreparedStore,
  localPreparedRoot,
  type PreparedStore,
} from "../../cache/preparedText.js";
import { formatBytes } from "../../ui/format.js";
import type { CommandIO } from "../io.js";
import type { CacheOptions } from "../options.js";

/**
 * `kindling cache list|clear`: the prepared-text cache of local and standalone runs (per user), or with
 * --remote that of cloud runs, in the data bucket (per project).
 */
export async function cacheCommand(options: CacheOptions, io: CommandIO): Promise<void> {
  const store = await openStore(options);
  const root = store.uri;
  if (options.action === "clear") {
    const keys = options.keys?.length ? options.keys : undefined;
    const removed = await clearPreparedEntries(store, keys);
    const bytes = removed.reduce((sum, e) => sum + e.bytes, 0);
    io.emitJson({ root, removed: removed.map((e) => ({ key: e.key, bytes: e.bytes })), bytes });
    io.print(
      `Removed ${removed.length} ${removed.length === 1 ? "entry" : "entries"} (${formatBytes(bytes)}) from ${store.display}.`,
    );
    return;
  }
  const entries = await store.list();
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
    io.print(`The prepared-text cache (${store.display}) is empty.`);
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
    `${entries.length} ${entries.length === 1 ? "entry" : "entries"}, ${formatBytes(bytes)} in ${store.display}; the oldest go first beyond cache.max_size.`,
  );
}

async function openStore(options: CacheOptions): Promise<PreparedStore> {
  if (!options.remote) return new LocalPreparedStore(localPreparedRoot());
  const [{ findDataBucket }, { S3PreparedStore }] = await Promise.all([
    import("./share.js"),
    import("../../cache/s3PreparedStore.js"),
  ]);
  const { s3, bucket } = await findDataBucket(options, "the cloud runs' prepared-text cache");
  return new S3PreparedStore(s3, bucket);
}
