import type { TopLevelSpec } from "vega-lite";
import type { ReportData } from "./data.js";
import { METRIC_LABELS, METRIC_NAMES } from "./data.js";

/**
 * Vega-Lite specs for the report's charts (pure), and their rendering to SVG at build time, so the HTML
 * needs no script, no network and no canvas. User strings (labels, feature set names) only ever appear as
 * data values; Vega escapes them when it writes SVG text.
 */

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
/** Tableau 10: distinct, and still distinct in greyscale print by lightness. */
export const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

const CONFIG = {
  font: FONT,
  background: "white",
  padding: 8,
  view: { stroke: null },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 600,
    titleColor: "#374151",
    labelColor: "#374151",
    gridColor: "#e5e7eb",
    domainColor: "#9ca3af",
    tickColor: "#9ca3af",
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 600, orient: "bottom" },
} as const;

export type Spec = TopLevelSpec;

export function base(description: string): Pick<TopLevelSpec, "$schema" | "description" | "config"> {
  return { $schema: "https://vega.github.io/schema/vega-lite/v6.json", description, config: CONFIG };
}

/** Every chart colours a feature set the same way. */
function featureSetColor(data: ReportData) {
  const domain = data.featureSets.map((f) => f.name);
  return {
    field: "featureSet",
    type: "nominal" as const,
    title: "feature set",
    scale: { domain, range: domain.map((_, i) => PALETTE[i % PALETTE.length] as string) },
  };
}

export function metricsChartSpec(data: ReportData): Spec {
  const metricOrder = METRIC_NAMES.map((m) => METRIC_LABELS[m]);
  return {
    ...base("Test-split metrics of every feature set"),
    data: { values: data.metricPoints },
    width: 520,
    height: { step: 16 },
    encoding: {
      y: { field: "metric", type: "nominal", sort: metricOrder, title: null },
      yOffset: { field: "featureSet", type: "nominal", sort: data.featureSets.map((f) => f.name) },
      x: {
        field: "value",
        type: "quantitative",
        scale: { zero: false, nice: true, padding: 12 },
        axis: { format: ".0%", grid: true, tickCount: 6 },
        title: null,
      },
      color: featureSetColor(data),
    },
    layer: [
      { mark: { type: "point", filled: true, size: 70, opacity: 1 } },
      {
        mark: { type: "text", align: "left", dx: 7, fontSize: 10, color: "#374151" },
        encoding: {
          text: { field: "value", type: "quantitative", format: ".1%" },
          color: { value: "#374151" },
        },
      },
    ],
  } as Spec;
}

export function confusionChartSpec(matrix: ReportData["confusion"][number]): Spec {
  const n = matrix.labels.length;
  const step = n <= 6 ? 64 : n <= 12 ? 36 : 16;
  const axis = (title: string) => ({
    field: title === "actual" ? "actual" : "predicted",
    type: "nominal" as const,
    sort: matrix.labels,
    title,
    axis: { labelLimit: 120, labelAngle: 0 },
  });
  return {
    ...base(`Confusion matrix of ${matrix.featureSet}: rows actual, columns predicted`),
    data: { values: matrix.cells },
    width: { step },
    height: { step },
    encoding: {
      x: { ...axis("predicted"), axis: { orient: "top", labelLimit: 120, labelAngle: 0 } },
      y: axis("actual"),
    },
    layer: [
      {
        mark: { type: "rect", stroke: "white", strokeWidth: 1 },
        encoding: {
          color: {
            field: "share",
            type: "quantitative",
            scale: { domain: [0, 1], scheme: "blues" },
            legend: null,
          },
        },
      },
      ...(n <= 12
        ? [
            {
              mark: { type: "text" as const, fontSize: n <= 6 ? 13 : 10 },
              encoding: {
                text: { field: "count", type: "quantitative" as const, format: "," },
                color: { condition: { test: "datum.share > 0.55", value: "white" }, value: "#111827" },
              },
            },
          ]
        : []),
    ],
  } as Spec;
}

function curveSpec(
  data: ReportData,
  points: Array<{ featureSet: string; x: number; y: number }>,
  kind: "roc" | "pr",
): Spec {
  const roc = kind === "roc";
  const values = points.map((p, i) => ({ ...p, i }));
  return {
    ...base(
      roc
        ? `ROC curve: true positive rate against false positive rate (positive: ${data.curves?.positiveLabel})`
        : `Precision against recall (positive: ${data.curves?.positiveLabel})`,
    ),
    width: 300,
    height: 300,
    layer: [
      ...(roc
        ? [
            {
              data: {
                values: [
                  { x: 0, y: 0 },
                  { x: 1, y: 1 },
                ],
              },
              mark: { type: "line" as const, strokeDash: [4, 4], color: "#9ca3af", strokeWidth: 1 },
              encoding: {
                x: { field: "x", type: "quantitative" as const },
                y: { field: "y", type: "quantitative" as const },
              },
            },
          ]
        : []),
      {
        data: { values },
        mark: { type: "line" as const, strokeWidth: 2, interpolate: roc ? "linear" : "step-after" },
        encoding: {
          x: {
            field: "x",
            type: "quantitative" as const,
            scale: { domain: [0, 1] },
            title: roc ? "false positive rate" : "recall",
          },
          y: {
            field: "y",
            type: "quantitative" as const,
            scale: roc ? { domain: [0, 1] } : { zero: false, nice: true },
            title: roc ? "true positive rate" : "precision",
          },
          order: { field: "i", type: "quantitative" as const },
          color: featureSetColor(data),
        },
      },
    ],
  } as Spec;
}

export function rocChartSpec(data: ReportData): Spec | null {
  return data.curves ? curveSpec(data, data.curves.roc, "roc") : null;
}

