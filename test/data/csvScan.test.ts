import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type CsvSettings, scanCsvFile } from "../../src/data/csvScan.js";
import { CSV_DEFAULTS } from "./rules/facts.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "kscan-"));

async function scan(name: string, content: string | Buffer, csv: Partial<CsvSettings> = {}) {
  const file = path.join(dir, name);
  writeFileSync(file, content);
  return scanCsvFile(file, name, { ...CSV_DEFAULTS, ...csv }, { text: "text", label: "label" });
}

const codesOf = async (name: string, content: string | Buffer, csv: Partial<CsvSettings> = {}) =>
  (await scan(name, content, csv)).findings.map((f) => f.code);

describe("scanCsvFile: a header that stops the scan is the only finding, not also 'no data rows'", () => {
  it("the label column is missing (the rows are there)", async () => {
    expect(await codesOf("no-label.csv", "text,category\nfree cash,spam\nlunch,ham\n")).toEqual([
      "missing-column",
    ]);
  });

  it("the label column is repeated", async () => {
    expect(await codesOf("two-labels.csv", "text,label,Label\nfree cash,spam,x\nlunch,ham,y\n")).toEqual([
      "duplicate-column",
    ]);
  });

  it("a header with no rows after it is still reported", async () => {
    expect(await codesOf("header-only.csv", "text,label\n")).toEqual(["header-only"]);
  });
});

describe("scanCsvFile", () => {
  it("a file the first bytes show is binary is not streamed: no other finding", async () => {
    const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x0a]);
    expect(await codesOf("sheet.csv", zip, { encoding: "x-klingon" })).toEqual(["binary-file"]);
  });

  it("counts rows, labels and malformed rows in one pass", async () => {
    const result = await scan("ok.csv", 'text,label\n"two\nlines",spam\nb,ham\nc,ham,x\n');
    expect(result).toMatchObject({
      columns: ["text", "label"],
      stats: {
        rows: 3,
        usable: 2,
        labels: new Map([
          ["spam", 1],
          ["ham", 1],
        ]),
      },
      malformed: { count: 1, examples: [{ line: 5, fields: 3 }] },
      multilineRecords: 1,
    });
  });

  it("an oversize field outside a well-formed row names no column", async () => {
    const header = await scan("long-header.csv", `text,label,${"x".repeat(50)}\na,spam,1\nb,ham,2\n`, {
      max_field_chars: 20,
    });
    expect(header.findings.map((f) => [f.where, f.message])).toEqual([
      [
        "long-header.csv:1",
        expect.stringMatching(/^a field has 50 characters, over data\.csv\.max_field_chars \(20\)/),
      ],
    ]);
    const row = await scan("long-row.csv", `text,label\nb,ham,${"x".repeat(50)}\na,spam\n`, {
      max_field_chars: 20,
    });
    expect(row.findings.find((f) => f.code === "field-too-large")?.message).toMatch(
      /^a field has 50 characters/,
    );
  });
});
