"""The prepared-text cache: the label and tokens of every usable row, split as `prepare` left them.

Most re-runs change only features or training settings, yet reading, cleaning and tokenizing the input is
often the largest single stage. The CLI names an entry by a key over everything the prepared rows depend on
(the input's checksum, the input, text and split settings, the Spark line and Kindling's version); the job
checks what the CLI cannot know (the exact Spark version, the partition count) and that the files are intact.

An entry is a folder:
- `train/` and `test/`: the two sides of the split as Parquet, one file per non-empty partition, with page
  checksums (a flipped byte fails the read);
- `rejects/`: the malformed rows, when there were any, copied into each run that reuses the entry;
- `entry.json`: every data file's size and partition, each side's row count, the input's statistics and
  the layout the split came from.

On a local disk (or HDFS) a run writes its entry into `<entry>.tmp-<run id>` and renames it into place
when complete, so a reader never meets one half-written, and two runs storing the same key at once leave
one whole entry. An object store (S3, for cloud runs) has no atomic rename: there the entry is written in
place, entry.json last, so a reader meets either an entry without entry.json (partial: removed and
rebuilt) or a whole one; two runs storing one key at once may leave a damaged entry, which the next
reader finds by its recorded sizes and checksums and rebuilds.

Training must not tell a reused entry from a fresh one, so the rows come back in the same partitions and
order (cross-validation's folds depend on both): each file is read as one partition, and the
partitions are put back in their original order, empty ones included. The split itself depends on how the
input was cut into partitions (the round-robin repartition deals each input partition's rows from its own
start), so an entry is used only by a run whose layout is the same: see `Layout`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from py4j.protocol import Py4JJavaError
from pyspark.errors.exceptions.captured import CapturedException
from pyspark.sql import DataFrame, SparkSession

from .compat import error_text
from .events import EventLog
from .hadoopfs import HadoopFs
from .ingest import InputStats

FORMAT = 1
ENTRY = "entry.json"
SIDES = ("train", "test")
REJECTS = "rejects"
PART_FILE = re.compile(r"^part-(\d+)-.*\.parquet$")

# Written with, and verified on read by, parquet-mr's page CRC32s.
WRITE_CHECKSUMS = {"parquet.page.write-checksum.enabled": "true"}
VERIFY_CHECKSUMS = {"parquet.page.verify-checksum.enabled": "true"}
# While the entry is read: no file is split or packed with another, so each file is one partition.
ONE_PARTITION_PER_FILE = {
    "spark.sql.files.maxPartitionBytes": str(1 << 50),
    "spark.sql.files.openCostInBytes": str(1 << 50),
}


class InvalidEntry(Exception):
    """An entry that must not be used: partial, stale or corrupt. The message says which and why."""


@dataclass(frozen=True)
class Layout:
    """What decides which rows land in which partition, and so the split: the partitions prepared, and the
    input's own partitions with the settings that cut it."""

    partitions: int
    input_partitions: int
    max_partition_bytes: str | None
    open_cost_bytes: str | None
    sort_before_repartition: str | None

    @classmethod
    def of(cls, spark: SparkSession, raw: DataFrame, partitions: int) -> Layout:
        conf = spark.conf
        return cls(
            partitions=partitions,
            input_partitions=int(raw._jdf.rdd().getNumPartitions()),
            max_partition_bytes=conf.get("spark.sql.files.maxPartitionBytes", None),
            open_cost_bytes=conf.get("spark.sql.files.openCostInBytes", None),
            sort_before_repartition=conf.get("spark.sql.execution.sortBeforeRepartition", None),
        )

    def doc(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Reused:
    train: DataFrame  # cached and counted, partitioned as when it was stored
    test: DataFrame
    train_rows: int  # as counted on reading, equal to what the entry recorded
    test_rows: int
    stats: InputStats
    rejects_uri: str | None  # the entry's rejects, to copy into the run


def stats_doc(stats: InputStats) -> dict[str, Any]:
    return {
        "rows": stats.rows,
        "null_counts": stats.null_counts,
        "null_dropped": stats.null_dropped,
        # Pairs, not an object: the order is the label index.
        "class_balance": [[label, count] for label, count in stats.class_balance.items()],
        "rejected": stats.rejected,
    }


def stats_from(doc: dict[str, Any]) -> InputStats:
    return InputStats(
        rows=int(doc["rows"]),
        null_counts={str(k): int(v) for k, v in doc["null_counts"].items()},
        null_dropped=int(doc["null_dropped"]),
        class_balance={str(label): int(count) for label, count in doc["class_balance"]},
        rejected=int(doc["rejected"]),
    )


def _bytes(entry: dict[str, Any]) -> int:
    return sum(f["bytes"] for side in SIDES for f in entry["sides"][side]["files"].values())


class PreparedCache:
    """One entry of the cache, at `uri`."""

    def __init__(self, spark: SparkSession, fs: HadoopFs, uri: str, events: EventLog) -> None:
        self.spark = spark
        self.fs = fs
        self.uri = uri
        self.events = events
        # What this run did with the entry, for job.json: cloud runs' CLIs see no live events.
        self.outcomes: list[dict[str, Any]] = []

    def _report(self, status: str, **fields: Any) -> None:
        self.events.emit("cache", status=status, uri=self.uri, **fields)
        self.outcomes.append({"status": status, "uri": self.uri, **fields})

    def _child(self, *parts: str) -> str:
        return "/".join([self.uri, *parts])

    def load(self, layout: Layout, columns: list[str]) -> Reused | None:
        """The entry's rows if it is complete, current and intact; otherwise None, after reporting and
        removing an unusable entry so that this run can store a fresh one."""
        if not self.fs.exists(self.uri):
            return None
        read: list[DataFrame] = []
        try:
            entry = self._entry()
            self._check_current(entry, layout)
            for side in SIDES:
                read.append(self._read(side, entry, columns))
        except InvalidEntry as e:
            for df in read:
                df.unpersist()
            self._report("invalid", reason=str(e))
            self.fs.delete(self.uri)
            return None
        self._report(
            "reused",
            built_by=entry["run_id"],
            created_at=entry["created_at"],
            bytes=_bytes(entry),
        )
        train, test = read
        rows = entry["sides"]
        rejects = self._child(REJECTS) if entry["rejects"] else None
        stats = stats_from(entry["stats"])
        return Reused(train, test, rows["train"]["rows"], rows["test"]["rows"], stats, rejects)

    def _entry(self) -> dict[str, Any]:
        uri = self._child(ENTRY)
        if not self.fs.exists(uri):
            raise InvalidEntry(f"partial: {ENTRY} is missing")
        try:
            entry: dict[str, Any] = json.loads(self.fs.read_text(uri))
            if entry.get("format") != FORMAT:
                raise InvalidEntry(f"stale: format {entry.get('format')!r}, this job writes {FORMAT}")
            # Reading every field once checks the entry's shape before anything relies on it.
            stats_from(entry["stats"])
            for side in SIDES:
                int(entry["sides"][side]["rows"])
                for f in entry["sides"][side]["files"].values():
                    int(f["partition"]), int(f["bytes"])
            Layout(**entry["layout"])
            int(entry["partitions"]), bool(entry["rejects"]), entry["run_id"], entry["created_at"]
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise InvalidEntry(f"corrupt: {ENTRY} is not a cache entry ({type(e).__name__}: {e})") from None
        return entry

    def _check_current(self, entry: dict[str, Any], layout: Layout) -> None:
        if entry.get("spark") != self.spark.version:
            raise InvalidEntry(f"stale: built by Spark {entry.get('spark')}, this is {self.spark.version}")
        built = Layout(**entry["layout"])
        if built != layout:
            changed = ", ".join(
                f"{name} {getattr(built, name)} (this run: {getattr(layout, name)})"
                for name in built.__dict__
                if getattr(built, name) != getattr(layout, name)
            )
            raise InvalidEntry(f"stale: built with another partition layout: {changed}")
        for side in SIDES:
            found = self.fs.files(self._child(side))
            for name, f in sorted(entry["sides"][side]["files"].items()):
                if name not in found:
                    raise InvalidEntry(f"corrupt: {side}/{name} is missing")
                if found[name] != f["bytes"]:
                    raise InvalidEntry(
                        f"corrupt: {side}/{name} has {found[name]} bytes, {ENTRY} recorded {f['bytes']}"
                    )
        if entry["rejects"] and not self.fs.exists(self._child(REJECTS)):
            raise InvalidEntry(f"corrupt: {REJECTS}/ is missing")

    def _read(self, side: str, entry: dict[str, Any], columns: list[str]) -> DataFrame:
        """One side, cached and counted, in the partitions and row order it was written from. Any failure
        to read it (a damaged footer, a page failing its checksum, a file gone) makes the entry invalid."""
        files = entry["sides"][side]["files"]
        by_partition = {f["partition"]: name for name, f in files.items()}
        if not files:  # Spark writes a file even for no rows
            raise InvalidEntry(f"corrupt: {ENTRY} lists no {side} files")
        # File partitions are planned when a scan first runs: the settings must hold until the count.
        saved = {key: self.spark.conf.get(key, None) for key in ONE_PARTITION_PER_FILE}
        rows: DataFrame | None = None
        try:
            for key, setting in ONE_PARTITION_PER_FILE.items():
                self.spark.conf.set(key, setting)
            rows = self._union(side, entry["partitions"], by_partition, columns).cache()
            count = rows.count()
        except (Py4JJavaError, CapturedException) as e:
            if rows is not None:
                rows.unpersist()
            raise InvalidEntry(f"corrupt: {side}/ cannot be read ({error_text(e)[:500]})") from None
        finally:
            for key, before in saved.items():
                if before is None:
                    self.spark.conf.unset(key)
                else:
                    self.spark.conf.set(key, before)
        expected = entry["sides"][side]["rows"]
        assert rows is not None  # the count ran
        if count != expected:
            rows.unpersist()
            raise InvalidEntry(f"corrupt: {side}/ has {count} rows, {ENTRY} recorded {expected}")
        return rows

    def _union(
        self, side: str, partitions: int, by_partition: dict[int, str], columns: list[str]
    ) -> DataFrame:
        reader = self.spark.read.options(**VERIFY_CHECKSUMS)
        first = reader.parquet(self._child(side, next(iter(by_partition.values()))))
        if first.columns != columns:
            raise InvalidEntry(f"stale: {side} has columns {first.columns}, this run needs {columns}")
        # With the schema given, each file's footer is read when the count runs, inside its guard.
        reader = reader.schema(first.schema)

        def partition(index: int) -> DataFrame:
            name = by_partition.get(index)
            if name is not None:
                return reader.parquet(self._child(side, name))
            # An empty partition keeps its place: one partition, no rows.
            return self.spark.createDataFrame(self.spark.sparkContext.parallelize([], 1), first.schema)

        return functools.reduce(DataFrame.union, [partition(i) for i in range(partitions)])

    def store(
        self,
        sides: dict[str, tuple[DataFrame, int]],
        stats: InputStats,
        layout: Layout,
        rejects_uri: str | None,
        run_id: str,
    ) -> None:
        """Writes the entry (`sides`: train and test, each with its row count) beside its final place and
        renames it there, or on an object store in place with entry.json last. A failure here never fails
        the run: what was written is removed and the run goes on without it."""
        atomic = self.fs.renames_atomically(self.uri)
        folder = f"{self.uri}.tmp-{run_id}" if atomic else self.uri
        if not atomic and self.fs.exists(self.uri):
            return  # another run is storing this key, or stored it since this run looked
        try:
            written = {side: self._write(f"{folder}/{side}", *sides[side]) for side in SIDES}
            if rejects_uri is not None:
                self.fs.copy(rejects_uri, f"{folder}/{REJECTS}")
            entry = {
                "format": FORMAT,
                "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "run_id": run_id,
                "spark": self.spark.version,
                "partitions": layout.partitions,
                "layout": layout.doc(),
                "sides": written,
                "rejects": rejects_uri is not None,
                "stats": stats_doc(stats),
            }
            # Last: on an object store, what makes the entry complete.
            self.fs.write_text(f"{folder}/{ENTRY}", json.dumps(entry, indent=2) + "\n")
            if atomic and (self.fs.exists(self.uri) or not self.fs.rename(folder, self.uri)):
                # Another run stored this key meanwhile: its entry is as good as this one.
                self.fs.delete(folder)
                return
        except Exception as e:  # noqa: BLE001 -- the cache is an optimisation, the run is what matters
            self._report("not_stored", reason=error_text(e)[:500])
            # Best effort: a staging folder left behind is never read, and `kindling cache` lists it.
            with contextlib.suppress(Exception):
                self.fs.delete(folder)
            return
        self._report("stored", bytes=_bytes(entry))

    def _write(self, uri: str, rows: DataFrame, count: int) -> dict[str, Any]:
        # One file per partition, whatever spark.sql.files.maxRecordsPerFile says: a file is a partition.
        options = {**WRITE_CHECKSUMS, "maxRecordsPerFile": "0"}
        rows.write.options(**options).mode("errorifexists").parquet(uri)
        files = {
            name: {"partition": int(match.group(1)), "bytes": size}
            for name, size in sorted(self.fs.files(uri).items())
            if (match := PART_FILE.match(name))
        }
        return {"rows": count, "files": files}
