"""Writes the test split of a finished run as CSV (`text`, `label`), rebuilt with the job's own functions.

The split is reproducible for the same data file, seed and partition count (docs/job-spec.md), so these are
exactly the rows the run evaluated. Used by the CLI's predict round-trip test:
`python spark/tests/held_out_rows.py --spec runs/<id>/spec.json --out held_out.csv` (PYTHONPATH=spark).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from pyspark.sql import SparkSession

from kindling_job.columns import LABEL_VALUE
from kindling_job.ingest import input_stats, prepare, read_input
from kindling_job.spec import parse_spec
from kindling_job.train import split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spec", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    spec = parse_spec(json.loads(args.spec.read_text(encoding="utf-8")))
    if spec.spark.partitions is None:
        raise SystemExit("the run must set spark.partitions for its split to be reproducible")
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        raw = read_input(spark, spec.input)
        stats = input_stats(raw, spec.input.text_column, spec.input.label_column)
        prepared = prepare(raw, spec.input, stats.labels, spec.spark.partitions)
        _, test = split(prepared, spec.training.split)
        rows = test.select(spec.input.text_column, LABEL_VALUE).collect()
    finally:
        spark.stop()
    with args.out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow([spec.input.text_column, "label"])
        writer.writerows([(r[0], r[1]) for r in rows])


if __name__ == "__main__":
    main()
