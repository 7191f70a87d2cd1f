import { describe, expect, it } from "vitest";
import { mergedLines } from "../../../src/data/csv/rules/mergedLines.js";
import { factsOf, settingsOf, where } from "./facts.js";

const crlfFirst = factsOf({
  head: { bom: undefined, magic: undefined, lineEnding: "\r\n" },
  unquotedBreak: 3,
});

describe("mergedLines", () => {
  it("with multiline: true, a line not ending like the first is an error naming both endings", () => {
    expect(mergedLines(crlfFirst, settingsOf({ multiline: true }), where)).toEqual([
      {
        severity: "error",
        code: "mixed-line-endings",
        where: "d.csv:3",
        message:
          "line endings are mixed: the first line ends with CRLF (Windows) but this one does not; with data.csv.multiline: true Spark ends records only where the first line ends, so it merges this line into its neighbour",
        fix: "convert the file to one line ending (e.g. `dos2unix FILE`), or set data.csv.multiline: false if no quoted field spans lines",
      },
    ]);
  });

  it("names an LF first line as LF", () => {
    const lfFirst = factsOf({ unquotedBreak: 2 });
    expect(mergedLines(lfFirst, settingsOf(), where)[0]?.message).toMatch(
      /^line endings are mixed: the first line ends with LF but/,
    );
  });

  it("with multiline: false Spark splits on any ending; with one ending there is nothing to merge", () => {
    expect(mergedLines(crlfFirst, settingsOf({ multiline: false }), where)).toEqual([]);
    expect(mergedLines(factsOf(), settingsOf({ multiline: true }), where)).toEqual([]);
  });
});
