"""The prepared-text cache through `main`: a run stores its split, a later run reuses it and trains to the
same metrics; partial, stale and corrupt entries are reported, removed and rebuilt, never used."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from kindling_job.hadoopfs import HadoopFs
from kindling_job.prepared_cache import ENTRY

from .helpers import corpus, run_job, seed_spec, write_csv

pytestmark = pytest.mark.usefixtures("spark")  # main() reuses the suite's session


def cached_spec(data: Path, run_dir: Path, cache: Path, **spark: Any) -> dict[str, Any]:
    doc = seed_spec()
    doc["run"]["id"] = f"run-{run_dir.name}"
    doc["input"].update(uri=data.as_uri(), max_reject_fraction=0.1)
    doc["output"]["uri"] = run_dir.as_uri()
    doc["feature_sets"] = [doc["feature_sets"][0]]
    doc["training"]["model"]["grid"]["max_iter"] = [5]
    doc["spark"].update(spark)
    doc["prepared_cache"] = {"uri": cache.as_uri()}
    return doc


def cache_events(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["status"], e.get("reason", "")) for e in events if e["event"] == "cache"]


def outputs(run_dir: Path) -> tuple[Any, Any]:
    """metrics.json, and job.json without what differs between any two runs (stage times)."""
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    job = json.loads((run_dir / "job.json").read_text(encoding="utf-8"))
    del job["stages"]
    del job["rejects"]["uri"]  # in the run's own folder
    del job["prepared_cache"]  # what the run did with the cache: stored, reused, or nothing
    return metrics, job


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("input") / "data.csv"
    write_csv(path, corpus(80, ["spam", "ham"]))
    with path.open("a", encoding="utf-8") as f:
        f.write("one,two,three\n")  # one malformed row: the entry keeps the rejects
    return path


def test_a_reused_entry_trains_to_the_metrics_of_a_run_without_the_cache(data: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "k1"
    # More partitions than test rows: empty partitions must keep their place too.
    settings = {"partitions": 16}
    plain = cached_spec(data, tmp_path / "plain", cache, **settings)
    plain["prepared_cache"] = None
    code, events = run_job(plain, tmp_path / "plain")
    assert code == 0, events
    assert cache_events(events) == []

    code, events = run_job(cached_spec(data, tmp_path / "first", cache, **settings), tmp_path / "first")
    assert code == 0, events
    assert cache_events(events) == [("stored", "")]
    entry = json.loads((cache / ENTRY).read_text(encoding="utf-8"))
    assert entry["run_id"] == "run-first"
    assert entry["partitions"] == 16
    assert not list(cache.parent.glob("*.tmp-*"))  # staged, then renamed into place
    assert entry["sides"]["train"]["rows"] + entry["sides"]["test"]["rows"] == 80
    assert len(entry["sides"]["test"]["files"]) < 16  # some partitions had no test rows

    # Other rows under the same header: a run that reads its input would train on them.
    changed = tmp_path / "changed.csv"
    write_csv(changed, corpus(30, ["spam", "ham"], seed=99))
    code, events = run_job(cached_spec(changed, tmp_path / "second", cache, **settings), tmp_path / "second")
    assert code == 0, events
    assert cache_events(events) == [("reused", "")]
    reused = next(e for e in events if e["event"] == "cache")
    assert reused["built_by"] == "run-first"
    # job.json keeps the events too: a cloud run's CLI sees them only there.
    job = json.loads((tmp_path / "second" / "job.json").read_text(encoding="utf-8"))
    assert job["prepared_cache"] == [{k: v for k, v in reused.items() if k != "event"}]
    assert reused["bytes"] > 0
    assert {"event": "rows", "read": 81, "rejected": 1, "null_dropped": 0, "used": 80} in events

    assert outputs(tmp_path / "second") == outputs(tmp_path / "plain")
    assert outputs(tmp_path / "first") == outputs(tmp_path / "plain")
    # The rejects come with the entry: the second run never counted the input's rows.
    assert rejects(tmp_path / "second") == rejects(tmp_path / "first") != []


def rejects(run_dir: Path) -> list[str]:
    return sorted(
        line for f in (run_dir / "rejects").glob("*.json") for line in f.read_text("utf-8").splitlines()
    )


def first_data_file(cache: Path) -> Path:
    return next(iter(sorted((cache / "train").glob("part-*.parquet"))))


def last_data_file(cache: Path) -> Path:
    return sorted((cache / "test").glob("part-*.parquet"))[-1]


def flip_byte(path: Path, at: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))


@pytest.fixture(scope="module")
def built(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run that stored its entry in <folder>/cache."""
    folder = tmp_path_factory.mktemp("built")
    code, events = run_job(cached_spec(data, folder / "run", folder / "cache"), folder / "run")
    assert code == 0, events
    return folder


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda cache: (cache / ENTRY).unlink(), "partial: entry.json is missing"),
        (lambda cache: (cache / ENTRY).write_text("{", encoding="utf-8"), "corrupt: entry.json is not"),
        (lambda cache: first_data_file(cache).unlink(), "corrupt: train/part-"),
        (lambda cache: first_data_file(cache).write_bytes(b"PAR1"), "bytes, entry.json recorded"),
        (lambda cache: flip_byte(first_data_file(cache), 200), "corrupt: train/ cannot be read"),
        # The footer's length, in a file that is not the first read.
        (lambda cache: flip_byte(last_data_file(cache), -6), "corrupt: test/ cannot be read"),
        (lambda cache: shutil.rmtree(cache / "rejects"), "corrupt: rejects/ is missing"),
    ],
    ids=[
        "partial",
        "unreadable entry",
        "missing file",
        "truncated file",
        "flipped page byte",
        "flipped footer byte",
        "no rejects",
    ],
)
def test_a_damaged_entry_is_rebuilt_never_used(
    data: Path, built: Path, tmp_path: Path, damage: Any, reason: str
) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(built / "cache", cache)
    damage(cache)

    code, events = run_job(cached_spec(data, tmp_path / "run", cache), tmp_path / "run")

    assert code == 0, events
    (invalid, stored) = cache_events(events)
    assert invalid[0] == "invalid"
    assert reason in invalid[1]
    assert stored == ("stored", "")
    assert outputs(tmp_path / "run") == outputs(built / "run")
    rebuilt, before = (json.loads((c / ENTRY).read_text(encoding="utf-8")) for c in (cache, built / "cache"))
    assert {side: rebuilt["sides"][side]["rows"] for side in ("train", "test")} == {
        side: before["sides"][side]["rows"] for side in ("train", "test")
    }


