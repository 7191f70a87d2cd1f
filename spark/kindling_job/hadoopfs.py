"""Small text files through the Hadoop FileSystem API, so one code path serves file://, hdfs:// and s3://."""

from __future__ import annotations

from typing import Any

from pyspark import SparkContext
from pyspark.sql import SparkSession

from .errors import OutputExistsError

# py4j objects are untyped.
JavaObject = Any


# File systems whose rename of a folder is one atomic operation.
ATOMIC_RENAME_SCHEMES = frozenset({"file", "hdfs", "viewfs"})


class HadoopFs:
    """A JVM handle plus the Hadoop Configuration used to resolve URIs to file systems."""

    def __init__(self, jvm: JavaObject, conf: JavaObject) -> None:
        self.jvm = jvm
        self.conf = conf

    @classmethod
    def of_session(cls, spark: SparkSession) -> HadoopFs:
        return cls(spark._jvm, spark._jsc.hadoopConfiguration())

    @classmethod
    def before_session(cls) -> HadoopFs:
        """Start (or attach to) the JVM without a SparkContext, to read the spec before the session exists.

        The SparkSession is named after the run id, which is inside the spec. Hadoop settings come from the
        classpath (core-site.xml, e.g. EMRFS on EMR) plus `spark.hadoop.*` given to spark-submit, the same
        sources the SparkContext's Hadoop configuration uses.
        """
        SparkContext._ensure_initialized()
        jvm = SparkContext._jvm
        assert jvm is not None
        conf = jvm.org.apache.hadoop.conf.Configuration()
        for entry in jvm.org.apache.spark.SparkConf(True).getAll():
            key, value = entry._1(), entry._2()
            if key.startswith("spark.hadoop."):
                conf.set(key[len("spark.hadoop.") :], value)
        return cls(jvm, conf)

    def _path(self, uri: str) -> tuple[JavaObject, JavaObject]:
        path = self.jvm.org.apache.hadoop.fs.Path(uri)
        return path.getFileSystem(self.conf), path

    def exists(self, uri: str) -> bool:
        fs, path = self._path(uri)
        return bool(fs.exists(path))

    def size(self, uri: str) -> int:
        """Bytes under `uri` (a file, or every file below a folder)."""
        fs, path = self._path(uri)
        return int(fs.getContentSummary(path).getLength())

    def files(self, uri: str) -> dict[str, int]:
        """Name -> bytes of the files directly under the folder `uri` (none if it does not exist)."""
        fs, path = self._path(uri)
        if not fs.exists(path):
            return {}
        return {
            str(status.getPath().getName()): int(status.getLen())
            for status in fs.listStatus(path)
            if status.isFile()
        }

    def delete(self, uri: str) -> None:
        """Removes `uri` and everything under it; nothing there is fine."""
        fs, path = self._path(uri)
        fs.delete(path, True)

    def renames_atomically(self, uri: str) -> bool:
        """Whether a folder under `uri` moves at once: on a local disk or HDFS; an object store (s3://)
        copies and deletes object by object, so a reader could meet a folder half moved."""
        scheme = self.jvm.java.net.URI(uri).getScheme()
        return scheme is None or str(scheme) in ATOMIC_RENAME_SCHEMES

    def rename(self, source: str, target: str) -> bool:
        """Moves `source` to `target` (atomic on a local or HDFS file system); False if it could not."""
        fs, src = self._path(source)
        _, dst = self._path(target)
        return bool(fs.rename(src, dst))

    def copy(self, source: str, target: str) -> None:
        """Copies a file or folder, across file systems if need be (e.g. s3:// to file://)."""
        src_fs, src = self._path(source)
        dst_fs, dst = self._path(target)
        if dst_fs.exists(dst):
            raise OutputExistsError(target)
        self.jvm.org.apache.hadoop.fs.FileUtil.copy(src_fs, src, dst_fs, dst, False, self.conf)

    def read_text(self, uri: str) -> str:
        fs, path = self._path(uri)
        stream = fs.open(path)
        try:
            data: bytes = stream.readAllBytes()
        finally:
            stream.close()
        return data.decode("utf-8")

    def write_text(self, uri: str, text: str) -> None:
        """Create `uri` with `text` (UTF-8); never overwrites."""
        fs, path = self._path(uri)
        if fs.exists(path):
            raise OutputExistsError(uri)
        fs.setWriteChecksum(False)  # no .crc side files next to metrics.json on local disks
        stream = fs.create(path, False)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()
