import { RetentionDays } from "aws-cdk-lib/aws-logs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_MAX, LOG_RETENTION_DAYS, PROJECT_MAX, STACK_NAME_MAX } from "../../src/config/deploy.js";
import { parseConfig } from "../../src/config/load.js";
import { configSchema } from "../../src/config/schema.js";
import { WORKER_CPUS, WORKER_MEMORY_GB } from "../../src/config/serverless.js";
import { UsageError } from "../../src/errors.js";
import { foundationSettingsFrom } from "../../src/infra/fromConfig.js";
import {
  type FoundationSettingsInput,
  resolveFoundationSettings,
  stackNameFor,
} from "../../src/infra/settings.js";
import { VERSIONS } from "../../src/versions.js";

/** The setting names used in code; users only ever write the kindling.yaml keys, so errors never show these. */
const CODE_NAMES =
  /foundation\.|logsRetentionDays|flowLogsRetentionDays|inTransitEncryption|inTransitCertificateS3Uri|s3PrefixListId/;

function usageErrorOf(f: () => unknown): UsageError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error("expected a UsageError");
}

describe("resolveFoundationSettings", () => {
  it("fills the documented defaults", () => {
    expect(resolveFoundationSettings({ project: "spam-filter" })).toEqual({
      project: "spam-filter",
      environment: "dev",
      network: "private",
      encryption: "sse-s3",
      logsRetentionDays: 30,
      flowLogsRetentionDays: 90,
      inTransitEncryption: false,
      deleteDataOnDestroy: false,
      tags: {},
      serverless: {
        releaseLabel: VERSIONS.emrRelease,
        architecture: "X86_64",
        maxVcpu: 16,
        maxMemoryGb: 64,
        idleMinutes: 15,
        preInitialized: {
          executors: 0,
          driver: { cpu: 2, memory: "7g" },
          executor: { cpu: 4, memory: "14g" },
        },
      },
    });
  });

  it("fills the application's defaults around the parts given", () => {
    const s = resolveFoundationSettings({
      project: "p",
      serverless: { architecture: "ARM64", preInitialized: { executors: 2 } },
    });
    expect(s.serverless).toMatchObject({
      releaseLabel: VERSIONS.emrRelease,
      architecture: "ARM64",
      maxVcpu: 16,
      preInitialized: { executors: 2, driver: { cpu: 2, memory: "7g" }, executor: { cpu: 4, memory: "14g" } },
    });
  });

  it("keeps given values and ignores explicit undefined", () => {
    const s = resolveFoundationSettings({
      project: "p",
      environment: "prod",
      region: "eu-west-1",
      account: "123456789012",
      network: "public",
      encryption: "sse-kms",
      logsRetentionDays: 7,
      flowLogsRetentionDays: 365,
      deleteDataOnDestroy: true,
      s3PrefixListId: undefined,
    });
    expect(s).toMatchObject({
      environment: "prod",
      region: "eu-west-1",
      network: "public",
      logsRetentionDays: 7,
      deleteDataOnDestroy: true,
    });
    expect("s3PrefixListId" in s).toBe(false);
  });

  // Programmatic values go through the config schema's rules and are reported under the config keys.
  it.each([
    [{ project: "Spam" }, /^ {2}project: must be lower-case letters and digits.*got "Spam"$/m],
    [{ project: "spam_filter" }, /project: must be lower-case/],
    [{ project: "1spam" }, /project: .*starting with a letter/],
    [{ project: "spam-" }, /project: .*no trailing -/],
    [{ project: "a--b" }, /project: .*no --/],
    [{ project: "spam", environment: "dev env" }, /aws\.environment: must be lower-case/],
    [{ project: "spam", network: "vpn" as never }, /aws\.network: must be one of "private", "public"/],
    [{ project: "spam", encryption: "aes" as never }, /aws\.encryption: must be one of "sse-s3", "sse-kms"/],
    [{ project: "spam", logsRetentionDays: 0 }, /aws\.logs_retention_days: must be > 0/],
    [{ project: "spam", logsRetentionDays: 2 ** 31 }, /aws\.logs_retention_days: must be ≤ 2147483647/],
    [
      { project: "spam", flowLogsRetentionDays: 100 },
      /aws\.flow_logs_retention_days: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, .*3653, got 100/,
    ],
    [{ project: "spam", region: "Europe" }, /aws\.region: must be an AWS region name/],
    [{ project: "spam", account: "12345" }, /aws\.account: must be a 12-digit/],
    [{ project: "spam", s3PrefixListId: "s3" }, /aws\.s3_prefix_list_id: must look like "pl-63a5400a"/],
    [{ project: "spam", s3PrefixListId: "pl-123" }, /aws\.s3_prefix_list_id/],
    [
      { project: "spam", inTransitEncryption: true },
      /aws\.in_transit_encryption: needs aws\.in_transit_certificate_s3_uri: .*privateKey\.pem/,
    ],
    [
      { project: "spam", inTransitEncryption: true, inTransitCertificateS3Uri: "https://x/y.zip" },
      /aws\.in_transit_certificate_s3_uri: must be an s3:\/\/bucket\/key\.zip URI/,
    ],
    [
      { project: "spam", inTransitCertificateS3Uri: "s3://Certs_Bucket/c.zip" },
      /aws\.in_transit_certificate_s3_uri/,
    ],
    [
      { project: "spam", inTransitCertificateS3Uri: "s3://certs/*.zip" },
      /aws\.in_transit_certificate_s3_uri/,
    ],
    [
      { project: "a-very-long-project-name", environment: "staging" },
      /project: is too long for the stack name "kindling-a-very-long-project-name-staging" \(41 characters, the limit is 40\): shorten it or aws\.environment by 1/,
    ],
    [
      { project: "spam", environment: "a-long-environment" },
      /aws\.environment: must have at most 16 character/,
    ],
    [
      { project: "spam", serverless: { releaseLabel: "7.13.0" } },
      /serverless\.release_label: must look like emr-7\.13\.0/,
    ],
    [
      { project: "spam", serverless: { architecture: "ARM" as never } },
      /serverless\.architecture: must be one of/,
    ],
    [{ project: "spam", serverless: { idleMinutes: 0 } }, /serverless\.idle_minutes: must be ≥ 1/],
    [
      { project: "spam", serverless: { preInitialized: { executor: { cpu: 4, memory: "40g" } } } },
      /serverless\.executor\.memory: 40g plus Spark's overhead is 44\.0 GB; a 4-vCPU worker takes 8–30 GB/,
    ],
    // Too small for the driver and a single executor: no job could ever run.
    [
      { project: "spam", serverless: { maxVcpu: 4 } },
      /serverless\.max_vcpu: is 4, but one job needs 6 vCPUs/,
    ],
  ] as [FoundationSettingsInput, RegExp][])("rejects %o naming the config key", (input, message) => {
    const error = usageErrorOf(() => resolveFoundationSettings(input));
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(CODE_NAMES);
    expect(error.exitCode).toBe(2);
  });

  it("reports the stack name's length at the longer name, the one worth shortening", () => {
    const long = usageErrorOf(() =>
      resolveFoundationSettings({ project: "spam-filter-abcd", environment: "staging-eu-west" }),
    );
    expect(long.message).toMatch(/project: is too long .*shorten it or aws\.environment by 1/);
    const longEnv = usageErrorOf(() =>
      resolveFoundationSettings({ project: "spam-filter-abc", environment: "staging-eu-west1" }),
    );
    expect(longEnv.message).toMatch(/aws\.environment: is too long .*shorten it or project by 1/);
  });

  it("reports every problem at once", () => {
    const error = usageErrorOf(() =>
      resolveFoundationSettings({ project: "a--b", flowLogsRetentionDays: 100, region: "Europe" }),
    );
    expect(error.message.split("\n").slice(1)).toHaveLength(3);
  });

  it("is idempotent: resolved settings pass again unchanged", () => {
    const s = resolveFoundationSettings({
      project: "p",
      inTransitEncryption: true,
      inTransitCertificateS3Uri: "s3://certs/emr/certs.zip",
      s3PrefixListId: "pl-63a5400a",
      deleteDataOnDestroy: true,
      serverless: { releaseLabel: "emr-7.1.0", maxVcpu: 6, preInitialized: { executors: 1 } },
    });
    expect(resolveFoundationSettings(s)).toEqual(s);
  });
});

