import { writeFile } from "node:fs/promises";
import { stringify } from "csv-stringify/sync";
import { labelOf, loadSpamAssassin } from "../../src/data/spamAssassin.js";

/**
 * A deterministic slice of the real demo corpus: every `step`-th message, so both classes keep their
 * share. Returns the label counts so tests can compare them with what the run reports.
 */
export async function writeCorpusSlice(
  file: string,
  step: number,
): Promise<{ rows: number; labels: Record<string, number> }> {
  const rows = loadSpamAssassin()
    .filter((_, i) => i % step === 0)
    .map((m) => ({ text: m.text, label: labelOf(m.group) }));
  await writeFile(file, stringify(rows, { header: true, columns: ["text", "label"], quoted_string: true }));
  const labels: Record<string, number> = {};
  for (const r of rows) labels[r.label] = (labels[r.label] ?? 0) + 1;
  return { rows: rows.length, labels };
}

/**
 * A kindling.yaml for a quick real run on a corpus slice: one feature set (TF-IDF), one grid point, two
 * local cores and fixed partitions (so a split can be rebuilt); `spark` adds keys to the spark section.
 */
export function tfidfOnlyConfig(project: string, partitions: number, spark: string[] = []): string {
  return `project: ${project}
data:
  path: slice.csv
features:
  hashing_tf: {enabled: false}
  word2vec: {enabled: false}
train:
  grid: {max_iter: [10]}
spark:
${spark.map((line) => `  ${line}\n`).join("")}  master: local[2]
  partitions: ${partitions}
  conf:
    spark.ui.enabled: false
    spark.sql.shuffle.partitions: ${partitions}
`;
}
