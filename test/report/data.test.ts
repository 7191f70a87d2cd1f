import { describe, expect, it } from "vitest";
import { renderCharts } from "../../src/report/charts.js";
import { buildReportData } from "../../src/report/data.js";
import { escapeHtml, renderReportHtml } from "../../src/report/html.js";
import { runSettings } from "../../src/report/settings.js";
import {
  formatBytes,
  formatDeltaPoints,
  formatDuration,
  formatInteger,
  formatPercent,
} from "../../src/ui/format.js";
import { clone, fixtureSources } from "./fixtures.js";

const META = { generatedAt: "2026-11-28T00:00:00.000Z", kindlingVersion: "0.1.0" };

describe("report data", () => {
  it("matches the golden file (timestamps removed)", async () => {
    const data = buildReportData(await fixtureSources());
    const { createdAt: _c, finishedAt: _f, ...run } = data.run;
    await expect(`${JSON.stringify({ ...data, run }, null, 2)}\n`).toMatchFileSnapshot(
      "./__snapshots__/report-data.golden.json",
    );
  });

  it("says what a person looks for first", async () => {
    const data = buildReportData(await fixtureSources());
    expect(data.headline).toMatchObject({
      bestFeatureSet: "hashing_tf",
      labelColumn: "label",
      labels: ["ham", "spam"],
      rowsUsed: 404,
      inputName: "spam-assassin.csv",
      cost: null,
    });
    expect(data.featureSets.filter((f) => f.best).map((f) => f.name)).toEqual(["hashing_tf"]);
    expect(data.curves?.positiveLabel).toBe("spam");
    // The seed's settings make HashingTF and TF-IDF one model: the report says so, and why.
    expect(data.identical).toEqual([
      expect.stringMatching(/^hashing_tf and tfidf predicted the same label for every test row: IDF scales/),
    ]);
    const html = renderReportHtml(data, await renderCharts(data), META);
    expect(html).toContain('<p class="note identical">hashing_tf and tfidf predicted the same label');
    expect(data.perClass.map((t) => t.featureSet)).toEqual(["hashing_tf", "tfidf", "word2vec"]);
    expect(data.perClass[0]?.rows.map((c) => [c.label, c.support])).toEqual([
      ["ham", 82],
      ["spam", 33],
    ]);
    expect(data.data.rejected).toBe(0);
    // One chart point per metric and feature set (AUC included: binary).
    expect(data.metricPoints).toHaveLength(15);
    // Confusion shares are per actual row.
    for (const m of data.confusion) {
      for (const label of m.labels) {
        const row = m.cells.filter((c) => c.actual === label);
        expect(row.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1);
      }
    }
    // Only max_iter varies in the grid, so it alone labels the grid points; one chosen per feature set.
    expect(new Set(data.cv.map((c) => c.params))).toEqual(
      new Set(["max_iter=10", "max_iter=15", "max_iter=20"]),
    );
    expect(data.cv.filter((c) => c.chosen).map((c) => c.featureSet)).toEqual([
      "hashing_tf",
      "tfidf",
      "word2vec",
    ]);
  });

  it("has no curves for more than two labels, and no rejected row count when the job did not report one", async () => {
    const sources = clone(await fixtureSources());
    const metrics = sources.metrics;
    if (!metrics) throw new Error("fixture has metrics");
    for (const m of Object.values(metrics.feature_sets)) {
      m.curves = null;
      m.area_under_roc = null;
    }
    delete (sources.manifest.rows as { rejected?: number }).rejected;
    const data = buildReportData(sources);
    expect(data.curves).toBeNull();
    expect(data.data.rejected).toBeNull();
    expect(data.metricPoints.map((p) => p.metric)).not.toContain("AUC");
  });

  it("describes a failed run that never wrote metrics", async () => {
    const sources = clone(await fixtureSources());
    sources.metrics = undefined;
    sources.complete = false;
    sources.manifest.status = "failed";
    sources.manifest.failure = {
      stage: "prepare",
      kind: "SingleClass",
      message: "label column 'label' has 1 distinct value",
    };
    const data = buildReportData(sources);
    expect(data.run.status).toBe("failed");
    expect(data.featureSets).toEqual([]);
    const html = renderReportHtml(data, await renderCharts(data), META);
    expect(html).toContain("The run failed in stage prepare");
    expect(html).toContain("SingleClass");
  });
});