export function prChartSpec(data: ReportData): Spec | null {
  return data.curves ? curveSpec(data, data.curves.pr, "pr") : null;
}

export function cvChartSpec(data: ReportData): Spec | null {
  if (data.cv.length === 0) return null;
  const values = data.cv.map((c) => ({ ...c, kind: c.chosen ? "chosen" : "tried" }));
  return {
    ...base(`Cross-validation ${data.cvMetric ?? ""} per grid point and feature set`),
    data: { values },
    width: 520,
    height: { step: 14 },
    encoding: {
      y: { field: "params", type: "nominal", title: "grid point", sort: null, axis: { labelLimit: 260 } },
      yOffset: { field: "featureSet", type: "nominal", sort: data.featureSets.map((f) => f.name) },
      x: {
        field: "metric",
        type: "quantitative",
        scale: { zero: false, nice: true, padding: 12 },
        title: `mean ${data.cvMetric ?? "metric"} over the folds`,
        axis: { format: ".3f", tickCount: 6 },
      },
      color: featureSetColor(data),
    },
    layer: [
      {
        mark: { type: "point", filled: true, opacity: 1 },
        encoding: {
          size: { condition: { test: "datum.kind === 'chosen'", value: 140 }, value: 50 },
          shape: {
            field: "kind",
            type: "nominal",
            title: "grid point",
            scale: { domain: ["chosen", "tried"], range: ["diamond", "circle"] },
          },
        },
      },
    ],
  } as Spec;
}

export function classBalanceChartSpec(data: ReportData): Spec | null {
  const values = data.data.classBalance;
  if (values.length === 0) return null;
  return {
    ...base("Rows per label after dropping nulls"),
    data: { values },
    width: 420,
    height: { step: 26 },
    encoding: {
      y: { field: "label", type: "nominal", sort: null, title: null, axis: { labelLimit: 160 } },
      x: { field: "count", type: "quantitative", title: "rows", axis: { format: ",.0f" } },
    },
    layer: [
      { mark: { type: "bar", color: "#4e79a7", height: { band: 0.7 } } },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 11, color: "#374151" },
        encoding: { text: { field: "label_text", type: "nominal" } },
        transform: [
          {
            calculate: "format(datum.count, ',') + '  (' + format(datum.share, '.1%') + ')'",
            as: "label_text",
          },
        ],
      },
    ],
  } as Spec;
}

export function stagesChartSpec(data: ReportData): Spec | null {
  if (data.stages.length === 0) return null;
  const values = data.stages;
  return {
    ...base("Seconds spent in each stage of the job, in the order they ran"),
    data: { values },
    width: 420,
    height: { step: 20 },
    encoding: {
      y: { field: "name", type: "nominal", sort: null, title: null, axis: { labelLimit: 200 } },
      x: { field: "seconds", type: "quantitative", title: "seconds" },
    },
    layer: [
      { mark: { type: "bar", color: "#f28e2b", height: { band: 0.7 } } },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 10, color: "#374151" },
        encoding: { text: { field: "seconds", type: "quantitative", format: ".1f" } },
      },
    ],
  } as Spec;
}

/** The charts of one report as SVG strings (null where the run has nothing to show). */
export interface ReportCharts {
  metrics: string | null;
  confusion: Array<{ featureSet: string; svg: string }>;
  roc: string | null;
  pr: string | null;
  cv: string | null;
  classBalance: string | null;
  stages: string | null;
}

export async function renderCharts(
  data: ReportData,
  onWarning: (message: string) => void = () => {},
): Promise<ReportCharts> {
  let next = 0;
  const render = async (spec: Spec | null) => (spec ? renderSvg(spec, `c${next++}`, onWarning) : null);
  return {
    metrics: data.metricPoints.length ? await render(metricsChartSpec(data)) : null,
    confusion: await Promise.all(
      data.confusion.map(async (m) => ({
        featureSet: m.featureSet,
        svg: (await render(confusionChartSpec(m))) as string,
      })),
    ),
    roc: await render(rocChartSpec(data)),
    pr: await render(prChartSpec(data)),
    cv: await render(cvChartSpec(data)),
    classBalance: await render(classBalanceChartSpec(data)),
    stages: await render(stagesChartSpec(data)),
  };
}

/**
 * Vega-Lite → Vega → SVG with a headless View (no canvas: text widths are estimated). Vega is loaded on
 * first use, so commands that draw nothing do not pay for it. Element ids get `prefix`, because several
 * SVGs share one HTML document and their clip-path ids would otherwise collide.
 */
export async function renderSvg(
  spec: Spec,
  prefix: string,
  onWarning: (message: string) => void = () => {},
): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  // Vega's own logger writes to the console; a chart's quibbles are not the user's business mid-run.
  const logger = quietLogger(onWarning);
  const compiled = vegaLite.compile(spec, { logger }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logger });
  try {
    const svg = await view.toSVG();
    return svg
      .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
      .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
      .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
  } finally {
    view.finalize();
  }
}

interface QuietLogger {
  level(level?: number): number | QuietLogger;
  error(...args: readonly unknown[]): QuietLogger;
  warn(...args: readonly unknown[]): QuietLogger;
  info(...args: readonly unknown[]): QuietLogger;
  debug(...args: readonly unknown[]): QuietLogger;
}

function quietLogger(onWarning: (message: string) => void): QuietLogger {
  const logger: QuietLogger = {
    level: (level?: number) => (level === undefined ? 0 : logger),
    error: (...args) => {
      onWarning(args.map(String).join(" "));
      return logger;
    },
    warn: (...args) => {
      onWarning(args.map(String).join(" "));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}
