/**
 * The benchmark corpus: the real SpamAssassin corpus (the demo's data) scaled to N documents.
 *
 * Each synthetic document takes its class with the real class shares and its length from the real
 * distribution of message bodies (capped, so 2M documents stay a few GB), and is filled with whole lines
 * of real bodies: mostly of its own class, some of the other, so the task stays realistic rather than
 * trivially separable. Token statistics per class are therefore the real ones. Documents are single-line
 * (lines joined by spaces) because the seed reads its CSV without multiline support, and a single-line
 * CSV is what lets Spark split one file across cores.
 *
 * Deterministic for a seed; written once under bench/corpus/ and reused.
 */
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { labelOf, loadSpamAssassin } from "../src/data/spamAssassin.js";

/** Bump when the output for a given (documents, seed) changes, so cached files are not reused. */
export const GENERATOR_VERSION = 1;
/** Longest document, in characters of body text (the real bodies' median is ~1.2 KB, mean ~3.5 KB). */
export const MAX_DOCUMENT_CHARS = 3000;
/** Share of a document's lines drawn from the other class. */
export const OTHER_CLASS_LINE_SHARE = 0.2;

type Label = "ham" | "spam";

interface ClassPool {
  lines: string[];
  lengths: number[];
}

export interface CorpusFile {
  path: string;
  documents: number;
  seed: number;
  bytes: number;
  /** True when an earlier run had already written it. */
  reused: boolean;
  counts: Record<Label, number>;
}

/** The body of a raw message: everything after the first blank line (headers are mail metadata). */
function bodyOf(message: string): string {
  const normalized = message.replace(/\r\n/g, "\n");
  const start = normalized.indexOf("\n\n");
  return start < 0 ? normalized : normalized.slice(start + 2);
}

function pools(): { byLabel: Record<Label, ClassPool>; spamShare: number } {
  const byLabel: Record<Label, ClassPool> = {
    ham: { lines: [], lengths: [] },
    spam: { lines: [], lengths: [] },
  };
  const messages = loadSpamAssassin();
  for (const message of messages) {
    const pool = byLabel[labelOf(message.group)];
    const body = bodyOf(message.text);
    pool.lengths.push(Math.min(body.length, MAX_DOCUMENT_CHARS));
    for (const line of body.split("\n")) {
      const words = line.replace(/\s+/g, " ").trim();
      if (words) pool.lines.push(words);
    }
  }
  return { byLabel, spamShare: byLabel.spam.lengths.length / messages.length };
}

function csvField(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** Yields CSV lines (header first) of `documents` synthetic documents. */
export function* corpusLines(documents: number, seed: number): Generator<string> {
  const { byLabel, spamShare } = pools();
  const rng = xoroshiro128plus(seed);
  const pick = <T>(items: T[]): T => items[uniformInt(rng, 0, items.length - 1)] as T;
  yield "text,label";
  for (let i = 0; i < documents; i++) {
    const label: Label = uniformFloat64(rng) < spamShare ? "spam" : "ham";
    const own = byLabel[label];
    const other = byLabel[label === "spam" ? "ham" : "spam"];
    const target = pick(own.lengths);
    const parts: string[] = [];
    let length = 0;
    do {
      const pool = uniformFloat64(rng) < OTHER_CLASS_LINE_SHARE ? other : own;
      const line = pick(pool.lines);
      parts.push(line);
      length += line.length + 1;
    } while (length < target);
    yield `${csvField(parts.join(" "))},${label}`;
  }
}

export function corpusPath(dir: string, documents: number, seed: number): string {
  return path.join(dir, `spam-${documents}-seed${seed}-v${GENERATOR_VERSION}.csv`);
}

/** The corpus file for (documents, seed): reused when present, else written to a temporary name first. */
export async function ensureCorpus(dir: string, documents: number, seed: number): Promise<CorpusFile> {
  const file = corpusPath(dir, documents, seed);
  const sidecar = `${file}.json`;
  try {
    const described = JSON.parse(await readFile(sidecar, "utf8")) as CorpusFile;
    const { size } = await stat(file);
    if (size === described.bytes) return { ...described, path: file, reused: true };
  } catch {
    // Not written yet (or interrupted): write it below.
  }
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const counts: Record<Label, number> = { ham: 0, spam: 0 };
  const out = createWriteStream(tmp);
  try {
    let batch: string[] = [];
    const flush = async () => {
      if (!out.write(`${batch.join("\n")}\n`))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      batch = [];
    };
    for (const line of corpusLines(documents, seed)) {
      if (line.endsWith(",spam")) counts.spam++;
      else if (line.endsWith(",ham")) counts.ham++;
      batch.push(line);
      if (batch.length === 2000) await flush();
    }
    if (batch.length) await flush();
    out.end();
    await finished(out);
  } catch (error) {
    out.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
  const { size } = await stat(tmp);
  const described: CorpusFile = { path: file, documents, seed, bytes: size, reused: false, counts };
  await rename(tmp, file);
  await writeFile(sidecar, `${JSON.stringify({ ...described, generator: GENERATOR_VERSION }, null, 2)}\n`);
  return described;
}
