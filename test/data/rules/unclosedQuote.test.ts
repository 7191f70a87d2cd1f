import { describe, expect, it } from "vitest";
import { unclosedQuote } from "../../../src/data/csv/rules/unclosedQuote.js";
import { factsOf, settingsOf, where } from "./facts.js";

describe("unclosedQuote", () => {
  it("a quote never closed is an error where its record starts, naming the escape", () => {
    const facts = factsOf({
      parseError: { code: "CSV_QUOTE_NOT_CLOSED", message: "Quote Not Closed", line: 4 },
    });
    expect(unclosedQuote(facts, settingsOf({ escape: "\\" }), where)).toEqual([
      {
        severity: "error",
        code: "unclosed-quote",
        where: "d.csv:4",
        message:
          "a quote opened in the record starting here is never closed: the file ends inside a quoted field",
        fix: 'close the quote, or write a quote inside a quoted field as \\" (data.csv.escape is "\\\\")',
      },
    ]);
  });

  it("other parse errors, or none, are not its business", () => {
    const other = factsOf({ parseError: { code: "CSV_MAX_RECORD_SIZE", message: "too big", line: 4 } });
    expect(unclosedQuote(other, settingsOf(), where)).toEqual([]);
    expect(unclosedQuote(factsOf(), settingsOf(), where)).toEqual([]);
  });
});
