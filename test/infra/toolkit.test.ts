import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ToolkitError } from "@aws-cdk/toolkit-lib";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KindlingError, PrerequisiteError, UsageError } from "../../src/errors.js";
import { describeStack, emptyAndDeleteBucket, findRetainedBuckets } from "../../src/infra/awsApis.js";
import { reporterIoHost } from "../../src/infra/ioHost.js";
import { resolveFoundationSettings } from "../../src/infra/settings.js";
import {
  deployFoundation,
  destroyFoundation,
  planFoundation,
  renderPlan,
  synthFoundation,
  translateToolkitError,
} from "../../src/infra/toolkit.js";
import { RecordingReporter } from "../../src/ui/reporter.js";
import { FakeCloudFormation, FakeS3, fakeAws, fakeToolkit } from "./fakes.js";

const settings = resolveFoundationSettings({ project: "demo" });
const STACK = "kindling-demo-dev";
const OUTPUTS = [
  { OutputKey: "DataBucketName", OutputValue: "kindling-demo-dev-databucket-abc" },
  { OutputKey: "LogsBucketName", OutputValue: "kindling-demo-dev-logsbucket-def" },
];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Library code must talk only through the Reporter.
let consoleSpies: ReturnType<typeof vi.spyOn>[] = [];
beforeEach(() => {
  consoleSpies = (["log", "info", "warn", "error"] as const).map((m) => vi.spyOn(console, m));
});
afterEach(() => {
  for (const spy of consoleSpies) {
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  }
});

describe("synthFoundation", () => {
  it("writes the template offline and reports the synth time", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "kindling-synth-"));
    dirs.push(outDir);
    const reporter = new RecordingReporter();
    const { factory, calls } = fakeToolkit();
    const result = await synthFoundation(settings, { outDir, reporter, toolkit: factory });
    expect(calls.offline).toEqual([true]);
    expect(result.stackName).toBe(STACK);
    expect(result.templatePaths).toEqual([join(outDir, `${STACK}.template.json`)]);
    expect(existsSync(result.templatePaths[0] as string)).toBe(true);
    const template = JSON.parse(readFileSync(result.templatePaths[0] as string, "utf8"));
    expect(Object.keys(template.Resources).length).toBeGreaterThan(30);
    expect(result.synthMs).toBeGreaterThan(0);
    expect(result.templateBytes).toBeGreaterThan(10_000);
    expect(result.findings).toEqual([]);
    expect(reporter.messages[0]).toEqual({ level: "stage", message: `start Synthesizing ${STACK}` });
    expect(reporter.messages.at(-1)?.message).toMatch(new RegExp(`^ok Synthesizing ${STACK} \\d+\\.\\ds$`));
    // The synthesized template is data for programs, never printed.
    expect(reporter.messages.filter((m) => m.level === "print")).toEqual([]);
  });

  it("uses toolkit-lib's own Toolkit by default, without credentials", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "kindling-synth-"));
    dirs.push(outDir);
    const reporter = new RecordingReporter();
    const result = await synthFoundation(resolveFoundationSettings({ project: "demo", network: "public" }), {
      outDir,
      reporter,
    });
    expect(existsSync(result.templatePaths[0] as string)).toBe(true);
    expect(reporter.text()).toMatch(/Synthesis time/);
  });
});

