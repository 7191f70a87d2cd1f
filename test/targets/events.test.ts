import { expect, it } from "vitest";
import { parseEventLine, stageLabel } from "../../src/targets/local/events.js";

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
