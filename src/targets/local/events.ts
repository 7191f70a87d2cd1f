import path from "node:path";
import { entryKey } from "../../cache/preparedText.js";
import { readJson } from "../../runs/files.js";
import { CODES } from "../../ui/codes.js";
import { formatBytes, formatDuration, formatInteger } from "../../ui/format.js";
import type { IoHost, Message } from "../../ui/io.js";

/** The job's progress protocol (docs/job-spec.md): `@@kindling {json}` lines on stdout. */
export const EVENT_PREFIX = "@@kindling ";

export type JobEvent =
  | { event: "stage_start"; stage: string; ts?: number }
  | { event: "stage_end"; stage: string; seconds: number }
  | { event: "error"; stage: string | null; kind: string; message: string }
  | { event: "rows"; read: number; rejected: number; null_dropped: number; used: number }
  | {
      /** Cross-validation evaluated one more fit (of folds × grid points) inside `stage`. */
      event: "cv_progress";
      stage: string;
      done: number;
      total: number;
      fold: number;
      folds: number;
      elapsed: number;
      seconds_left: number;
    }
  | {
      /** The prepared-text cache entry named by the spec: reused, stored, or unusable and rebuilt. */
      event: "cache";
      status: "reused" | "stored" | "invalid" | "not_stored";
      uri: string;
      bytes?: number;
      built_by?: string;
      created_at?: string;
      reason?: string;
    };

const EVENTS = new Set(["stage_start", "stage_end", "error", "rows", "cv_progress", "cache"]);

/** Parses one stdout line; undefined for ordinary log output (or a line that only looks like an event). */
export function parseEventLine(line: string): JobEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined;
  try {
    const value = JSON.parse(line.slice(EVENT_PREFIX.length)) as { event?: unknown };
    if (typeof value.event === "string" && EVENTS.has(value.event)) return value as JobEvent;
  } catch {
    // A truncated line (the process was killed mid-write) is log output, not an event.
  }
  return undefined;
}

/** "featurize:tfidf" → "Featurize tfidf". */
export function stageLabel(stage: string): string {
  const [verb = stage, subject] = stage.split(":");
  const text = verb.charAt(0).toUpperCase() + verb.slice(1);
  return subject ? `${text} ${subject}` : text;
}

/** "fold 2/3 · 7/12 fits · about 1 min 10 s left": where cross-validation is and how long it may take. */
export function cvProgressText(event: Extract<JobEvent, { event: "cv_progress" }>): string {
  const left =
    event.done < event.total ? ` · about ${formatDuration(Math.round(event.seconds_left))} left` : "";
  return `fold ${event.fold}/${event.folds} · ${event.done}/${event.total} fits${left}`;
}

type CacheEvent = Extract<JobEvent, { event: "cache" }>;

/** What a `cache` event means, in words. */
export function cacheText(event: CacheEvent): string {
  const key = entryKey(event.uri).slice(0, 12);
  switch (event.status) {
    case "reused":
      return `Reused the prepared text of run ${event.built_by ?? "?"} (cache ${key}, ${formatBytes(event.bytes)}): counting, cleaning, tokenizing and splitting the input skipped`;
    case "stored":
      return `Stored the prepared text for later runs (cache ${key}, ${formatBytes(event.bytes)})`;
    case "invalid":
      return `The cached prepared text ${key} was not used and is rebuilt: ${event.reason ?? "unusable"}`;
    case "not_stored":
      return `The prepared text could not be cached (the run goes on without it): ${event.reason ?? "unknown error"}`;
  }
}

/** A `cache` event as the message the CLI shows. */
export function cacheMessage(event: CacheEvent): Message<unknown> {
  if (event.status === "reused" || event.status === "stored") {
    return CODES.PREPARED_CACHE.msg(cacheText(event), {
      status: event.status,
      uri: event.uri,
      bytes: event.bytes ?? 0,
      ...(event.built_by ? { builtBy: event.built_by } : {}),
    });
  }
  return CODES.PREPARED_CACHE_PROBLEM.msg(cacheText(event), {
    status: event.status,
    uri: event.uri,
    reason: event.reason ?? "",
  });
}

/**
 * Shows what a cloud run's job did with its prepared-text cache entry, from the events it kept in job.json:
 * the CLI sees none of a cloud job's events as they happen.
 */
export async function notifyRecordedCacheEvents(runDir: string, io: IoHost): Promise<void> {
  const job = await readJson<{ prepared_cache?: Array<Omit<CacheEvent, "event">> }>(
    path.join(runDir, "job.json"),
  ).catch(() => undefined); // completing the run says what is missing
  for (const outcome of job?.prepared_cache ?? []) io.notify(cacheMessage({ event: "cache", ...outcome }));
}

/** One line of job.log as a person reads it: protocol events in words, anything else as it is. */
export function renderJobLogLine(line: string): string {
  const event = parseEventLine(line);
  if (!event) return line;
  switch (event.event) {
    case "stage_start":
      return `▶ ${stageLabel(event.stage)}`;
    case "stage_end":
      return `✔ ${stageLabel(event.stage)} (${formatDuration(event.seconds)})`;
    case "rows":
      return `  rows: ${formatInteger(event.read)} read, ${formatInteger(event.rejected)} rejected, ${formatInteger(event.null_dropped)} dropped for nulls, ${formatInteger(event.used)} used`;
    case "cv_progress":
      // Named: another feature set's stages may run at the same time and print between this one's lines.
      return `  ${stageLabel(event.stage)}: ${cvProgressText(event)}`;
    case "cache":
      return `  ${cacheText(event)}`;
    case "error":
      return `✖ ${event.kind}${event.stage ? ` at ${stageLabel(event.stage)}` : ""}: ${event.message}`;
  }
}
