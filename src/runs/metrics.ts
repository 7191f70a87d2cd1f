/** runs/<id>/metrics.json, written by the Spark job (see docs/job-spec.md). */
export interface FeatureSetMetrics {
  /** The feature set and classifier of this model (absent in runs before classifiers could be chosen: logistic regression). */
  feature_set?: string;
  classifier?: string;
  accuracy: number;
  f1: number;
  precision: number;
  recall: number;
  area_under_roc: number | null;
  confusion_matrix: { labels: string[]; matrix: number[][] };
  /** Each label's precision, recall, F1 and test-split support (absent in runs before it existed). */
  per_class?: ClassMetrics[];
  best_params: Record<string, number>;
  cv_metric: string;
  cv_scores: Array<{ params: Record<string, number>; metric: number }>;
  /** The highest cv_scores[].metric (it picks best_feature_set). */
  cv_best?: number;
  /** ROC and precision-recall points on the test split; binary labels only, else null (absent before curves existed). */
  curves?: BinaryCurves | null;
  train_rows: number;
  test_rows: number;
}

/** One label's figures on the test split, from the confusion matrix. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Points computed from at most ~100 score thresholds (docs/job-spec.md). `threshold` is a probability of `positive_label`. */
export interface BinaryCurves {
  positive_label: string;
  /** What the thresholds cut: a probability, or LinearSVC's margin (absent before LinearSVC: probability). */
  score?: "probability" | "margin";
  roc: Array<{ threshold: number | null; fpr: number; tpr: number }>;
  pr: Array<{ threshold: number; recall: number; precision: number }>;
}

export interface Metrics {
  label_values: string[];
  /** The key of the best model: its feature set, or <feature set>/<classifier> when the run trained several. */
  best_feature_set: string;
  /** Every model by key. */
  feature_sets: Record<string, FeatureSetMetrics>;
  /** Models that predicted the same label for every test row, and why (absent in older runs). */
  identical_predictions?: IdenticalPredictions[];
}

export interface IdenticalPredictions {
  models: string[];
  reason: string;
}

/** "hashing_tf and tfidf predicted alike on every test row: <reason>." per group. */
export function identicalNotes(metrics: Metrics): string[] {
  return (metrics.identical_predictions ?? []).map((group) => {
    const names = group.models;
    const listed =
      names.length === 2 ? names.join(" and ") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
    return `${listed} predicted the same label for every test row: ${group.reason}.`;
  });
}