def test_an_entry_of_another_partition_layout_is_stale(
    spark: SparkSession, data: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "k1"
    run_job(cached_spec(data, tmp_path / "first", cache, partitions=3), tmp_path / "first")

    code, events = run_job(cached_spec(data, tmp_path / "second", cache, partitions=5), tmp_path / "second")

    assert code == 0, events
    assert cache_events(events) == [
        ("invalid", "stale: built with another partition layout: partitions 3 (this run: 5)"),
        ("stored", ""),
    ]
    # The same partition count from an input cut otherwise: the round-robin deals other rows to each.
    spark.conf.set("spark.sql.files.maxPartitionBytes", "2048")
    try:
        code, events = run_job(cached_spec(data, tmp_path / "third", cache, partitions=5), tmp_path / "third")
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    assert code == 0, events
    ((invalid, reason), stored) = cache_events(events)
    assert invalid == "invalid"
    # The input is one multi-line CSV file, which Spark never splits: only the setting changed.
    assert reason == "stale: built with another partition layout: max_partition_bytes None (this run: 2048)"
    assert stored == ("stored", "")


def test_a_cache_that_cannot_be_written_does_not_fail_the_run(data: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would be", encoding="utf-8")

    code, events = run_job(cached_spec(data, tmp_path / "r", blocker / "k1"), tmp_path / "r")

    assert code == 0, events
    ((status, reason),) = cache_events(events)
    assert status == "not_stored"
    assert reason
    assert blocker.read_text(encoding="utf-8").startswith("a file")
    assert (tmp_path / "r" / "metrics.json").exists()


def test_on_an_object_store_an_entry_is_written_in_place_entry_json_last(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # S3 has no atomic rename: as there, the job writes in place and a folder without entry.json is partial.
    monkeypatch.setattr(HadoopFs, "renames_atomically", lambda self, uri: False)
    cache = tmp_path / "cache" / "k1"
    (cache / "train").mkdir(parents=True)  # a run stopped while writing it
    (cache / "train" / "part-00000-x.parquet").write_bytes(b"PAR1")

    code, events = run_job(cached_spec(data, tmp_path / "first", cache), tmp_path / "first")
    assert code == 0, events
    assert cache_events(events) == [("invalid", "partial: entry.json is missing"), ("stored", "")]
    assert not list(cache.parent.glob("*.tmp-*"))  # never staged
    assert json.loads((cache / ENTRY).read_text(encoding="utf-8"))["run_id"] == "run-first"

    code, events = run_job(cached_spec(data, tmp_path / "second", cache), tmp_path / "second")
    assert code == 0, events
    assert cache_events(events) == [("reused", "")]
    assert outputs(tmp_path / "second") == outputs(tmp_path / "first")


def test_only_local_disks_and_hdfs_rename_a_folder_at_once(spark: SparkSession) -> None:
    fs = HadoopFs.of_session(spark)
    assert fs.renames_atomically("file:///tmp/cache/k1")
    assert fs.renames_atomically("/tmp/cache/k1")
    assert fs.renames_atomically("hdfs://namenode:8020/cache/k1")
    assert not fs.renames_atomically("s3://bucket/runs/_prepared-text/k1")
    assert not fs.renames_atomically("s3a://bucket/runs/_prepared-text/k1")