describe("planFoundation", () => {
  it("lists every resource, grouped by type, when offline", async () => {
    const reporter = new RecordingReporter();
    const plan = await planFoundation(settings, { reporter, offline: true, toolkit: fakeToolkit().factory });
    expect(plan.mode).toBe("offline");
    expect(plan.resources.every((r) => r.action === "create")).toBe(true);
    expect(plan.resources.map((r) => r.type)).toContain("AWS::EMR::SecurityConfiguration");
    expect(plan.resources.map((r) => r.type)).not.toContain("AWS::CDK::Metadata");
    const printed = reporter.messages.filter((m) => m.level === "print").map((m) => m.message);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/no AWS credentials/);
    expect(printed[0]).toMatch(/AWS::S3::Bucket ×2: /);
  });

  it("treats missing credentials as offline", async () => {
    const reporter = new RecordingReporter();
    const noCreds = {
      describeStacks: async () => {
        throw Object.assign(new Error("Could not load credentials from any providers"), {
          name: "CredentialsProviderError",
        });
      },
    };
    const { factory, calls } = fakeToolkit();
    const plan = await planFoundation(settings, {
      reporter,
      aws: fakeAws(new FakeS3(new Map()), noCreds),
      toolkit: factory,
    });
    expect(plan.mode).toBe("offline");
    expect(calls.offline).toEqual([true]);
    expect(reporter.text()).toMatch(/No AWS credentials available/);
  });

  it("shows a first deploy's resources when the stack does not exist", async () => {
    const reporter = new RecordingReporter();
    const plan = await planFoundation(settings, {
      reporter,
      aws: fakeAws(new FakeS3(new Map()), new FakeCloudFormation(undefined)),
      toolkit: fakeToolkit().factory,
    });
    expect(plan.mode).toBe("create");
    expect(reporter.text()).toMatch(/kindling-demo-dev is not deployed; deploy creates:/);
  });

  it("diffs against the deployed stack, with credentials", async () => {
    const reporter = new RecordingReporter();
    const changes = [
      ["DataBucketE6B0FAA8", "AWS::S3::Bucket", "WILL_UPDATE"],
      ["OldThing", "AWS::SNS::Topic", "WILL_DESTROY"],
    ] as const;
    const { factory, calls } = fakeToolkit({
      diff: async () =>
        ({
          [STACK]: {
            resources: {
              forEachDifference: (cb: (id: string, c: object) => void) => {
                for (const [id, type, impact] of changes)
                  cb(id, { newResourceType: type, changeImpact: impact });
              },
            },
          },
        }) as never,
    });
    const plan = await planFoundation(settings, {
      reporter,
      aws: fakeAws(new FakeS3(new Map()), new FakeCloudFormation({ name: STACK, outputs: OUTPUTS })),
      toolkit: factory,
    });
    expect(calls).toMatchObject({ diff: 1, offline: [false] });
    expect(plan.resources).toEqual([
      { logicalId: "DataBucketE6B0FAA8", type: "AWS::S3::Bucket", action: "update" },
      { logicalId: "OldThing", type: "AWS::SNS::Topic", action: "delete" },
    ]);
    expect(renderPlan(plan)).toBe(
      [
        "Changes to kindling-demo-dev:",
        "  delete (1)",
        "    AWS::SNS::Topic ×1: OldThing",
        "  update (1)",
        "    AWS::S3::Bucket ×1: DataBucketE6B0FAA8",
        "  2 resource(s)",
      ].join("\n"),
    );
  });

  it("says when there is nothing to change", () => {
    expect(renderPlan({ stackName: STACK, mode: "diff", resources: [], synthMs: 1 })).toBe(
      "kindling-demo-dev is up to date: no changes.",
    );
  });
});

