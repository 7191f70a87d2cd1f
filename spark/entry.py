"""spark-submit entry point: `spark-submit [--py-files kindling_job.zip] entry.py --spec URI`.

It sits outside the package so the package can ship as a zip; with the source tree, set PYTHONPATH=spark.
"""

from kindling_job.main import cli

if __name__ == "__main__":
    cli()
