import path from "node:path";
import { UsageError } from "../../errors.js";
import { writeJson } from "../../runs/files.js";
import { runBeingWritten } from "../../runs/lock.js";
import { findRun, runsRoot } from "../../runs/lookup.js";
import type { Manifest } from "../../runs/manifest.js";
import { formatTags, type Tags } from "../../runs/tags.js";
import type { CommandIO } from "../io.js";
import type { TagOptions } from "../options.js";

/** `kindling tag RUN key=value… [--remove KEY] [--note TEXT]`: a run's labels, changed in its manifest. */
export async function tagCommand(options: TagOptions, io: CommandIO): Promise<void> {
  const root = await runsRoot(options, io.cwd);
  const run = await findRun(options.run, root, io.cwd, { io: io.host });
  if (!run.manifest) {
    throw new UsageError(`run ${run.id} has no readable manifest.json, so it cannot carry tags`, {
      hint: "`kindling runs` shows which runs are complete.",
    });
  }
  // The running CLI rewrites the manifest from its own copy: a change made now would be lost.
  if ((await runBeingWritten(path.dirname(run.dir))) === run.id) {
    throw new UsageError(`run ${run.id} is still running; its tags can change once it has ended`, {
      hint: "Give tags at the start with `kindling run --tag key=value`, or tag it when it is done.",
    });
  }
  const unknown = options.remove.filter((key) => !Object.hasOwn(run.manifest?.tags ?? {}, key));
  if (unknown.length) {
    throw new UsageError(`run ${run.id} has no tag ${unknown.join(", ")}`, {
      hint: `Its tags: ${formatTags(run.manifest.tags) || "none"}.`,
    });
  }
  const tags: Tags = { ...run.manifest.tags, ...options.set };
  for (const key of options.remove) delete tags[key];
  const { tags: _old, note: oldNote, ...rest } = run.manifest;
  const note = options.note ?? oldNote;
  const manifest: Manifest = {
    ...rest,
    ...(Object.keys(tags).length ? { tags } : {}),
    ...(note ? { note } : {}),
  };
  await writeJson(path.join(run.dir, "manifest.json"), manifest);
  io.emitJson({ run_id: run.id, tags: manifest.tags ?? {}, note: manifest.note ?? null });
  io.print(
    `Run ${run.id}: ${formatTags(manifest.tags) || "no tags"}${manifest.note ? `; note: ${manifest.note}` : ""}.`,
  );
}
