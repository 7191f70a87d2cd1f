import { describe, expect, it } from "vitest";
import { wrongDelimiter } from "../../../src/data/csv/rules/wrongDelimiter.js";
import { factsOf, headerOf, settingsOf, where } from "./facts.js";

describe("wrongDelimiter", () => {
  it("columns lost to another delimiter give one error saying which delimiter to set", () => {
    const facts = factsOf({ header: headerOf(["text;label"]), sample: "text;label\na;spam\nb;ham\n" });
    expect(wrongDelimiter(facts, settingsOf(), where)).toEqual([
      {
        severity: "error",
        code: "wrong-delimiter",
        where: "d.csv:1",
        message:
          'data.text: column "text" not found in the header; its columns are: text;label; the file seems to use ";" as delimiter, not "," (with it the header is: text, label)',
        fix: 'set data.csv.delimiter: ";"',
      },
    ]);
  });

  it("a missing column that no other delimiter explains is left to headerColumns", () => {
    const facts = factsOf({ header: headerOf(["body", "label"]), sample: "body,label\na,spam\n" });
    expect(wrongDelimiter(facts, settingsOf(), where)).toEqual([]);
  });

  it("a header that has the text column is fine", () => {
    expect(wrongDelimiter(factsOf(), settingsOf(), where)).toEqual([]);
  });
});
