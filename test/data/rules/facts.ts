import type { CsvFacts, HeadFacts } from "../../../src/data/csv/facts.js";
import { type CsvSettings, type RuleSettings, whereIn } from "../../../src/data/csv/rule.js";
import { newRowStats } from "../../../src/data/labels.js";

/** Facts and settings for rule tests: a clean two-row `text,label` file read with the config defaults. */

export const where = whereIn("d.csv");

/** data.csv as the config defaults it. */
export const CSV_DEFAULTS: CsvSettings = {
  header: true,
  delimiter: ",",
  quote: '"',
  escape: '"',
  multiline: true,
  encoding: "UTF-8",
  max_field_chars: 10_000_000,
};

export function settingsOf(
  csv: Partial<CsvSettings> = {},
  wanted = { text: "text", label: "label" },
): RuleSettings {
  return { csv: { ...CSV_DEFAULTS, ...csv }, wanted };
}

export function headOf(overrides: Partial<HeadFacts> = {}): HeadFacts {
  return { gzip: false, head: { bom: undefined, magic: undefined, lineEnding: "\n" }, ...overrides };
}

export function factsOf(overrides: Partial<CsvFacts> = {}): CsvFacts {
  const stats = newRowStats();
  stats.rows = 2;
  stats.usable = 2;
  stats.labels.set("spam", 1).set("ham", 1);
  return {
    gzip: false,
    head: { bom: undefined, magic: undefined, lineEnding: "\n" },
    sample: "text,label\nfree cash,spam\nlunch,ham\n",
    bytes: { bytes: 36, lines: 3, crlf: 0, lf: 3, nul: undefined, badUtf8: undefined },
    header: { line: 1, names: ["text", "label"], columns: ["text", "label"] },
    stoppedAtHeader: false,
    stats,
    malformed: { count: 0, examples: [] },
    multiline: undefined,
    unquotedBreak: undefined,
    oversize: undefined,
    parseError: undefined,
    ...overrides,
  };
}

/** A header as the scan records it: the names as written and as Spark names them. */
export function headerOf(names: string[], columns = names, line = 1) {
  return { line, names, columns };
}
