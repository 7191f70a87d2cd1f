import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { TextDecoder } from "node:util";
import { createGunzip } from "node:zlib";

const HEAD_BYTES = 64 * 1024;

export function openBytes(file: string, gzip: boolean): Readable {
  const raw = createReadStream(file, { highWaterMark: 1024 * 1024 });
  return gzip ? raw.pipe(createGunzip()) : raw;
}

/** The first 64 KiB (decompressed for *.gz); undefined when a *.gz file is not gzip-compressed. */
export async function readFirstBytes(file: string, gzip: boolean): Promise<Buffer | undefined> {
  if (!gzip) {
    const handle = await open(file, "r");
    try {
      const buf = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await handle.read(buf, 0, HEAD_BYTES, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
  const stream = openBytes(file, true);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= HEAD_BYTES) break;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "Z_DATA_ERROR") return undefined;
    throw error;
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, HEAD_BYTES);
}

/** A decoder for the configured charset; undefined when Node does not know it. */
export function decoderFor(encoding: string): TextDecoder | undefined {
  try {
    return new TextDecoder(encoding.trim(), { fatal: false });
  } catch {
    return undefined;
  }
}

export async function* decode(source: AsyncIterable<Buffer>, decoder: TextDecoder): AsyncGenerator<string> {
  for await (const chunk of source) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}
