import path from "node:path";
import { describe, expect, it } from "vitest";
import { localPathOf } from "../../src/runs/remote.js";

describe("localPathOf: where a key of a shared run lands when pulled", () => {
  const dir = path.join("/tmp", "run");
  it.each([
    ["metrics.json", path.join(dir, "metrics.json")],
    ["models/tfidf/metadata/part-00000", path.join(dir, "models", "tfidf", "metadata", "part-00000")],
  ])("%s → inside the run", (key, expected) => {
    expect(localPathOf(dir, key)).toBe(expected);
  });

  it.each([
    ["./_SUCCESS"],
    ["_SUCCESS"],
    ["models/../../etc/passwd"],
    ["models//x"],
    ["models/..\\..\\..\\Users\\me\\x.bat"],
    ["c:/windows/x"],
    ["code/entry.py"],
    ["models/"],
    ["models_$folder$"],
    [""],
  ])("%j stays behind", (key) => {
    expect(localPathOf(dir, key)).toBeUndefined();
  });
});
