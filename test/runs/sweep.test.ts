import { describe, expect, it } from "vitest";
import { combinations, parseAxis } from "../../src/runs/sweep.js";

describe("sweep axes", () => {
  it("splits values at top-level commas only", () => {
    expect(parseAxis("features.tfidf.num_features=250,1000,4000")).toEqual({
      key: "features.tfidf.num_features",
      values: ["250", "1000", "4000"],
    });
    expect(parseAxis("train.grid.reg_param=[0, 0.1],[0.01]").values).toEqual(["[0, 0.1]", "[0.01]"]);
    expect(parseAxis('data.text="a,b",c').values).toEqual(['"a,b"', "c"]);
  });

  it("refuses an axis without values, an empty value or a value twice", () => {
    expect(() => parseAxis("train.folds")).toThrow(/expected key\.path=value1,value2/);
    expect(() => parseAxis("train.folds=2,,3")).toThrow(/empty value/);
    expect(() => parseAxis("train.folds=2,2")).toThrow(/listed twice/);
  });

  it("makes every combination, the first axis slowest, as --set overrides", () => {
    const combos = combinations([parseAxis("train.folds=2,3"), parseAxis("train.grid.reg_param=0,0.01")]);
    expect(combos.map((c) => c.map((o) => o.argument))).toEqual([
      ["--set train.folds=2", "--set train.grid.reg_param=0"],
      ["--set train.folds=2", "--set train.grid.reg_param=0.01"],
      ["--set train.folds=3", "--set train.grid.reg_param=0"],
      ["--set train.folds=3", "--set train.grid.reg_param=0.01"],
    ]);
    expect(combos[1]?.[1]?.value).toEqual([0.01]);
    expect(() => combinations([parseAxis("train.folds=2"), parseAxis("train.folds=3")])).toThrow(
      /given twice/,
    );
  });
});
