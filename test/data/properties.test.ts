import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "csv-stringify/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { inspectData, validateData } from "../../src/data/validate.js";
import { KindlingError } from "../../src/errors.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "kprop-"));
let n = 0;

function write(content: string | Uint8Array): string {
  const file = path.join(dir, `f${n++}.csv`);
  writeFileSync(file, content);
  return file;
}

const dataOf = (file: string, csv: string) =>
  parseConfig(`data:\n  path: ${JSON.stringify(file)}\n  csv: ${csv}\n`, "k.yaml").data;

const options = fc.record({
  header: fc.boolean(),
  multiline: fc.boolean(),
  delimiter: fc.constantFrom(",", ";", "\t", "|"),
});
const csvOf = (o: { header: boolean; multiline: boolean; delimiter: string }) =>
  `{ header: ${o.header}, multiline: ${o.multiline}, delimiter: ${JSON.stringify(o.delimiter)} }`;

/** Pieces that make CSV hard: quotes, delimiters, line breaks of every kind, BOMs, non-ASCII. */
const piece = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('"', '""', ",", ";", "\t", "\n", "\r\n", "\r", "\uFEFF", "é", "💥", "text", "label", " "),
);
const line = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(""));

function checkReport(findings: ReadonlyArray<{ where: string; message: string }>) {
  for (const f of findings) {
    expect(f.where.length).toBeGreaterThan(0);
    expect(f.message.length).toBeGreaterThan(0);
  }
}

describe("CSV shapes (property): a report or a clear KindlingError, never a crash", () => {
  it("any lines of awkward pieces, with any dialect", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 12 }), options, async (lines, o) => {
        const file = write(lines.join("\n"));
        const report = await inspectData(dataOf(file, csvOf(o)), { baseDir: dir });
        checkReport(report.findings);
        await validateData(dataOf(file, csvOf(o)), { baseDir: dir }).catch((e) => {
          expect(e).toBeInstanceOf(KindlingError);
          expect(e.exitCode).toBe(2);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("any bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        const report = await inspectData(dataOf(write(bytes), "{}"), { baseDir: dir });
        checkReport(report.findings);
      }),
      { numRuns: 200 },
    );
  });

  it("a well-formed CSV is read exactly: every row, no malformed row, the class counts", async () => {
    const text = fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 30 })
      .filter((t) => !t.includes("\u0000"));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ text, label: fc.constantFrom("spam", "ham", "news") }), {
          minLength: 2,
          maxLength: 30,
        }),
        async (rows) => {
          fc.pre(new Set(rows.map((r) => r.label)).size >= 2);
          const file = write(stringify(rows, { header: true, columns: ["text", "label"], quoted: true }));
          const report = await validateData(dataOf(file, "{}"), { baseDir: dir });
          expect(report.rows).toBe(rows.length);
          expect(report.malformed).toBe(0);
          const counts: Record<string, number> = {};
          for (const r of rows) counts[r.label] = (counts[r.label] ?? 0) + 1;
          expect(report.labels).toEqual(counts);
        },
      ),
      { numRuns: 150 },
    );
  });
});
