import { describe, expect, it } from "vitest";
import { classifyFailure } from "../../src/targets/emr/classify.js";
import { actualCost, costFor, estimateRunCost, hourlyRate, PRICE_TABLE } from "../../src/targets/emr/cost.js";
import { CommandFoundation, type FoundationOps } from "../../src/targets/emr/foundation.js";
import { describeMix, type InstanceRole } from "../../src/targets/emr/instances.js";
import { failureTail, tail } from "../../src/targets/emr/logs.js";
import { listWarmClusters, resolveWarmCluster } from "../../src/targets/emr/warm.js";
import type { EmrApi } from "../../src/targets/emr/watch.js";
import { RecordingHost } from "../helpers/recordingHost.js";

/** The default storage: a 15 GiB gp3 root volume and one 64 GiB gp3 data volume per instance. */
const STORAGE = { rootGb: 15, volumes: [{ type: "gp3", sizeGb: 64 }] };
const SEED_MIX: InstanceRole[] = [
  { role: "primary", instanceTypes: ["m5.xlarge"], count: 1, market: "ON_DEMAND", storage: STORAGE },
  { role: "core", instanceTypes: ["m5.xlarge"], count: 2, market: "ON_DEMAND", storage: STORAGE },
];
/** us-east-1: 79 GiB of gp3 at $0.08 per GB-month, over 730 hours. */
const EBS_PER_INSTANCE_HOUR = (79 * 0.08) / 730;
const SEED_RATE = 3 * (0.192 + 0.048 + EBS_PER_INSTANCE_HOUR);

const TWENTY = { minutes: 20, source: "as set by emr.estimated_runtime_minutes" };

describe("cost", () => {
  it("prices instance-hours: EC2 on-demand + EMR surcharge + EBS volumes per instance", () => {
    const rate = hourlyRate(SEED_MIX, "us-east-1");
    expect(rate).toMatchObject({ known: true });
    // 3 × (0.192 + 0.048 + 79 GiB × 0.08 / 730) ≈ 0.746: storage adds ~3.6% to the instances' 0.72.
    expect(rate.known && rate.usdPerHour).toBeCloseTo(SEED_RATE, 10);
    expect(rate.known && rate.lines.map((l) => l.storageUsdPerHour)).toEqual([
      EBS_PER_INSTANCE_HOUR,
      2 * EBS_PER_INSTANCE_HOUR,
    ]);
  });

  it("prices every volume by its type and size; a type the table lacks is named, not guessed", () => {
    const gp2: InstanceRole = {
      ...(SEED_MIX[0] as InstanceRole),
      storage: {
        rootGb: 20,
        volumes: [
          { type: "gp2", sizeGb: 100 },
          { type: "gp3", sizeGb: 10 },
        ],
      },
    };
    const rate = hourlyRate([gp2], "eu-west-1");
    expect(rate.known && rate.lines[0]?.storageUsdPerHour).toBeCloseTo(
      (20 * 0.088 + 100 * 0.11 + 10 * 0.088) / 730,
      10,
    );
    const io1: InstanceRole = { ...gp2, storage: { rootGb: 15, volumes: [{ type: "io1", sizeGb: 100 }] } };
    expect(hourlyRate([io1], "us-east-1")).toEqual({
      known: false,
      missing: ["no EBS io1 price in us-east-1"],
    });
  });

  it("describes the mix with each instance's volumes, once when every role has the same", () => {
    expect(describeMix(SEED_MIX)).toBe(
      "1× m5.xlarge primary, 2× m5.xlarge core; each 64 GiB gp3 + 15 GiB root",
    );
    const rootOnly = { ...(SEED_MIX[1] as InstanceRole), storage: { rootGb: 15, volumes: [] } };
    expect(describeMix([SEED_MIX[0] as InstanceRole, rootOnly])).toBe(
      "1× m5.xlarge primary, 2× m5.xlarge core",
    );
  });

  it("spot: EC2 × spot_factor, surcharge unchanged", () => {
    const mix: InstanceRole[] = [
      SEED_MIX[0] as InstanceRole,
      { ...(SEED_MIX[1] as InstanceRole), market: "SPOT" },
    ];
    const rate = hourlyRate(mix, "us-east-1");
    const expected =
      0.192 + 0.048 + 2 * (0.192 * PRICE_TABLE.spot_factor + 0.048) + 3 * EBS_PER_INSTANCE_HOUR;
    expect(rate.known && rate.usdPerHour).toBeCloseTo(expected, 10);
  });

  it("estimate = rate × (provisioning + expected run time); actual from the timeline with a one-minute minimum", () => {
    const e = estimateRunCost(SEED_MIX, "us-east-1", TWENTY);
    expect(e.minutes).toBe(PRICE_TABLE.provisioning_minutes + 20);
    expect(e.usd).toBeCloseTo((SEED_RATE * e.minutes) / 60, 4);
    const created = new Date("2026-01-01T00:00:00Z");
    expect(
      actualCost(SEED_MIX, "us-east-1", { created, ended: new Date(created.getTime() + 30 * 60_000) }),
    ).toBeCloseTo(SEED_RATE / 2, 4);
    expect(costFor(hourlyRate(SEED_MIX, "us-east-1"), 5)).toBeCloseTo(SEED_RATE / 60, 10);
  });

  it("a region or type missing from the table gives no number, and says what is missing", () => {
    const e = estimateRunCost(
      [{ ...(SEED_MIX[0] as InstanceRole), instanceTypes: ["x9.huge"] }],
      "mars-east-1",
      TWENTY,
    );
    expect(e.usd).toBeUndefined();
    expect(e.missing).toEqual(["no price for x9.huge in mars-east-1", "no EBS gp3 price in mars-east-1"]);
  });
});