describe("stackNameFor", () => {
  it("derives kindling-<project>-<environment>", () => {
    expect(stackNameFor({ project: "spam-filter", environment: "dev" })).toBe("kindling-spam-filter-dev");
  });

  it("refuses names the config refuses, under the config keys", () => {
    expect(usageErrorOf(() => stackNameFor({ project: "a--b", environment: "dev" })).message).toMatch(
      /project: .*no --/,
    );
    expect(usageErrorOf(() => stackNameFor({ project: "spam", environment: "dev-" })).message).toMatch(
      /aws\.environment: .*no trailing -/,
    );
  });
});

describe("foundationSettingsFrom", () => {
  const config = parseConfig("data: { path: a.csv }\naws: { region: eu-west-1 }\n", "kindling.yaml");

  it("maps the aws section; the region override wins", () => {
    expect(foundationSettingsFrom(config)).toMatchObject({ project: "kindling", region: "eu-west-1" });
    expect(foundationSettingsFrom(config, { region: "us-east-2" }).region).toBe("us-east-2");
  });

  it("maps the serverless section onto the application settings", () => {
    const yaml = [
      "data: { path: a.csv }",
      "serverless:",
      "  release_label: emr-7.2.0",
      "  architecture: arm64",
      "  max_vcpu: 40",
      "  max_memory_gb: 200",
      "  idle_minutes: 5",
      "  pre_initialized_executors: 3",
      "  driver: { cpu: 4, memory: 12g }",
      "  executor: { cpu: 8, memory: 28672m }",
      "  executors: 4",
      "",
    ].join("\n");
    expect(foundationSettingsFrom(parseConfig(yaml, "kindling.yaml")).serverless).toEqual({
      releaseLabel: "emr-7.2.0",
      architecture: "ARM64",
      maxVcpu: 40,
      maxMemoryGb: 200,
      idleMinutes: 5,
      preInitialized: {
        executors: 3,
        driver: { cpu: 4, memory: "12g" },
        executor: { cpu: 8, memory: "28672m" },
      },
    });
  });

  it("defaults the application's release to emr.release_label, then to versions.json", () => {
    expect(foundationSettingsFrom(config).serverless.releaseLabel).toBe(VERSIONS.emrRelease);
    const withEmr = parseConfig(
      "data: { path: a.csv }\nemr: { release_label: emr-7.5.0 }\n",
      "kindling.yaml",
    );
    expect(foundationSettingsFrom(withEmr).serverless.releaseLabel).toBe("emr-7.5.0");
    const both = parseConfig(
      "data: { path: a.csv }\nemr: { release_label: emr-7.5.0 }\nserverless: { release_label: emr-7.6.0 }\n",
      "kindling.yaml",
    );
    expect(foundationSettingsFrom(both).serverless.releaseLabel).toBe("emr-7.6.0");
  });

  it("checks a region override with the aws.region rule", () => {
    const error = usageErrorOf(() => foundationSettingsFrom(config, { region: "Europe" }));
    expect(error.message).toMatch(/Region "Europe" must be an AWS region name such as eu-west-1/);
    expect(error.hint).toMatch(/--region/);
  });
});

