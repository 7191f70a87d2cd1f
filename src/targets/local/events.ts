import { formatDuration, formatInteger } from "../../ui/format.js";

/** The job's progress protocol (docs/job-spec.md): `@@kindling {json}` lines on stdout. */
export const EVENT_PREFIX = "@@kindling ";

export type JobEvent =
  | { event: "stage_start"; stage: string; ts?: number }
  | { event: "stage_end"; stage: string; seconds: number }
  | { event: "error"; stage: string | null; kind: string; message: string }
  | { event: "rows"; read: number; rejected: number; null_dropped: number; used: number };

/** Parses one stdout line; undefined for ordinary log output (or a line that only looks like an event). */
export function parseEventLine(line: string): JobEvent | undefined {
  if (!line.startsWith(EVENT_PREFIX)) return undefined;
  try {
    const value = JSON.parse(line.slice(EVENT_PREFIX.length)) as { event?: unknown };
    if (
      value.event === "stage_start" ||
      value.event === "stage_end" ||
      value.event === "error" ||
      value.event === "rows"
    ) {
      return value as JobEvent;
    }
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
    case "error":
      return `✖ ${event.kind}${event.stage ? ` at ${stageLabel(event.stage)}` : ""}: ${event.message}`;
  }
}