describe("report HTML", () => {
  it("says where the time went, and that stages ran at the same time when they add up to more than the run", async () => {
    const sources = clone(await fixtureSources());
    sources.manifest.stages = [
      { name: "prepare", seconds: 20 },
      { name: "train:hashing_tf", seconds: 40 },
      { name: "featurize:word2vec", seconds: 50 },
    ];
    sources.manifest.duration_seconds = 100;
    const render = async () => {
      const data = buildReportData(sources);
      return renderReportHtml(data, await renderCharts(data), META);
    };
    expect(await render()).toContain(
      "1 min 50 s in the job's stages, some of them at the same time, within 1 min 40 s in all.",
    );
    sources.manifest.duration_seconds = 130;
    expect(await render()).toContain(
      "1 min 50 s in the job's stages of 2 min 10 s in all (the rest is starting Spark, packaging and checks).",
    );
  });

  it("escapes every string that comes from the run", async () => {
    const sources = clone(await fixtureSources());
    const evil = `<img src=x onerror="alert(1)">&`;
    const metrics = sources.metrics;
    if (!metrics) throw new Error("fixture has metrics");
    metrics.label_values = ["ham", evil];
    for (const m of Object.values(metrics.feature_sets)) {
      m.confusion_matrix.labels = ["ham", evil];
      if (m.curves) m.curves.positive_label = evil;
    }
    sources.manifest.class_balance = { ham: 277, [evil]: 127 };
    sources.manifest.null_counts = { [evil]: 1 };
    sources.spec.input.text_column = `</code><script>x()</script>`;
    sources.manifest.input.uri = "file:///data/%3Cscript%3E.csv";
    const data = buildReportData(sources);
    const html = renderReportHtml(data, await renderCharts(data), META);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;img src=x onerror=");
    expect(html).toContain("&lt;/code&gt;&lt;script&gt;");
  });

  it("is self-contained: charts are inline SVG, nothing is fetched, every chart id is unique", async () => {
    const data = buildReportData(await fixtureSources());
    const warnings: string[] = [];
    const charts = await renderCharts(data, (w) => warnings.push(w));
    const html = renderReportHtml(data, charts, META);
    expect(warnings).toEqual([]);
    expect(html.match(/<svg\b/g)).toHaveLength(1 + 3 + 2 + 1 + 1 + 1); // metrics, confusion ×3, ROC, PR, CV, balance, time
    expect(html).not.toMatch(/<script|<link|<img|@import|src=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/); // only SVG namespace URIs
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(html).toContain("@media print");
  });
});

describe("formatting for people", () => {
  it.each([
    [formatInteger(6046), "6,046"],
    [formatPercent(0.97314), "97.3%"],
    [formatDeltaPoints(0.0123), "+1.2 pts"],
    [formatDeltaPoints(-0.004), "-0.4 pts"],
    [formatDuration(12.34), "12.3 s"],
    [formatDuration(95), "1 min 35 s"],
    [formatDuration(4000), "1 h 7 min"],
    [formatBytes(13_421_772), "12.8 MiB"],
    [formatBytes(512), "512 bytes"],
    [formatPercent(null), "—"],
  ])("%s = %s", (actual, expected) => {
    expect(actual).toBe(expected);
  });

  it("escapes the five HTML specials", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});

describe("a run's settings", () => {
  it("are named by the config keys users write, and leave out the run's identity and where it wrote", async () => {
    const { spec } = await fixtureSources();
    const flat = new Map(runSettings(spec));
    expect(flat.get("features.tfidf.num_features")).toBe("250");
    expect(flat.get("features.word2vec.enabled")).toBe("true");
    expect(flat.get("train.grid.max_iter")).toBe("[10, 15, 20]");
    expect(flat.get("train.folds")).toBe("2");
    expect(flat.get("data.csv.delimiter")).toBe(JSON.stringify(","));
    expect(flat.get("text.clean[1].pattern")).toBe(JSON.stringify("[^A-Za-z ]"));
    expect(flat.get("text.clean[1].replace")).toBe(JSON.stringify(""));
    expect(flat.get("text.stop_words")).toBe(JSON.stringify("english"));
    const keys = [...flat.keys()];
    expect(keys.some((k) => /^(run|input|training|feature_sets)\b/.test(k) || k.includes("uri"))).toBe(false);
  });

  it("a disabled feature set is `enabled: false`; `auto` reads back as auto", async () => {
    const { spec } = await fixtureSources();
    const flat = new Map(
      runSettings({
        ...spec,
        feature_sets: spec.feature_sets.filter((f) => f.kind !== "tfidf"),
        training: { ...spec.training, cv: { ...spec.training.cv, parallelism: null } },
      }),
    );
    expect(flat.get("features.tfidf.enabled")).toBe("false");
    expect(flat.has("features.tfidf.num_features")).toBe(false);
    expect(flat.get("train.parallelism")).toBe(JSON.stringify("auto"));
  });
});