describe("the config's limits match what deploy needs", () => {
  it("allows exactly CloudWatch Logs' retention periods (CDK's RetentionDays without INFINITE)", () => {
    const cdk = Object.values(RetentionDays).filter(
      (v): v is number => typeof v === "number" && v !== RetentionDays.INFINITE,
    );
    expect([...LOG_RETENTION_DAYS].sort((a, b) => a - b)).toEqual([...new Set(cdk)].sort((a, b) => a - b));
  });

  it("the longest project and environment fit the stack name limit together", () => {
    expect(`kindling-${"p".repeat(PROJECT_MAX)}-e`).toHaveLength(STACK_NAME_MAX);
    expect(ENVIRONMENT_MAX).toBeLessThan(PROJECT_MAX);
  });
});

/** Mostly `valid`, sometimes `invalid`: enough accepted configs to test, enough refused to probe the edges. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 5 }, { arbitrary: invalid, weight: 1 });

// Well-formed names of every length around the limits, and raw ones that hit `--`, trailing dashes and
// leading digits.
const name = mostly(
  fc.stringMatching(/^[a-z][a-z0-9]{0,9}(-[a-z0-9]{1,9}){0,3}$/),
  fc
    .array(fc.constantFrom("a", "z", "0", "9", "-"), { minLength: 1, maxLength: 20 })
    .map((cs) => cs.join("")),
);
const awsValues = fc.record(
  {
    region: mostly(
      fc.constantFrom("eu-west-1", "us-gov-west-1", "cn-north-1"),
      fc.constantFrom("Europe", "eu-west"),
    ),
    account: mostly(fc.constant("123456789012"), fc.constant("12345")),
    environment: name,
    network: mostly(fc.constantFrom("private", "public"), fc.constant("vpn")),
    encryption: fc.constantFrom("sse-s3", "sse-kms"),
    logs_retention_days: mostly(
      fc.oneof(fc.integer({ min: 1, max: 3700 }), fc.constant(2_147_483_647)),
      fc.integer({ min: -1, max: 0 }),
    ),
    flow_logs_retention_days: mostly(
      fc.constantFrom(...LOG_RETENTION_DAYS),
      fc.integer({ min: 0, max: 4000 }),
    ),
    in_transit_encryption: fc.boolean(),
    in_transit_certificate_s3_uri: mostly(
      fc
        .tuple(
          fc.stringMatching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
          fc.stringMatching(/^[\w!.'()/-]{1,40}$/),
        )
        .map(([bucket, key]) => `s3://${bucket}/${key}.zip`),
      fc
        .tuple(fc.string({ maxLength: 70 }), fc.string({ maxLength: 20 }))
        .map(([bucket, key]) => `s3://${bucket}/${key}.zip`),
    ),
    s3_prefix_list_id: mostly(fc.constantFrom("pl-63a5400a", "pl-0123456789abcdef0"), fc.constant("pl-xyz")),
  },
  { requiredKeys: [] },
);
/** Like `mostly`, rarer invalid values: the serverless section multiplies the chances of a refused config. */
const often = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 15 }, { arbitrary: invalid, weight: 1 });

