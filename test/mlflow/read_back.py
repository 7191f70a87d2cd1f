"""Reads an exported run back with MLflow's own client and applies its model with mlflow.spark.load_model.

Usage: read_back.py TRACKING_URI MLFLOW_RUN_ID INPUT_CSV
Prints one JSON object: the run's params, metrics (with each metric's history length), tags, top-level
artifacts, the experiment's run count, and the predicted label of every input row.
"""

import json
import sys

import mlflow
import mlflow.spark
from mlflow.tracking import MlflowClient
from pyspark.sql import SparkSession


def main() -> None:
    uri, run_id, input_csv = sys.argv[1:4]
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    run = client.get_run(run_id)
    history = {key: len(client.get_metric_history(run_id, key)) for key in run.data.metrics}
    artifacts = sorted(a.path for a in client.list_artifacts(run_id))
    experiment_runs = client.search_runs([run.info.experiment_id])
    spark = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    model = mlflow.spark.load_model(f"runs:/{run_id}/model")
    rows = spark.read.csv(input_csv, header=True, multiLine=True, escape='"')
    labels = [r["predicted_label"] for r in model.transform(rows).select("predicted_label").collect()]
    print(
        json.dumps(
            {
                "status": run.info.status,
                "params": run.data.params,
                "metrics": run.data.metrics,
                "history": history,
                "tags": run.data.tags,
                "artifacts": artifacts,
                "experiment_runs": len(experiment_runs),
                "labels": labels,
            }
        )
    )


if __name__ == "__main__":
    main()
