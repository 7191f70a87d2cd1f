/**
 * The types of well-known Spark settings, so `validate` refuses what Spark would refuse only once a
 * session starts (on EMR, minutes after the cluster was asked for). Formats are Spark's own: sizes like
 * 512m or 1g (ConfigBuilder.bytesConf), durations like 120s or 5min (timeConf). Settings not listed here
 * go to Spark unchecked.
 */
type Kind = "count" | "positive" | "boolean" | "size" | "duration" | "fraction";

const KNOWN: Record<string, Kind> = {
  "spark.sql.shuffle.partitions": "positive",
  "spark.default.parallelism": "positive",
  "spark.executor.cores": "positive",
  "spark.driver.cores": "positive",
  "spark.task.cpus": "positive",
  "spark.task.maxFailures": "positive",
  "spark.executor.instances": "count",
  "spark.dynamicAllocation.minExecutors": "count",
  "spark.dynamicAllocation.maxExecutors": "count",
  "spark.dynamicAllocation.initialExecutors": "count",
  "spark.ui.enabled": "boolean",
  "spark.eventLog.enabled": "boolean",
  "spark.speculation": "boolean",
  "spark.dynamicAllocation.enabled": "boolean",
  "spark.shuffle.service.enabled": "boolean",
  "spark.sql.adaptive.enabled": "boolean",
  "spark.sql.adaptive.coalescePartitions.enabled": "boolean",
  "spark.sql.ansi.enabled": "boolean",
  "spark.rdd.compress": "boolean",
  "spark.driver.maxResultSize": "size",
  "spark.driver.memoryOverhead": "size",
  "spark.executor.memoryOverhead": "size",
  "spark.memory.offHeap.size": "size",
  "spark.kryoserializer.buffer.max": "size",
  "spark.sql.files.maxPartitionBytes": "size",
  "spark.sql.adaptive.advisoryPartitionSizeInBytes": "size",
  "spark.network.timeout": "duration",
  "spark.executor.heartbeatInterval": "duration",
  "spark.memory.fraction": "fraction",
  "spark.memory.storageFraction": "fraction",
};

// As Spark's JavaUtils reads them (byteStringAs, timeStringAs): digits, then a unit, nothing between.
const SIZE = /^\d+(b|k|kb|m|mb|g|gb|t|tb|p|pb)?$/i;
const DURATION = /^\d+(us|ms|s|m|min|h|d)?$/i;

const EXPECTED: Record<Kind, string> = {
  count: "a whole number ≥ 0",
  positive: "a whole number ≥ 1",
  boolean: "true or false",
  size: "a size such as 512m or 2g (b, k, m, g, t, p)",
  duration: "a duration such as 120s or 5min (ms, s, m, min, h, d)",
  fraction: "a number between 0 and 1",
};

function fits(kind: Kind, value: string | number | boolean): boolean {
  const text = String(value).trim();
  switch (kind) {
    case "count":
      return /^\d+$/.test(text);
    case "positive":
      return /^\d+$/.test(text) && Number(text) >= 1;
    case "boolean":
      return /^(true|false)$/i.test(text);
    case "size":
      return SIZE.test(text);
    case "duration":
      return DURATION.test(text);
    case "fraction":
      return text !== "" && Number.isFinite(Number(text)) && Number(text) >= 0 && Number(text) <= 1;
  }
}

/** What is wrong with a well-known setting's value, or undefined when it fits (or the key is not known). */
export function sparkConfProblem(key: string, value: string | number | boolean): string | undefined {
  const kind = KNOWN[key];
  if (!kind || fits(kind, value)) return undefined;
  return `Spark reads ${EXPECTED[kind]} here`;
}
