import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import type { Metrics } from "../../src/runs/metrics.js";
import { metricsTable } from "../../src/ui/metricsTable.js";

const metrics = JSON.parse(
  readFileSync(new URL("../fixtures/run-binary/metrics.json", import.meta.url), "utf8"),
) as Metrics;

it("prints every feature set, then the best set's figures per label", () => {
  const lines = metricsTable(metrics).split("\n");
  expect(lines.some((l) => /hashing_tf \*/.test(l))).toBe(true);
  const byLabel = lines.findIndex((l) => /hashing_tf by label/.test(l));
  expect(byLabel).toBeGreaterThan(0);
  const cells = (label: string) =>
    lines
      .slice(byLabel)
      .find((l) => l.includes(` ${label} `))
      ?.split("│")
      .map((c) => c.trim())
      .filter(Boolean);
  expect(cells("ham")).toEqual(["ham", "0.963", "0.951", "0.957", "82"]);
  expect(cells("spam")).toEqual(["spam", "0.882", "0.909", "0.896", "33"]);
});

it("leaves the label table out for a run from before metrics.json had it", () => {
  const old = structuredClone(metrics);
  for (const m of Object.values(old.feature_sets)) delete m.per_class;
  expect(metricsTable(old)).not.toMatch(/by label/);
});
