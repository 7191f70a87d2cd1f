import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { validateData } from "../../src/data/validate.js";
import { UsageError } from "../../src/errors.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kinspect-"));
});

const dataOf = (yaml: string) => parseConfig(yaml, "k.yaml").data;

/** The input checks `kindling validate` and `run` make, on a file at a known path. */
const checkInput = (file: string, data: Config["data"]) =>
  validateData({ ...data, path: file }, { baseDir: path.dirname(file) });

describe("validateData on a local file", () => {
  it("accepts a CSV naming the configured columns (quoted header, BOM)", async () => {
    const file = path.join(dir, "ok.csv");
    await writeFile(file, '\uFEFF"review","sentiment"\n"good, really",positive\n"bad",negative\n');
    const { columns } = await checkInput(
      file,
      dataOf("data: { path: ok.csv, text: review, label: sentiment }"),
    );
    expect(columns).toEqual(["review", "sentiment"]);
  });

  it("names the missing column, the config key and the columns that exist", async () => {
    const file = path.join(dir, "cols.csv");
    await writeFile(file, "body,label\nhello,spam\nbye,ham\n");
    const error = await checkInput(file, dataOf("data: { path: cols.csv }")).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(/data\.text: column "text" not found .*its columns are: body, label/);
  });

  it("rejects a missing file and an empty file", async () => {
    await expect(checkInput(path.join(dir, "nope.csv"), dataOf("data: { path: nope.csv }"))).rejects.toThrow(
      /input file not found/,
    );
    const empty = path.join(dir, "empty.csv");
    await writeFile(empty, "");
    await expect(checkInput(empty, dataOf("data: { path: empty.csv }"))).rejects.toThrow(/is empty/);
  });
});
