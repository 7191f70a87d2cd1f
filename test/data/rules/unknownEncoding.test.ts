import { describe, expect, it } from "vitest";
import { unknownEncoding } from "../../../src/data/csv/rules/unknownEncoding.js";
import { factsOf, settingsOf, where } from "./facts.js";

describe("unknownEncoding", () => {
  it("a charset Node cannot decode is warned about, on the config key", () => {
    expect(unknownEncoding(factsOf(), settingsOf({ encoding: "x-klingon" }), where)).toEqual([
      {
        severity: "warning",
        code: "encoding-unchecked",
        where: "data.csv.encoding",
        message:
          '"x-klingon" is not a character set this check knows; the file is checked as ISO-8859-1 (Spark uses Java\'s name for it)',
      },
    ]);
  });

  it.each(["UTF-8", "utf8", "ISO-8859-1", " windows-1252 "])("%j is known", (encoding) => {
    expect(unknownEncoding(factsOf(), settingsOf({ encoding }), where)).toEqual([]);
  });
});
