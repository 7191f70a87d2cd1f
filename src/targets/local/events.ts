import { formatDuration, formatInteger } from "../../ui/format.js";

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
    };

const EVENTS = new Set(["stage_start", "stage_end", "error", "rows", "cv_progress"]);

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
      return `  ${cvProgressText(event)}`;
    case "error":
      return `✖ ${event.kind}${event.stage ? ` at ${stageLabel(event.stage)}` : ""}: ${event.message}`;
  }
}
