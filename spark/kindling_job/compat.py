"""What differs between the Spark lines the job runs on (3.5 and 4.0), in one place."""

from __future__ import annotations

from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException
from pyspark.errors.exceptions.captured import CapturedException

try:  # Spark 4 moved it with the classic (non-Connect) Column.
    from pyspark.sql.classic.column import _to_java_column  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # Spark 3.5
    from pyspark.sql.column import _to_java_column  # type: ignore[no-redef,attr-defined,unused-ignore]

__all__ = ["_to_java_column", "captured_message", "error_condition", "error_text", "root_cause"]


def captured_message(e: CapturedException) -> str:
    """A JVM error's message, without the JVM stack trace str() may append."""
    desc = getattr(e, "desc", None)  # Spark 3.5
    if desc is None:  # Spark 4: getMessage() is "[ERROR_CLASS] message SQLSTATE: …", or "" without a class
        get_message = getattr(e, "getMessage", None)
        desc = (get_message() if callable(get_message) else "") or str(e)
    return str(desc).strip()


def error_text(e: BaseException) -> str:
    """An exception in one line of words: a JVM error's own description, without its stack trace."""
    if isinstance(e, Py4JJavaError):  # str() would carry the whole Java stack trace
        return str(e.java_exception.toString())
    if isinstance(e, CapturedException):  # e.g. AnalysisException; str() may append a JVM stack trace
        return f"{type(e).__name__}: {captured_message(e)}"
    return f"{type(e).__name__}: {e}"


def error_condition(e: PySparkException) -> str | None:
    """A JVM error's class ("PATH_NOT_FOUND"): Spark 4 renamed getErrorClass (now deprecated) getCondition."""
    get_condition = getattr(e, "getCondition", None) or e.getErrorClass
    condition = get_condition()
    return str(condition) if condition is not None else None


def root_cause(e: BaseException) -> str | None:
    """A JVM error's innermost cause (the last "Caused by:" of its trace), or None when it has none.

    Spark wraps what went wrong: a bad spark.sql.shuffle.partitions surfaces as "Error while instantiating
    SessionStateBuilder", and only the innermost cause says which setting and why.
    """
    java = getattr(e, "java_exception", None) or getattr(e, "_origin", None)  # Py4JJavaError / captured
    if java is None:
        return None
    try:
        inner, depth = java, 0
        while depth < 32:  # a cycle in a cause chain is possible in Java; never loop forever
            cause = inner.getCause()
            if cause is None:
                break
            inner, depth = cause, depth + 1
        return str(inner.toString()) if depth > 0 else None
    except Exception:  # noqa: BLE001 -- a JVM already gone must not cost the job its error event
        return None
