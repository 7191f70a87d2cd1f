import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BODY_RULES, checkBody, checkHead, HEAD_RULES } from "../../../src/data/csv/rules/registry.js";
import { newRowStats } from "../../../src/data/labels.js";
import { factsOf, headerOf, headOf, settingsOf, where } from "./facts.js";

const codes = (findings: ReadonlyArray<{ code: string }>) => findings.map((f) => f.code);

const RULES_DIR = path.join(import.meta.dirname, "../../../src/data/csv/rules");

describe("the rule registry", () => {
  it("lists every rule module once", async () => {
    const files = readdirSync(RULES_DIR).filter((f) => f.endsWith(".ts") && f !== "registry.ts");
    const registered = [...HEAD_RULES, ...BODY_RULES];
    for (const file of files) {
      const name = path.basename(file, ".ts");
      const module = await import(path.join(RULES_DIR, file));
      expect(
        registered.filter((rule) => rule === module[name]),
        file,
      ).toHaveLength(1);
    }
    expect(registered).toHaveLength(files.length);
  });

  it("a clean file gives no finding", () => {
    expect(checkHead(headOf(), settingsOf(), where)).toEqual([]);
    expect(checkBody(factsOf(), settingsOf(), where)).toEqual([]);
  });

  it("the first bytes: a *.gz file that does not decompress is the only finding", () => {
    expect(codes(checkHead(headOf({ gzip: true, head: undefined }), settingsOf(), where))).toEqual([
      "not-gzip",
    ]);
  });

  it("reports in rule order: encoding warning, header, line endings, then what spans lines", () => {
    const facts = factsOf({
      header: headerOf(["text", "label", "id", "id"], ["text", "label", "id2", "id3"]),
      head: { bom: undefined, magic: undefined, lineEnding: "\r\n" },
      bytes: { bytes: 40, lines: 3, crlf: 3, lf: 0, nul: undefined, badUtf8: undefined },
      multiline: { records: 1, line: 2 },
    });
    expect(codes(checkBody(facts, settingsOf({ encoding: "x-klingon" }), where))).toEqual([
      "encoding-unchecked",
      "duplicate-column",
      "crlf",
      "multiline",
    ]);
  });

  it("a NUL byte ends the check: the rules after it would describe binary noise", () => {
    const facts = factsOf({
      header: headerOf(["text", "category"]),
      stoppedAtHeader: true,
      stats: newRowStats(),
    });
    facts.bytes.nul = { line: 2, offset: 5 };
    facts.bytes.badUtf8 = { line: 2, offset: 6, bytes: "0xff", count: 1 };
    expect(codes(checkBody(facts, settingsOf(), where))).toEqual(["missing-column", "binary-file"]);
  });

  it("a header without the label column is one finding, not also 'no data rows'", () => {
    const facts = factsOf({
      header: headerOf(["text", "category"]),
      stoppedAtHeader: true,
      stats: newRowStats(),
    });
    expect(codes(checkBody(facts, settingsOf(), where))).toEqual(["missing-column"]);
  });
});
