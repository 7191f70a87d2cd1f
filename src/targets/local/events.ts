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
