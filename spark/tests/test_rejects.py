"""Malformed CSV rows: counted, kept out of training, written to rejects/ with the reason, thresholded."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyspark.sql import SparkSession

from kindling_job.errors import EmptyDataError, TooManyRejectsError
from kindling_job.ingest import check_usable, data_columns, input_stats, read_input, usable_rows
from kindling_job.rejects import (
    CORRUPT,
    check_reject_share,
    field_count,
    malformed_records,
    rejected_rows,
    write_rejects,
)
from kindling_job.spec import CsvOptions, InputSpec

from .helpers import corpus, run_job, seed_spec, write_csv

MIXED = (
    'text,label\n"fine, quoted",spam\nplain,ham\ntoo,many,fields\nshort\n'
    '"multi\nline",ham\n,ham\n"also, fine",spam\n'
)


def csv_spec(path: Path, **options: Any) -> InputSpec:
    return InputSpec(path.as_uri(), "csv", "text", "label", CsvOptions(**options))


@pytest.mark.parametrize("multiline", [True, False])
def test_malformed_rows_are_counted_and_left_out(
    spark: SparkSession, tmp_path: Path, multiline: bool
) -> None:
    path = tmp_path / "d.csv"
    path.write_text(MIXED.replace('"multi\nline"', '"multi line"'), encoding="utf-8")
    df = read_input(spark, csv_spec(path, multiline=multiline))
    assert data_columns(df) == ["text", "label"]
    stats = input_stats(df, "text", "label")
    assert (stats.rows, stats.rejected, stats.null_dropped, stats.used) == (7, 2, 1, 4)
    assert stats.class_balance == {"ham": 2, "spam": 2}  # 'many' (a shifted field) is no class
    assert stats.null_counts == {"text": 1, "label": 0}
    rows = sorted(tuple(r) for r in usable_rows(df, "text", "label").collect())
    assert rows == [("also, fine", "spam"), ("fine, quoted", "spam"), ("multi line", "ham"), ("plain", "ham")]


def test_rejects_name_the_reason_and_keep_the_raw_record(spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text(MIXED, encoding="utf-8")
    spec = csv_spec(path)
    df = read_input(spark, spec)
    columns = data_columns(df)
    uri = str(tmp_path / "run" / "rejects")
    with malformed_records(df, columns) as bad:
        rejects = sorted(tuple(r) for r in rejected_rows(bad, columns, spec.csv).collect())
        write_rejects(spark, rejected_rows(bad, columns, spec.csv), uri)
    assert rejects == [
        ("expected 2 fields (text, label), found 1", 1, 2, "short"),
        ("expected 2 fields (text, label), found 3", 3, 2, "too,many,fields"),
    ]
    files = sorted(p.name for p in Path(uri).iterdir() if not p.name.startswith("."))
    assert len(files) == 1  # one JSON-lines file and no _SUCCESS: that name means "run complete"
    assert files[0].endswith(".json")
    lines = [json.loads(x) for x in (Path(uri) / files[0]).read_text(encoding="utf-8").splitlines()]
    assert sorted(x["record"] for x in lines) == ["short", "too,many,fields"]
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    assert conf.get("mapreduce.fileoutputcommitter.marksuccessfuljobs") is None  # restored


def test_parquet_input_has_no_rejects(spark: SparkSession, tmp_path: Path) -> None:
    uri = str(tmp_path / "d.parquet")
    spark.createDataFrame([("a", "x"), ("b", "y")], ["text", "label"]).write.parquet(uri)
    df = read_input(spark, InputSpec(uri, "parquet", "text", "label", CsvOptions()))
    assert CORRUPT not in df.columns
    assert input_stats(df, "text", "label").rejected == 0


def test_reject_share_threshold() -> None:
    check_reject_share(1, 100, 0.01, None)  # exactly at the threshold passes
    check_reject_share(0, 0, 0.0, None)
    with pytest.raises(TooManyRejectsError, match=r"2 of 100 input rows \(2.00%\) are malformed") as info:
        check_reject_share(2, 100, 0.01, "file:///r/rejects")
    assert info.value.kind == "TooManyRejects"
    assert str(info.value).endswith("they are in file:///r/rejects")
    check_reject_share(100, 100, 1.0, None)  # 1 never fails


def test_all_rows_rejected_is_empty_data(spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,b,c\nd\n", encoding="utf-8")
    spec = csv_spec(path)
    stats = input_stats(read_input(spark, spec), "text", "label")
    with pytest.raises(EmptyDataError, match="2 of 2 are malformed"):
        check_usable(stats, spec)


def small_spec(data: Path, run_dir: Path, max_reject_fraction: float) -> dict[str, Any]:
    doc = seed_spec()
    doc["input"].update(uri=data.as_uri(), max_reject_fraction=max_reject_fraction)
    doc["output"]["uri"] = run_dir.as_uri()
    doc["feature_sets"] = [doc["feature_sets"][0]]
    doc["training"]["model"]["grid"]["max_iter"] = [5]
    return doc


@pytest.mark.usefixtures("spark")
def test_a_run_over_the_threshold_fails_in_prepare_after_writing_rejects(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    write_csv(data, corpus(20, ["spam", "ham"]))
    with data.open("a", encoding="utf-8") as f:
        f.write("one,two,three\n")
    run_dir = tmp_path / "r"
    code, events = run_job(small_spec(data, run_dir, 0.01), run_dir)
    assert code == 1
    assert {"event": "rows", "read": 21, "rejected": 1, "null_dropped": 0, "used": 20} in events
    error = events[-1]
    assert (error["event"], error["stage"], error["kind"]) == ("error", "prepare", "TooManyRejects")
    assert "1 of 21 input rows (4.76%) are malformed" in error["message"]
    assert any(p.suffix == ".json" for p in (run_dir / "rejects").iterdir())
    assert not (run_dir / "models").exists()


@pytest.mark.usefixtures("spark")
def test_a_run_under_the_threshold_reports_its_rejects(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    write_csv(data, corpus(20, ["spam", "ham"]))
    with data.open("a", encoding="utf-8") as f:
        f.write("one,two,three\n")
    run_dir = tmp_path / "r"
    code, events = run_job(small_spec(data, run_dir, 0.1), run_dir)
    assert code == 0, events
    job = json.loads((run_dir / "job.json").read_text(encoding="utf-8"))
    assert job["rows"] == {"read": 21, "null_dropped": 0, "rejected": 1, "used": 20}
    assert job["rejects"] == {"rows": 1, "max_fraction": 0.1, "uri": (run_dir / "rejects").as_uri()}


FIELD = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)


@given(
    st.lists(st.lists(FIELD, min_size=1, max_size=6), min_size=1, max_size=1),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(['"', "'"]),
    st.booleans(),
)
def test_field_count_matches_what_a_csv_writer_wrote(
    rows: list[list[str]], delimiter: str, quote: str, doubled: bool
) -> None:
    fields = rows[0]
    out = io.StringIO(newline="")
    writer = csv.writer(
        out,
        delimiter=delimiter,
        quotechar=quote,
        doublequote=doubled,
        escapechar=None if doubled else "\\",
        quoting=csv.QUOTE_MINIMAL if len(fields) > 1 or fields[0] else csv.QUOTE_ALL,
        lineterminator="\r\n",  # fields with line breaks get quoted; Spark's record has no terminator
    )
    writer.writerow(fields)
    options = CsvOptions(delimiter=delimiter, quote=quote, escape=quote if doubled else "\\")
    assert field_count(out.getvalue().removesuffix("\r\n"), options) == len(fields)


@given(st.text(), st.sampled_from([",", ";", "\t"]), st.sampled_from(['"', "\\"]))
def test_field_count_never_fails(record: str, delimiter: str, escape: str) -> None:
    assert field_count(record, CsvOptions(delimiter=delimiter, escape=escape)) >= 0
    assert field_count(None, CsvOptions()) == 0