// Workers of every size, with Spark memory (in g or m) that fits it with Spark's overhead; sometimes not.
const workerValues = often<{ cpu: number; memory: string }>(
  fc.constantFrom(...WORKER_CPUS).chain((cpu) => {
    const [low, high] = WORKER_MEMORY_GB[cpu] ?? [0, 0];
    return fc.record({
      cpu: fc.constant(cpu),
      memory: fc
        .tuple(fc.integer({ min: Math.ceil(low / 1.1), max: Math.floor(high / 1.1) }), fc.boolean())
        .map(([gb, inMb]) => (inMb ? `${gb * 1024}m` : `${gb}g`)),
    });
  }),
  fc.record({ cpu: fc.constantFrom(3, 4), memory: fc.constantFrom("14", "40g") }),
);
const serverlessValues = fc.record(
  {
    release_label: often(fc.constantFrom("emr-7.1.0", "emr-7.13.0"), fc.constant("7.1")),
    architecture: fc.constantFrom("x86_64", "arm64"),
    // Mostly roomy enough for a job; sometimes too small for it.
    max_vcpu: often(fc.integer({ min: 150, max: 4000 }), fc.integer({ min: 0, max: 150 })),
    max_memory_gb: often(fc.integer({ min: 1000, max: 24_000 }), fc.integer({ min: 1, max: 1000 })),
    idle_minutes: often(fc.integer({ min: 1, max: 10_080 }), fc.constant(0)),
    pre_initialized_executors: fc.integer({ min: 0, max: 100 }),
    driver: workerValues,
    executor: workerValues,
    executors: fc.integer({ min: 1, max: 8 }),
  },
  { requiredKeys: [] },
);

describe("config → foundation settings (property)", () => {
  it("any config the schema accepts yields settings and a stack name, and passes the settings' checks", () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.option(name, { nil: undefined }),
        awsValues,
        serverlessValues,
        (project, aws, serverless) => {
          const doc = {
            ...(project === undefined ? {} : { project }),
            data: { path: "a.csv" },
            aws,
            serverless,
          };
          const parsed = configSchema.safeParse(doc);
          if (!parsed.success) return;
          accepted++;
          const settings = foundationSettingsFrom(parsed.data);
          expect(stackNameFor(settings).length).toBeLessThanOrEqual(STACK_NAME_MAX);
          // The same rules: what the config accepts, the programmatic check accepts unchanged.
          expect(resolveFoundationSettings(settings)).toEqual(settings);
        },
      ),
      { numRuns: 1000 },
    );
    // The generator must reach accepted configs often enough for the property to mean something.
    expect(accepted).toBeGreaterThan(50);
  });
});