describe("deployFoundation", () => {
  it("deploys the single stack by change set and returns the parsed outputs", async () => {
    const reporter = new RecordingReporter();
    const outputs: Record<string, string> = {
      DataBucketName: "d",
      LogsBucketName: "l",
      LogUri: "s3://l/emr/",
      NetworkMode: "private",
      VpcId: "vpc-1",
      SubnetIds: "subnet-1,subnet-2",
      PrimarySecurityGroupId: "sg-p",
      CoreSecurityGroupId: "sg-c",
      ServiceAccessSecurityGroupId: "sg-s",
      ServiceRoleName: "svc",
      InstanceProfileName: "prof",
      InstanceRoleArn: "arn:aws:iam::123456789012:role/node",
      SecurityConfigurationName: "sec",
      KmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
    };
    let options: unknown;
    const { factory, calls } = fakeToolkit({
      deploy: async (_cx, o) => {
        options = o;
        return { stacks: [{ stackName: STACK, outputs }] } as never;
      },
    });
    const aws = fakeAws(new FakeS3(new Map()), new FakeCloudFormation(undefined), "ap-south-1");
    const result = await deployFoundation(settings, { reporter, toolkit: factory, yes: true, aws });
    expect(calls).toMatchObject({ deploy: 1, offline: [false], regions: ["ap-south-1"] });
    expect(options).toMatchObject({
      stacks: { strategy: "pattern-must-match-single", patterns: [STACK] },
      deploymentMethod: { method: "change-set" },
    });
    expect(result.subnetIds).toEqual(["subnet-1", "subnet-2"]);
    expect(result.serviceAccessSecurityGroupId).toBe("sg-s");
    expect(reporter.messages.filter((m) => m.level === "stage").map((m) => m.message)).toEqual([
      `start Deploying ${STACK} to ap-south-1`,
      `ok Deploying ${STACK} to ap-south-1`,
    ]);
  });

  it("turns a bootstrap requirement into a KindlingError that says what to do", async () => {
    const { factory } = fakeToolkit({
      deploy: async () => {
        throw new ToolkitError(
          "SsmParameterNotFound",
          "SSM parameter /cdk-bootstrap/hnb659fds/version not found. Has the environment been bootstrapped? Please run 'cdk bootstrap'",
        );
      },
    });
    const err = await deployFoundation(resolveFoundationSettings({ project: "demo", region: "eu-west-1" }), {
      reporter: new RecordingReporter(),
      toolkit: factory,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KindlingError);
    expect((err as KindlingError).message).toMatch(/needs a CDK bootstrap stack/);
    expect((err as KindlingError).hint).toMatch(/cdk bootstrap aws:\/\/<account>\/<region>/);
  });
});

describe("deploy region", () => {
  it("never deploys to a region nobody chose", async () => {
    const noRegion = {
      ...fakeAws(new FakeS3(new Map()), new FakeCloudFormation(undefined)),
      region: async () => {
        throw new Error("Region is missing");
      },
    };
    const { factory, calls } = fakeToolkit({ deploy: async () => ({ stacks: [] }) as never });
    const err = await deployFoundation(settings, {
      reporter: new RecordingReporter(),
      toolkit: factory,
      aws: noRegion,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect((err as PrerequisiteError).hint).toMatch(/aws\.region .*--region.*AWS_REGION/);
    expect(calls.deploy).toBe(0);
  });

  it("prefers --region over the config's aws.region", async () => {
    const { factory, calls } = fakeToolkit({ deploy: async () => ({ stacks: [] }) as never });
    await deployFoundation(resolveFoundationSettings({ project: "demo", region: "eu-west-1" }), {
      reporter: new RecordingReporter(),
      toolkit: factory,
      region: "us-west-2",
    }).catch(() => undefined);
    expect(calls.regions).toEqual(["us-west-2"]);
  });
});

describe("translateToolkitError", () => {
  it("explains a template over the inline limit", () => {
    const e = translateToolkitError(
      new ToolkitError(
        "TemplateTooLargeToDeploy",
        'Template too large to deploy ("cdk bootstrap" is required)',
      ),
      STACK,
    );
    expect(e).toBeInstanceOf(KindlingError);
    expect((e as Error).message).toMatch(/over CloudFormation's inline limit of 51200 bytes/);
  });

  it("turns missing credentials into a PrerequisiteError", () => {
    const e = translateToolkitError(
      Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      }),
      STACK,
    );
    expect(e).toBeInstanceOf(PrerequisiteError);
    expect((e as PrerequisiteError).hint).toMatch(/--profile/);
  });

  it("passes unknown errors and Kindling errors through", () => {
    const plain = new TypeError("bug");
    expect(translateToolkitError(plain, STACK)).toBe(plain);
    const k = new UsageError("x");
    expect(translateToolkitError(k, STACK)).toBe(k);
  });
});

describe("destroyFoundation", () => {
  it("ends cleanly when the stack does not exist, however often it runs", async () => {
    const reporter = new RecordingReporter();
    const { factory, calls } = fakeToolkit();
    const aws = fakeAws(new FakeS3(new Map()), new FakeCloudFormation(undefined));
    for (let i = 0; i < 2; i++) {
      const outcome = await destroyFoundation(settings, { reporter, aws, toolkit: factory });
      expect(outcome).toEqual({
        stackName: STACK,
        existed: false,
        cancelled: false,
        deletedBuckets: [],
        retainedBuckets: [],
      });
    }
    expect(calls.destroy).toBe(0);
    expect(reporter.messages.filter((m) => m.level === "info").map((m) => m.message)).toEqual([
      "Stack kindling-demo-dev does not exist: nothing to destroy.",
      "Stack kindling-demo-dev does not exist: nothing to destroy.",
    ]);
  });

  it("refuses without --yes when it cannot ask", async () => {
    const aws = fakeAws(new FakeS3(new Map()), new FakeCloudFormation({ name: STACK, outputs: OUTPUTS }));
    await expect(
      destroyFoundation(settings, { reporter: new RecordingReporter(), aws, toolkit: fakeToolkit().factory }),
    ).rejects.toThrow(UsageError);
  });

  it("does nothing when the person declines", async () => {
    const reporter = new RecordingReporter();
    const aws = fakeAws(new FakeS3(new Map()), new FakeCloudFormation({ name: STACK, outputs: OUTPUTS }));
    const { factory, calls } = fakeToolkit();
    const questions: string[] = [];
    const outcome = await destroyFoundation(settings, {
      reporter,
      aws,
      toolkit: factory,
      confirm: async (q) => {
        questions.push(q);
        return false;
      },
    });
    expect(outcome.cancelled).toBe(true);
    expect(calls.destroy).toBe(0);
    expect(questions).toEqual(["Destroy stack kindling-demo-dev in eu-west-1?"]);
  });

  it("deletes the stack and keeps the buckets by default", async () => {
    const reporter = new RecordingReporter();
    const s3 = FakeS3.withBucket("kindling-demo-dev-databucket-abc", 3, STACK);
    const { factory, calls } = fakeToolkit();
    const outcome = await destroyFoundation(settings, {
      reporter,
      aws: fakeAws(s3, new FakeCloudFormation({ name: STACK, outputs: OUTPUTS })),
      toolkit: factory,
      yes: true,
    });
    expect(calls.destroy).toBe(1);
    expect(outcome).toMatchObject({
      existed: true,
      deletedBuckets: [],
      retainedBuckets: OUTPUTS.map((o) => o.OutputValue),
    });
    expect(s3.calls).toEqual([]);
    expect(reporter.text()).toMatch(
      /Kept kindling-demo-dev-databucket-abc and kindling-demo-dev-logsbucket-def/,
    );
    expect(reporter.text()).toMatch(/--delete-data/);
  });

  it("with deleteData empties every version and deletes both buckets after the stack", async () => {
    const reporter = new RecordingReporter();
    const s3 = FakeS3.withBucket("kindling-demo-dev-databucket-abc", 5, STACK);
    const { factory, calls } = fakeToolkit();
    const questions: string[] = [];
    const outcome = await destroyFoundation(settings, {
      reporter,
      aws: fakeAws(s3, new FakeCloudFormation({ name: STACK, outputs: OUTPUTS })),
      toolkit: factory,
      deleteData: true,
      confirm: async (q) => {
        questions.push(q);
        return true;
      },
    });
    expect(calls.destroy).toBe(1);
    expect(questions[0]).toMatch(
      /ALL objects in kindling-demo-dev-databucket-abc, kindling-demo-dev-logsbucket-def/,
    );
    expect(outcome.deletedBuckets).toEqual(["kindling-demo-dev-databucket-abc"]);
    expect(s3.buckets.size).toBe(0);
    expect(reporter.text()).toMatch(
      /ok Emptying and deleting kindling-demo-dev-databucket-abc 5 object versions/,
    );
    expect(reporter.text()).toMatch(/ok Emptying and deleting kindling-demo-dev-logsbucket-def already gone/);
  });

  it("with deleteData finds buckets an earlier destroy kept, by their CloudFormation tag", async () => {
    const s3 = new FakeS3(
      new Map([
        [
          "kindling-demo-dev-databucket-abc",
          { versions: [{ Key: "a", VersionId: "1" }], tags: { "aws:cloudformation:stack-name": STACK } },
        ],
        [
          "kindling-other-dev-databucket-x",
          { versions: [], tags: { "aws:cloudformation:stack-name": "kindling-other-dev" } },
        ],
      ]),
    );
    const { factory, calls } = fakeToolkit();
    const outcome = await destroyFoundation(
      resolveFoundationSettings({ project: "demo", deleteDataOnDestroy: true }),
      {
        reporter: new RecordingReporter(),
        aws: fakeAws(s3, new FakeCloudFormation(undefined)),
        toolkit: factory,
        yes: true,
      },
    );
    expect(calls.destroy).toBe(0);
    expect(outcome.deletedBuckets).toEqual(["kindling-demo-dev-databucket-abc"]);
    expect([...s3.buckets.keys()]).toEqual(["kindling-other-dev-databucket-x"]);
  });
});

describe("AWS helpers", () => {
  it("describeStack returns undefined for a missing stack and rethrows other errors", async () => {
    expect(await describeStack(new FakeCloudFormation(undefined), STACK)).toBeUndefined();
    const denied = {
      describeStacks: async () => {
        throw Object.assign(new Error("not authorized"), { name: "AccessDenied" });
      },
    };
    await expect(describeStack(denied, STACK)).rejects.toThrow("not authorized");
  });

  it("emptyAndDeleteBucket pages through versions and reports progress", async () => {
    const s3 = FakeS3.withBucket("b", 5, STACK);
    const progress: number[] = [];
    expect(await emptyAndDeleteBucket(s3, "b", (n) => progress.push(n))).toBe(5);
    expect(progress).toEqual([2, 4, 5]);
    expect(s3.calls.at(-1)).toBe("deleteBucket b");
    expect(await emptyAndDeleteBucket(s3, "b")).toBeUndefined();
  });

  it("emptyAndDeleteBucket stops on objects S3 refused to delete", async () => {
    const s3 = FakeS3.withBucket("b", 1, STACK);
    s3.deleteObjects = async () => ({ Errors: [{ Key: "runs/r/0", Code: "AccessDenied", Message: "no" }] });
    await expect(emptyAndDeleteBucket(s3, "b")).rejects.toThrow(
      /Could not delete 1 object\(s\) from b, e.g. runs\/r\/0: AccessDenied/,
    );
  });

  it("findRetainedBuckets matches the stack-name tag only", async () => {
    const s3 = FakeS3.withBucket("kindling-demo-dev-logs-1", 0, STACK);
    s3.buckets.set("kindling-demo-devx-logs-2", {
      versions: [],
      tags: { "aws:cloudformation:stack-name": "kindling-demo-devx" },
    });
    expect(await findRetainedBuckets(s3, STACK)).toEqual(["kindling-demo-dev-logs-1"]);
  });
});

describe("reporterIoHost", () => {
  const msg = (level: string, message: string, code?: string) =>
    ({ time: new Date(), level, action: "deploy", code, message, data: {} }) as never;

  it("routes toolkit messages to the reporter by level", async () => {
    const reporter = new RecordingReporter();
    const host = reporterIoHost(reporter);
    await host.notify(msg("info", "stack created"));
    await host.notify(msg("warn", "careful"));
    await host.notify(msg("error", "boom"));
    await host.notify(msg("debug", "detail"));
    await host.notify(msg("trace", "more detail"));
    await host.notify(msg("result", "diff text", "CDK_TOOLKIT_I4002"));
    await host.notify(msg("result", "{template}", "CDK_TOOLKIT_I1901"));
    await host.notify(msg("info", "   "));
    expect(reporter.messages).toEqual([
      { level: "info", message: "stack created" },
      { level: "warn", message: "careful" },
      { level: "warn", message: "boom" },
      { level: "debug", message: "detail" },
      { level: "debug", message: "more detail" },
      { level: "print", message: "diff text" },
      { level: "debug", message: "{template}" },
    ]);
  });

  it("answers confirmations with --yes, the prompt, or the toolkit default", async () => {
    const request = (code: string, defaultResponse: unknown) =>
      ({
        ...(msg("info", "Do you wish to deploy these changes?", code) as object),
        defaultResponse,
      }) as never;
    const reporter = new RecordingReporter();
    expect(
      await reporterIoHost(reporter, { yes: true }).requestResponse(request("CDK_TOOLKIT_I5060", false)),
    ).toBe(true);
    const asked: string[] = [];
    const host = reporterIoHost(reporter, {
      confirm: async (q) => {
        asked.push(q);
        return false;
      },
      preConfirmed: ["CDK_TOOLKIT_I7010"],
    });
    expect(await host.requestResponse(request("CDK_TOOLKIT_I5060", true))).toBe(false);
    expect(asked).toEqual(["Do you wish to deploy these changes?"]);
    expect(await host.requestResponse(request("CDK_TOOLKIT_I7010", false))).toBe(true);
    expect(await reporterIoHost(reporter).requestResponse(request("CDK_TOOLKIT_I5060", true))).toBe(true);
    expect(await reporterIoHost(reporter).requestResponse(request("CDK_TOOLKIT_I9999", "text"))).toBe("text");
  });
});
