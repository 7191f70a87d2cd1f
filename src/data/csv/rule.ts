import type { WantedColumns } from "../columns.js";
import type { DataFinding } from "../findings.js";
import type { CsvFacts, HeadFacts } from "./facts.js";

/** The CSV settings of the config (data.csv). */
export interface CsvSettings {
  header: boolean;
  delimiter: string;
  quote: string;
  escape: string;
  multiline: boolean;
  encoding: string;
  max_field_chars: number;
}

/** What the facts are judged against: the configured dialect and the columns the job needs. */
export interface RuleSettings {
  csv: CsvSettings;
  wanted: WantedColumns;
}

/** How a finding names its place: the file as shown, or a line in it. */
export interface Where {
  file: string;
  line(n: number): string;
}

export function whereIn(display: string): Where {
  return { file: display, line: (n) => `${display}:${n}` };
}

/** One check: pure, it only reads the facts and says what is wrong (or notable) about them. */
export type Rule<F> = (facts: F, settings: RuleSettings, where: Where) => DataFinding[];
export type HeadRule = Rule<HeadFacts>;
export type CsvRule = Rule<CsvFacts>;
