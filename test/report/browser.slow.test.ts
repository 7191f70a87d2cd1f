import { existsSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareRuns } from "../../src/report/compare.js";
import { renderComparisonHtml } from "../../src/report/compareHtml.js";
import { writeReport } from "../../src/report/write.js";
import { ROOT } from "../helpers/cli.js";
import { clone, copyFixtureRun, fixtureSources } from "./fixtures.js";

/**
 * The report of the fixture run in Debian's headless Chromium (`apt-get install chromium`; playwright-core
 * drives it, nothing is downloaded). The flags keep Chromium off the network, which this machine does not
 * have: only file:// requests are allowed, and any other request fails the test.
 */
const CHROMIUM = process.env.KINDLING_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = path.join(ROOT, "test-results");
/** Evaluated in the page (a string: the test code is type-checked without the DOM library). */
const HORIZONTAL_OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth";

let context: BrowserContext;

/** What a page must not do: log an error or warning, throw, or request anything but its own file. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith("file://")) problems.push(`request: ${r.url()}`);
  });
  return problems;
}
let report: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set KINDLING_CHROMIUM`,
    );
  }
  ({ file: report } = await writeReport(await copyFixtureRun(), {
    now: () => new Date("2026-11-28T00:00:00Z"),
  }));
  await mkdir(ARTIFACTS, { recursive: true });
  context = await chromium.launchPersistentContext(await mkdtemp(path.join(os.tmpdir(), "kchromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
});

afterAll(async () => {
  await context?.close();
});

describe("report.html in Chromium", () => {
  it("renders every section and chart with no console error and no request off the file", async () => {
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(pathToFileURL(report).href, { waitUntil: "load" });

    expect(problems).toEqual([]);
    expect(await page.title()).toBe("Kindling report · spam · 20261127-231500-spam-7f3a");
    const sections = await page.locator("main > section[id]").evaluateAll((s) => s.map((e) => e.id));
    expect(sections).toEqual([
      "metrics",
      "confusion",
      "classes",
      "curves",
      "cv",
      "data",
      "time",
      "provenance",
    ]);
    // Each label's precision, recall, F1 and support, per feature set, as metrics.json has them.
    expect(await page.locator("#classes table").count()).toBe(3);
    expect(
      await page
        .locator("#classes table")
        .first()
        .locator("tbody tr")
        .evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent))),
    ).toEqual([
      ["ham", "0.963", "0.951", "0.957", "82"],
      ["spam", "0.882", "0.909", "0.896", "33"],
    ]);
    expect(await page.locator("#metrics svg").count()).toBe(1);
    expect(await page.locator("#confusion svg").count()).toBe(3);
    expect(await page.locator("#curves svg").count()).toBe(2);
    expect(await page.locator("#cv svg, #data svg, #time svg").count()).toBe(3);
    // The charts drew something: ROC lines, heatmap cells, their labels.
    expect(
      await page.locator("#curves svg path.mark-line, #curves svg g.mark-line path").count(),
    ).toBeGreaterThan(0);
    expect(await page.locator("#confusion svg g.mark-rect path").count()).toBeGreaterThanOrEqual(12);
    expect(await page.locator(".headline .card-value").first().textContent()).toBe("hashing_tf");
    // Nothing wider than a laptop screen.
    const overflow = (await page.evaluate(HORIZONTAL_OVERFLOW)) as number;
    expect(overflow).toBeLessThanOrEqual(0);

    await page.screenshot({ path: path.join(ARTIFACTS, "report.png"), fullPage: true });
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ path: path.join(ARTIFACTS, "report.pdf"), format: "A4" });
    expect(pdf.length).toBeGreaterThan(10_000);
    await page.close();
  });

  it("fits a phone-sized screen without sideways scrolling", async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(pathToFileURL(report).href);
    const overflow = (await page.evaluate(HORIZONTAL_OVERFLOW)) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, "report-phone.png"), fullPage: true });
    await page.close();
  });
});

describe("the comparison page in Chromium", () => {
  let page: string;
  beforeAll(async () => {
    const a = await fixtureSources();
    const runs = [250, 1000, 4000].map((n, i) => {
      const run = clone(a);
      run.manifest.run_id = `20261128-09000${i}-spam-0b0${i}`;
      run.manifest.tags = { sweep: `num_features=${n}` };
      const set = run.spec.feature_sets.find((f) => f.name === "tfidf");
      if (set?.kind !== "tfidf" || !run.metrics?.feature_sets.tfidf) throw new Error("fixture has tfidf");
      set.num_features = n;
      run.metrics.feature_sets.tfidf.accuracy = [0.9, 0.95, 0.93][i] as number;
      return run;
    });
    const html = await renderComparisonHtml(compareRuns(runs), {
      generatedAt: "2026-11-28T00:00:00Z",
      kindlingVersion: "test",
    });
    page = path.join(await mkdtemp(path.join(os.tmpdir(), "kcompare-")), "compare.html");
    await writeFile(page, html);
  });

  it("shows the runs, one chart per metric with every run's point, the best marked, and the settings", async () => {
    const tab = await context.newPage();
    const problems = watchProblems(tab);
    await tab.goto(pathToFileURL(page).href, { waitUntil: "load" });
    expect(problems).toEqual([]);
    expect(await tab.title()).toBe("Kindling comparison · 3 runs");
    expect(await tab.locator("main > section[id]").evaluateAll((s) => s.map((e) => e.id))).toEqual([
      "runs",
      "metrics",
      "settings",
    ]);
    expect(await tab.locator("#runs tbody tr").count()).toBe(3);
    // Six metrics (five test metrics and CV), each a chart with 3 models × 3 runs points.
    const charts = tab.locator("#metrics figure.chart svg");
    expect(await charts.count()).toBe(6);
    expect(await charts.first().locator("g.mark-symbol.role-mark path").count()).toBe(9);
    const accuracy = tab
      .locator("table.compare tbody tr", { hasText: "tfidf" })
      .filter({ hasText: "Accuracy" });
    expect(
      await accuracy.locator("td.num").evaluateAll((cells) => cells.map((c) => c.textContent?.trim())),
    ).toEqual(["90.0%", "95.0% best+5.0 pts", "93.0%+3.0 pts"]);
    expect(
      await tab.locator("#settings tbody tr").evaluateAll((rows) => rows.map((r) => r.textContent?.trim())),
    ).toEqual(["features.tfidf.num_features25010004000"]);
    expect((await tab.evaluate(HORIZONTAL_OVERFLOW)) as number).toBeLessThanOrEqual(0);
    await tab.screenshot({ path: path.join(ARTIFACTS, "compare.png"), fullPage: true });
    await tab.setViewportSize({ width: 390, height: 800 });
    expect((await tab.evaluate(HORIZONTAL_OVERFLOW)) as number).toBeLessThanOrEqual(0);
    await tab.close();
  });
});
