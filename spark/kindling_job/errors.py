"""Typed job failures. `kind` is the stable name printed in the `error` event."""

from __future__ import annotations

from collections.abc import Iterable


class JobError(Exception):
    """A failure caused by the spec or the data (something the user can fix), not a bug in the job."""

    kind = "JobError"


class SpecError(JobError):
    kind = "SpecError"


class SparkLineError(JobError):
    """The job runs on another Spark line than the CLI chose: the models it saved could not be read back."""

    kind = "SparkLineMismatch"

    def __init__(self, expected: str, running: str) -> None:
        super().__init__(
            f"the run was planned for Spark {expected} (spark.line) but the job runs on Spark {running}:"
            " models saved here could not be scored on the planned line. Run it where PySpark / the"
            f" cluster is Spark {expected}, or set spark.line to the line that runs."
        )
        self.expected = expected
        self.running = running


class InputNotFoundError(JobError):
    kind = "InputNotFound"

    def __init__(self, uri: str) -> None:
        super().__init__(f"input not found: {uri}")
        self.uri = uri


class MissingColumnError(JobError):
    kind = "MissingColumn"

    def __init__(self, role: str, column: str, available: Iterable[str]) -> None:
        self.role = role
        self.column = column
        self.available = list(available)
        shown = ", ".join(repr(c) for c in self.available) or "(none)"
        super().__init__(f"{role} column {column!r} not found in the input; available columns: {shown}")


class EmptyDataError(JobError):
    kind = "EmptyData"


class SingleClassError(JobError):
    kind = "SingleClass"

    def __init__(self, label_column: str, labels: Iterable[str]) -> None:
        self.labels = list(labels)
        found = ", ".join(repr(v) for v in self.labels) or "none"
        super().__init__(
            f"label column {label_column!r} has {len(self.labels)} distinct value(s) ({found}) "
            "after dropping nulls; a classifier needs at least 2"
        )


class OutputExistsError(JobError):
    kind = "OutputExists"

    def __init__(self, uri: str) -> None:
        super().__init__(f"output already exists, refusing to overwrite: {uri}")
        self.uri = uri


class TooManyClassesError(JobError):
    kind = "TooManyClasses"

    def __init__(self, label_column: str, limit: int) -> None:
        super().__init__(
            f"label column {label_column!r} has more than {limit} distinct values; "
            "is it really the label (and not, say, the text)?"
        )


class TooManyRejectsError(JobError):
    kind = "TooManyRejects"

    def __init__(self, rejected: int, rows: int, max_fraction: float, uri: str | None) -> None:
        self.rejected = rejected
        self.rows = rows
        self.max_fraction = max_fraction
        where = f"; they are in {uri}" if uri else ""
        super().__init__(
            f"{rejected} of {rows} input rows ({rejected / rows:.2%}) are malformed (wrong number of "
            f"fields), more than input.max_reject_fraction {max_fraction:g}{where}"
        )