describe("classifyFailure", () => {
  it.each([
    [
      { clusterReason: { Code: "BOOTSTRAP_FAILURE", Message: "bootstrap action 1 failed" }, logs: [] },
      "bootstrap-failure",
    ],
    [
      { clusterReason: { Code: "INSTANCE_FAILURE", Message: "Spot instance reclaimed" }, logs: [] },
      "spot-loss",
    ],
    [{ clusterReason: { Code: "INSTANCE_FAILURE", Message: "health check" }, logs: [] }, "instance-failure"],
    [
      { logs: ["org.apache.spark.sql.AnalysisException: Path does not exist: s3://b/x.csv"] },
      "missing-input",
    ],
    [{ jobError: { stage: "load", kind: "InputNotFound", message: "gone" }, logs: [] }, "missing-input"],
    [
      {
        logs: ["Container killed by YARN for exceeding memory limits. 5.5 GB of 5.5 GB physical memory used"],
      },
      "out-of-memory",
    ],
    [{ logs: ["Traceback (most recent call last):\n  File x\nKeyError: 'label'\n"] }, "python-traceback"],
    [
      {
        jobError: { stage: "prepare", kind: "SingleClass", message: "one label" },
        logs: ["Traceback (most recent call last):"],
      },
      "job-error",
    ],
    [{ stepState: "CANCELLED", logs: [] }, "cancelled"],
    [{ stepState: "FAILED", failureDetails: { Reason: "Unknown Error." }, logs: [] }, "unknown"],
  ])("%o → %s", (evidence, cause) => {
    expect(classifyFailure(evidence).cause).toBe(cause);
  });

  it("names the Python exception from the last traceback", () => {
    const c = classifyFailure({
      logs: ['Traceback (most recent call last):\n  File "a.py"\nValueError: bad\n'],
    });
    expect(c.summary).toBe("The Python job raised ValueError: bad");
  });

  it("an out-of-memory explains a Py4J traceback, not the other way round", () => {
    const c = classifyFailure({
      logs: [
        "Traceback (most recent call last):\npy4j.protocol.Py4JJavaError: x\njava.lang.OutOfMemoryError: Java heap space",
      ],
    });
    expect(c.cause).toBe("out-of-memory");
  });
});

