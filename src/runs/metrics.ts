/** runs/<id>/metrics.json, written by the Spark job (see docs/job-spec.md). */
export interface FeatureSetMetrics {
  accuracy: number;
  f1: number;
  precision: number;
  recall: number;
  area_under_roc: number | null;
  confusion_matrix: { labels: string[]; matrix: number[][] };
  best_params: Record<string, number>;
  cv_metric: string;
  cv_scores: Array<{ params: Record<string, number>; metric: number }>;
  train_rows: number;
  test_rows: number;
}

export interface Metrics {
  label_values: string[];
  best_feature_set: string;
  feature_sets: Record<string, FeatureSetMetrics>;
}
