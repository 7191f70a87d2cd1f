import { describe, expect, it } from "vitest";
import { replacementProblem, sparkMasterProblem } from "../../src/config/schema.js";
import { expectIssue, type IssueCase } from "./issuesOf.js";

/** Options that are each valid but contradict one another, and sections missing what they need. */
describe("conflicting options and incomplete sections, located by key path and line", () => {
  const cases: IssueCase[] = [
    {
      name: "text and label the same column",
      yaml: "data:\n  path: a.csv\n  text: body\n  label: body\n",
      path: "data.label",
      line: 4,
      message: /must differ from data\.text \(both are "body"\)/,
    },
    {
      name: "text column named like a column the job adds",
      yaml: "data:\n  path: a.csv\n  text: features\n",
      path: "data.text",
      line: 3,
      message: /"features" is a column the job adds/,
    },
    {
      name: "format parquet for a .csv path",
      yaml: "data:\n  path: a.csv\n  format: parquet\n",
      path: "data.format",
      line: 3,
      message: /is parquet but data\.path "a\.csv" names a CSV file/,
    },
    {
      name: "format csv for a .parquet path",
      yaml: "data:\n  path: d.parquet\n  format: csv\n",
      path: "data.format",
      line: 3,
      message: /names a Parquet file/,
    },
    {
      name: "quote equal to the delimiter",
      yaml: 'data:\n  path: a.csv\n  csv:\n    delimiter: "\'"\n    quote: "\'"\n',
      path: "data.csv.quote",
      line: 5,
      message: /must differ from data\.csv\.delimiter/,
    },
    {
      name: "escape equal to the delimiter",
      yaml: "data:\n  path: a.csv\n  csv:\n    escape: ','\n",
      path: "data.csv.escape",
      line: 4,
      message: /must differ from data\.csv\.delimiter \(both are ","\)/,
    },
    {
      name: "reject fraction outside [0, 1]",
      yaml: "data:\n  path: a.csv\n  max_reject_fraction: 5\n",
      path: "data.max_reject_fraction",
      line: 3,
      message: /must be ≤ 1, got 5/,
    },
    {
      name: "a Spark setting that has its own key",
      yaml: "data: { path: a.csv }\nspark:\n  conf:\n    spark.driver.memory: 8g\n",
      path: "spark.conf.spark.driver.memory",
      line: 4,
      message: /conflicts with spark\.driver_memory; set spark\.driver_memory instead/,
    },
    {
      name: "a Spark setting whose name says it holds a secret",
      yaml: "data: { path: a.csv }\nspark:\n  conf:\n    spark.hadoop.fs.s3a.secret.key: abc\n",
      path: "spark.conf.spark.hadoop.fs.s3a.secret.key",
      line: 4,
      message: /looks like a secret .*saved in each run's spec and manifest: remove it/,
    },
    {
      name: "an access key under Spark's own spelling",
      yaml: "data: { path: a.csv }\nspark:\n  conf:\n    spark.hadoop.fs.s3a.ACCESS.KEY: abc\n",
      path: "spark.conf.spark.hadoop.fs.s3a.ACCESS.KEY",
      line: 4,
      message: /looks like a secret/,
    },
    {
      name: "a well-known Spark setting of the wrong type (Spark would refuse it only at session start)",
      yaml: "data: { path: a.csv }\nspark:\n  conf:\n    spark.sql.shuffle.partitions: abc\n",
      path: "spark.conf.spark.sql.shuffle.partitions",
      line: 4,
      message: /Spark reads a whole number ≥ 1 here, got "abc"/,
    },
    {
      name: "a Spark size without Spark's units",
      yaml: "data: { path: a.csv }\nspark:\n  conf:\n    spark.driver.maxResultSize: 2 gigabytes\n",
      path: "spark.conf.spark.driver.maxResultSize",
      line: 4,
      message: /a size such as 512m or 2g/,
    },
    {
      name: "a Spark size with a space before its unit (Spark reads digits then letters, nothing between)",
      yaml: "data: { path: a.csv }\nspark:\n  conf:\n    spark.driver.maxResultSize: 512 m\n",
      path: "spark.conf.spark.driver.maxResultSize",
      line: 4,
      message: /a size such as 512m or 2g/,
    },
    {
      name: "a Spark duration with a space before its unit",
      yaml: "data: { path: a.csv }\nspark:\n  conf:\n    spark.network.timeout: 120 s\n",
      path: "spark.conf.spark.network.timeout",
      line: 4,
      message: /a duration such as 120s or 5min/,
    },
    {
      name: "spark:// master without its port",
      yaml: "data: { path: a.csv }\nspark:\n  master: spark://head\n",
      path: "spark.master",
      line: 3,
      message: /needs the master's port: spark:\/\/head:7077/,
    },
    {
      name: "a misspelt local master",
      yaml: "data: { path: a.csv }\nspark:\n  master: lcoal[*]\n",
      path: "spark.master",
      line: 3,
      message: /must be local, local\[N\], local\[\*\] or local\[N,F\], got "lcoal\[\*\]"/,
    },
    {
      name: "in-transit encryption without its certificate (the aws section misses what it needs)",
      yaml: "data: { path: a.csv }\naws:\n  in_transit_encryption: true\n",
      path: "aws.in_transit_encryption",
      line: 3,
      message: /needs aws\.in_transit_certificate_s3_uri: a zip on S3 of privateKey\.pem/,
    },
    {
      name: "an empty max_iter grid",
      yaml: "data: { path: a.csv }\ntrain:\n  grid: { max_iter: [] }\n",
      path: "train.grid.max_iter",
      line: 3,
      message: /at least 1 item/,
    },
    {
      name: "a cleaning replacement naming a group the pattern lacks (Java would fail mid-run)",
      yaml: "data: { path: a.csv }\ntext:\n  clean:\n    - { pattern: 'ab+', replace: '<$1>' }\n",
      path: "text.clean.0.replace",
      line: 4,
      message: /refers to group \$1, but the pattern has 0 groups \(write \\\$ for a dollar sign\)/,
    },
    {
      name: "a cleaning replacement ending in a lone backslash",
      yaml: "data: { path: a.csv }\ntext:\n  clean:\n    - { pattern: 'x', replace: 'y\\' }\n",
      path: "text.clean.0.replace",
      line: 4,
      message: /ends with a lone \\/,
    },
    {
      name: "max_field_chars not positive",
      yaml: "data:\n  path: a.csv\n  csv: { max_field_chars: 0 }\n",
      path: "data.csv.max_field_chars",
      line: 3,
      message: /must be > 0, got 0/,
    },
  ];

  it.each(cases)("$name", expectIssue);

  it("accepts replacements Java accepts", () => {
    const ok = [
      ["(a)(b)", "$2$1"],
      ["x", "\\$5 and \\\\"],
      ["(?<word>\\w+)", "$" + "{word}!"], // a Java named-group reference
      ["x", "$0"],
    ];
    for (const [pattern, replace] of ok) {
      expect(replacementProblem(pattern ?? "", replace ?? ""), `${pattern} → ${replace}`).toBeUndefined();
    }
  });

  it("accepts every master form Spark does", () => {
    for (const ok of [
      "local",
      "local[*]",
      "local[4]",
      "local[4,2]",
      "spark://h:7077",
      "spark://a:1,b:2",
      "yarn",
      "k8s://https://x",
    ]) {
      expect(sparkMasterProblem(ok), ok).toBeUndefined();
    }
  });
});