describe("CommandFoundation (--deploy --destroy)", () => {
  const outputs = { dataBucketName: "d" } as never;
  function ops(found: boolean) {
    const log: string[] = [];
    const o: FoundationOps = {
      find: async () => {
        log.push("find");
        return found ? outputs : undefined;
      },
      deploy: async () => {
        log.push("deploy");
        return outputs;
      },
      destroy: async () => {
        log.push("destroy");
      },
    };
    return { log, ops: o };
  }
  const foundation = (o: FoundationOps, deploy: boolean, destroy: boolean, io = new RecordingHost()) =>
    new CommandFoundation(o, { deploy, destroy, stackName: "kindling-p-dev", region: "eu-west-1", io });

  it("deploys when absent and destroys what it deployed", async () => {
    const o = ops(false);
    const f = foundation(o.ops, true, true);
    await f.check();
    expect(await f.acquire()).toBe(outputs);
    await f.release();
    expect(o.log).toEqual(["find", "deploy", "destroy"]);
  });

  it("destroys after a deploy that failed half-way", async () => {
    const o = ops(false);
    o.ops.deploy = async () => {
      o.log.push("deploy");
      throw new Error("rollback");
    };
    const f = foundation(o.ops, true, true);
    await f.check();
    await expect(f.acquire()).rejects.toThrow("rollback");
    await f.release();
    expect(o.log).toEqual(["find", "deploy", "destroy"]);
  });

  it("a stack that was there before is used and kept, even with --destroy, and says so", async () => {
    const o = ops(true);
    const io = new RecordingHost();
    const f = foundation(o.ops, true, true, io);
    await f.check();
    await f.acquire();
    await f.release();
    expect(o.log).toEqual(["find"]);
    expect(io.text()).toMatch(
      /Kept the foundation stack kindling-p-dev: it was deployed before this command/,
    );
  });

  it("without --deploy, an absent stack is an error that says what to run", async () => {
    const f = foundation(ops(false).ops, false, false);
    await expect(f.check()).rejects.toThrow(/kindling-p-dev is not deployed in eu-west-1/);
  });
});

describe("tail", () => {
  it("keeps the last lines without trailing blanks", () => {
    expect(tail("a\nb\nc\n\n", 2)).toBe("b\nc");
  });
});

describe("failureTail", () => {
  it("shows the traceback, ERROR and Caused by lines, not Spark's INFO start-up that ends the file", () => {
    const log = [
      "26/12/07 10:15:01 INFO SparkContext: Running Spark version 3.5.6",
      "Traceback (most recent call last):",
      '  File "entry.py", line 4, in <module>',
      "pyspark.errors.exceptions.captured.IllegalArgumentException: Error while instantiating 'org.apache.spark.sql.internal.SessionStateBuilder':",
      "26/12/07 10:15:02 ERROR ApplicationMaster: User application exited with status 1",
      "Caused by: java.lang.IllegalArgumentException: spark.sql.shuffle.partitions should be int, but was abc",
      ...Array.from(
        { length: 40 },
        (_, i) => `26/12/07 10:15:03,${i} INFO ShutdownHookManager: Deleting directory /tmp/spark-${i}`,
      ),
    ].join("\n");
    const shown = failureTail(log);
    expect(shown.split("\n")).toEqual([
      "Traceback (most recent call last):",
      '  File "entry.py", line 4, in <module>',
      "pyspark.errors.exceptions.captured.IllegalArgumentException: Error while instantiating 'org.apache.spark.sql.internal.SessionStateBuilder':",
      "26/12/07 10:15:02 ERROR ApplicationMaster: User application exited with status 1",
      "Caused by: java.lang.IllegalArgumentException: spark.sql.shuffle.partitions should be int, but was abc",
    ]);
    // A log that is all INFO keeps its plain tail rather than showing nothing.
    expect(failureTail("26/12/07 10:15:01 INFO A: one\n26/12/07 10:15:01 INFO A: two", 1)).toBe(
      "26/12/07 10:15:01 INFO A: two",
    );
  });
});

describe("progressBar", () => {
  it("fills in proportion, clamped", async () => {
    const { progressBar } = await import("../../src/targets/emr/upload.js");
    expect(progressBar(0.5, 10)).toBe("█████░░░░░");
    expect(progressBar(2, 4)).toBe("████");
    expect(progressBar(-1, 4)).toBe("░░░░");
  });
});

describe("warm clusters belong to a project in one environment", () => {
  const cluster = (environment: string) => ({
    Cluster: {
      Id: "j-WARM",
      Status: { State: "WAITING" },
      Tags: [
        { Key: "kindling:project", Value: "spam" },
        { Key: "kindling:environment", Value: environment },
        { Key: "kindling:warm", Value: "true" },
      ],
    },
  });
  const emr = (environment: string) =>
    ({
      describeCluster: async () => cluster(environment),
      listClusters: async () => ({ Clusters: [{ Id: "j-WARM" }] }),
    }) as unknown as EmrApi;

  it("a run in prod neither finds nor takes dev's warm cluster (another foundation's network and roles)", async () => {
    const prod = { project: "spam", environment: "prod" };
    expect(await listWarmClusters(emr("dev"), prod)).toEqual([]);
    await expect(resolveWarmCluster(emr("dev"), prod, "j-WARM")).rejects.toThrow(
      "cluster j-WARM is not a warm cluster of project spam (environment prod)",
    );
    expect((await resolveWarmCluster(emr("prod"), prod, "latest")).id).toBe("j-WARM");
  });
});
