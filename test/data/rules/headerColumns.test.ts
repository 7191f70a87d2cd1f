import { describe, expect, it } from "vitest";
import { headerColumns } from "../../../src/data/csv/rules/headerColumns.js";
import { factsOf, headerOf, settingsOf, where } from "./facts.js";

describe("headerColumns", () => {
  it("a missing label column is an error on the header's line, listing the columns there are", () => {
    const facts = factsOf({ header: headerOf(["text", "category"]), stoppedAtHeader: true });
    expect(headerColumns(facts, settingsOf(), where)).toEqual([
      {
        severity: "error",
        code: "missing-column",
        where: "d.csv:1",
        message: 'data.label: column "label" not found in the header; its columns are: text, category',
        fix: "set data.label to the name of the label column",
      },
    ]);
  });

  it("a repeated needed column is an error; a repeated other column a warning", () => {
    const twice = factsOf({ header: headerOf(["text", "label", "Label"], ["text", "label1", "Label2"]) });
    expect(headerColumns(twice, settingsOf(), where).map((f) => [f.severity, f.code])).toEqual([
      ["error", "duplicate-column"],
    ]);
    const other = factsOf({
      header: headerOf(["text", "label", "id", "id"], ["text", "label", "id2", "id3"]),
    });
    expect(headerColumns(other, settingsOf(), where).map((f) => [f.severity, f.code])).toEqual([
      ["warning", "duplicate-column"],
    ]);
  });

  it("leaves columns lost to a wrong delimiter to wrongDelimiter", () => {
    const facts = factsOf({ header: headerOf(["text;label"]), sample: "text;label\na;spam\nb;ham\n" });
    expect(headerColumns(facts, settingsOf(), where)).toEqual([]);
  });

  it("a header with the needed columns, or no header at all, is fine", () => {
    expect(headerColumns(factsOf(), settingsOf(), where)).toEqual([]);
    expect(headerColumns(factsOf({ header: undefined }), settingsOf(), where)).toEqual([]);
  });
});
