"""ML vectors as SQL arrays, without pyspark.ml.functions (it imports pandas, which the job does not need)."""

from __future__ import annotations

from pyspark import SparkContext
from pyspark.sql import Column

from .compat import _to_java_column


def vector_to_array(col: Column) -> Column:
    """The JVM function behind pyspark.ml.functions.vector_to_array (float64 elements)."""
    sc = SparkContext._active_spark_context
    jvm = sc._jvm if sc is not None else None
    if jvm is None:
        raise RuntimeError("vector_to_array needs an active SparkContext")
    return Column(jvm.org.apache.spark.ml.functions.vector_to_array(_to_java_column(col), "float64"))
