import { expect, it } from "vitest";
import { parseEventLine, renderJobLogLine, stageLabel } from "../../src/targets/local/events.js";

it.each([
  [
    '@@kindling {"event":"stage_start","stage":"load","ts":1}',
    { event: "stage_start", stage: "load", ts: 1 },
  ],
  [
    '@@kindling {"event":"stage_end","stage":"train:tfidf","seconds":2.5}',
    { event: "stage_end", stage: "train:tfidf", seconds: 2.5 },
  ],
  [
    '@@kindling {"event":"error","stage":"load","kind":"MissingColumn","message":"no"}',
    { event: "error", stage: "load", kind: "MissingColumn", message: "no" },
  ],
  ["plain log line", undefined],
  ['@@kindling {"event":"stage_st', undefined],
  ['@@kindling {"event":"other"}', undefined],
])("parses %s", (line, expected) => {
  expect(parseEventLine(line)).toEqual(expected);
});

it("labels stages for people", () => {
  expect(stageLabel("featurize:word2vec")).toBe("Featurize word2vec");
  expect(stageLabel("load")).toBe("Load");
});

it.each([
  ['@@kindling {"event":"stage_start","stage":"train:tfidf","ts":1}', "▶ Train tfidf"],
  ['@@kindling {"event":"stage_end","stage":"train:tfidf","seconds":95.2}', "✔ Train tfidf (1 min 35 s)"],
  [
    '@@kindling {"event":"rows","read":6046,"rejected":2,"null_dropped":1,"used":6043}',
    "  rows: 6,046 read, 2 rejected, 1 dropped for nulls, 6,043 used",
  ],
  [
    '@@kindling {"event":"error","stage":"load","kind":"InputNotFound","message":"no such file"}',
    "✖ InputNotFound at Load: no such file",
  ],
  ["Loaded 6046 rows", "Loaded 6046 rows"],
])("renders the job log line %s for people (kindling logs)", (line, shown) => {
  expect(renderJobLogLine(line)).toBe(shown);
});
