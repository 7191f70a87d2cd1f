import { describe, expect, it } from "vitest";
import { corpusLines, MAX_DOCUMENT_CHARS } from "../../bench/corpus.js";

const documents = (n: number, seed: number) => [...corpusLines(n, seed)].slice(1);

describe("benchmark corpus generator", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    expect(documents(300, 7)).toEqual(documents(300, 7));
    expect(documents(300, 8)).not.toEqual(documents(300, 7));
  });

  it("writes a text,label CSV of single-line quoted documents", () => {
    const lines = [...corpusLines(500, 7)];
    expect(lines[0]).toBe("text,label");
    expect(lines).toHaveLength(501);
    for (const line of lines.slice(1)) {
      expect(line).not.toMatch(/[\r\n]/);
      expect(line).toMatch(/^"(?:[^"]|"")*",(ham|spam)$/);
    }
  });

  it("keeps the real corpus's class shares and bounded, non-trivial lengths", () => {
    const docs = documents(4000, 11);
    const spam = docs.filter((d) => d.endsWith(",spam")).length / docs.length;
    expect(spam).toBeGreaterThan(1896 / 6046 - 0.03); // the real corpus: 1,896 spam of 6,046
    expect(spam).toBeLessThan(1896 / 6046 + 0.03);
    const lengths = docs.map((d) => d.length).sort((a, b) => a - b);
    expect(lengths[Math.floor(lengths.length / 2)]).toBeGreaterThan(200);
    // A document stops at the first line that reaches its target length: one line past the cap at most.
    expect(lengths.filter((l) => l > MAX_DOCUMENT_CHARS * 3).length).toBeLessThan(docs.length / 100);
  });
});
