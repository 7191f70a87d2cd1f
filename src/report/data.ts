import type { Manifest } from "../runs/manifest.js";
import { type ClassMetrics, identicalNotes, type Metrics } from "../runs/metrics.js";
import type { JobSpec } from "../spec/types.js";
import { runSettings } from "./settings.js";

/** The metrics compared across feature sets, in display order. */
export const METRIC_NAMES = ["accuracy", "f1", "precision", "recall", "area_under_roc"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export const METRIC_LABELS: Record<MetricName, string> = {
  accuracy: "Accuracy",
  f1: "F1",
  precision: "Precision",
  recall: "Recall",
  area_under_roc: "AUC",
};

export interface FeatureSetRow {
  name: string;
  best: boolean;
  metrics: Record<MetricName, number | null>;
  bestParams: string;
  cvMetric: string;
  cvBest: number | null;
  trainRows: number;
  testRows: number;
}

export interface ConfusionMatrix {
  featureSet: string;
  labels: string[];
  /** Rows = actual, columns = predicted; `share` is the count over its actual row's total. */
  cells: Array<{ actual: string; predicted: string; count: number; share: number }>;
}

/** Each label's figures for one feature set (runs from before metrics.json had them: none). */
export interface PerClassTable {
  featureSet: string;
  rows: ClassMetrics[];
}

export interface CurvePoint {
  featureSet: string;
  x: number;
  y: number;
  threshold: number | null;
}

/** Everything a report shows, and nothing about how: a pure function of the run's files. */
export interface ReportData {
  run: {
    id: string;
    project: string;
    status: string;
    complete: boolean;
    target: string;
    master: string;
    createdAt: string;
    finishedAt: string | null;
    durationSeconds: number | null;
    failure: { stage: string | null; kind: string; message: string } | null;
  };
  headline: {
    bestFeatureSet: string | null;
    accuracy: number | null;
    f1: number | null;
    rowsUsed: number | null;
    inputBytes: number;
    inputName: string;
    textColumn: string;
    labelColumn: string;
    labels: string[];
    cost: { amount: number; currency: string; estimated: boolean } | null;
  };
  featureSets: FeatureSetRow[];
  metricPoints: Array<{ featureSet: string; metric: string; value: number }>;
  confusion: ConfusionMatrix[];
  perClass: PerClassTable[];
  /** Models that predicted alike on every test row, in words. */
  identical: string[];
  curves: { positiveLabel: string; roc: CurvePoint[]; pr: CurvePoint[] } | null;
  cv: Array<{ featureSet: string; params: string; metric: number; chosen: boolean }>;
  cvMetric: string | null;
  data: {
    inputUri: string;
    format: string;
    rowsRead: number | null;
    nullDropped: number | null;
    rejected: number | null;
    used: number | null;
    partitions: number | null;
    nullCounts: Array<{ column: string; count: number }>;
    classBalance: Array<{ label: string; count: number; share: number }>;
  };
  stages: Array<{ name: string; seconds: number }>;
  provenance: {
    configFile: string;
    configHash: string;
    specHash: string;
    inputSha256: string;
    versions: Array<{ name: string; version: string }>;
  };
  config: Array<{ key: string; value: string }>;
}

export interface ReportSources {
  manifest: Manifest;
  /** Absent for a run that failed before the job wrote its metrics. */
  metrics: Metrics | undefined;
  spec: JobSpec;
  /** Whether _SUCCESS exists. */
  complete: boolean;
}

const paramsLabel = (params: Record<string, number>) =>
  Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");

/** Builds the report's data. Pure: no clock, no files (timestamps come from the manifest). */
export function buildReportData({ manifest, metrics, spec, complete }: ReportSources): ReportData {
  const sets = metrics ? Object.entries(metrics.feature_sets) : [];
  const bestName = metrics?.best_feature_set ?? null;
  const best = bestName ? metrics?.feature_sets[bestName] : undefined;

  const featureSets: FeatureSetRow[] = sets.map(([name, m]) => ({
    name,
    best: name === bestName,
    metrics: {
      accuracy: m.accuracy,
      f1: m.f1,
      precision: m.precision,
      recall: m.recall,
      area_under_roc: m.area_under_roc,
    },
    bestParams: paramsLabel(m.best_params),
    cvMetric: m.cv_metric,
    cvBest: m.cv_best ?? (m.cv_scores.length ? Math.max(...m.cv_scores.map((s) => s.metric)) : null),
    trainRows: m.train_rows,
    testRows: m.test_rows,
  }));

  const metricPoints = featureSets.flatMap((fs) =>
    METRIC_NAMES.flatMap((metric) => {
      const value = fs.metrics[metric];
      return value === null ? [] : [{ featureSet: fs.name, metric: METRIC_LABELS[metric], value }];
    }),
  );

  const confusion: ConfusionMatrix[] = sets.map(([name, m]) => {
    const { labels, matrix } = m.confusion_matrix;
    const cells = labels.flatMap((actual, i) => {
      const row = matrix[i] ?? [];
      const total = row.reduce((a, b) => a + b, 0);
      return labels.map((predicted, j) => {
        const count = row[j] ?? 0;
        return { actual, predicted, count, share: total ? count / total : 0 };
      });
    });
    return { featureSet: name, labels: [...labels], cells };
  });

  const perClass: PerClassTable[] = sets.flatMap(([name, m]) =>
    m.per_class ? [{ featureSet: name, rows: m.per_class.map((c) => ({ ...c })) }] : [],
  );

  const withCurves = sets.filter(([, m]) => m.curves);
  const curves = withCurves.length
    ? {
        positiveLabel: withCurves[0]?.[1].curves?.positive_label ?? "",
        roc: withCurves.flatMap(([name, m]) =>
          (m.curves?.roc ?? []).map((p) => ({
            featureSet: name,
            x: p.fpr,
            y: p.tpr,
            threshold: p.threshold,
          })),
        ),
        pr: withCurves.flatMap(([name, m]) =>
          (m.curves?.pr ?? []).map((p) => ({
            featureSet: name,
            x: p.recall,
            y: p.precision,
            threshold: p.threshold,
          })),
        ),
      }
    : null;

  // Grid points are labelled by the parameters that vary, so the labels stay short.
  const allScores = sets.flatMap(([, m]) => m.cv_scores);
  const keys = [...new Set(allScores.flatMap((s) => Object.keys(s.params)))];
  const varying = keys.filter((k) => new Set(allScores.map((s) => s.params[k])).size > 1);
  const shown = varying.length ? varying : keys;
  const cv = sets.flatMap(([name, m]) =>
    m.cv_scores.map((s) => ({
      featureSet: name,
      params: paramsLabel(pick(s.params, shown)),
      metric: s.metric,
      chosen: keys.every((k) => s.params[k] === m.best_params[k]),
    })),
  );

  const used = manifest.rows?.used ?? null;
  const balanceTotal = Object.values(manifest.class_balance ?? {}).reduce((a, b) => a + b, 0);
  // Rejected rows are counted by input validation when it runs; older runs do not have the count.
  const rejected = (manifest.rows as { rejected?: number } | undefined)?.rejected ?? null;
  const inputName = decodeURIComponent(new URL(manifest.input.uri).pathname).split("/").pop() ?? "";

  return {
    run: {
      id: manifest.run_id,
      project: manifest.project,
      status: complete ? "succeeded" : manifest.status,
      complete,
      target: manifest.target,
      master: manifest.master,
      createdAt: manifest.created_at,
      finishedAt: manifest.finished_at ?? null,
      durationSeconds: manifest.duration_seconds ?? null,
      failure: manifest.failure
        ? { stage: manifest.failure.stage, kind: manifest.failure.kind, message: manifest.failure.message }
        : null,
    },
    headline: {
      bestFeatureSet: bestName,
      accuracy: best?.accuracy ?? null,
      f1: best?.f1 ?? null,
      rowsUsed: used,
      inputBytes: manifest.input.bytes,
      inputName,
      textColumn: spec.input.text_column,
      labelColumn: spec.input.label_column,
      labels: metrics?.label_values ?? Object.keys(manifest.class_balance ?? {}),
      cost: costOf(manifest),
    },
    featureSets,
    metricPoints,
    confusion,
    perClass,
    identical: metrics ? identicalNotes(metrics) : [],
    curves,
    cv,
    cvMetric: sets[0]?.[1].cv_metric ?? null,
    data: {
      inputUri: manifest.input.uri,
      format: spec.input.format,
      rowsRead: manifest.rows?.read ?? null,
      nullDropped: manifest.rows?.null_dropped ?? null,
      rejected,
      used,
      partitions: manifest.partitions ?? null,
      nullCounts: Object.entries(manifest.null_counts ?? {}).map(([column, count]) => ({ column, count })),
      classBalance: Object.entries(manifest.class_balance ?? {}).map(([label, count]) => ({
        label,
        count,
        share: balanceTotal ? count / balanceTotal : 0,
      })),
    },
    stages: (manifest.stages ?? []).map((s) => ({ name: s.name, seconds: s.seconds })),
    provenance: {
      configFile: manifest.config_file,
      configHash: manifest.config_hash,
      specHash: manifest.spec_hash,
      inputSha256: manifest.input.sha256,
      versions: Object.entries(manifest.versions)
        .filter(([, v]) => typeof v === "string" && v !== "")
        .map(([name, version]) => ({ name, version: String(version) })),
    },
    config: runSettings(spec).map(([key, value]) => ({ key, value })),
  };
}

function pick(params: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.filter((k) => k in params).map((k) => [k, params[k] as number]));
}

/** Cloud runs record their cost (billed when known, else estimated); local runs cost nothing. */
function costOf(manifest: Manifest): ReportData["headline"]["cost"] {
  const cost = (manifest.emr ?? manifest.serverless)?.cost;
  const amount = cost?.actual ?? cost?.estimated;
  if (amount === undefined) return null;
  return { amount, currency: cost?.currency ?? "USD", estimated: cost?.actual === undefined };
}
