import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ToolkitError } from "@aws-cdk/toolkit-lib";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { describeStack } from "../../src/aws/stacks.js";
import { KindlingError, PrerequisiteError, UsageError } from "../../src/errors.js";
import { emptyAndDeleteBucket, findRetainedBuckets } from "../../src/infra/buckets.js";
import { forwardingIoHost } from "../../src/infra/ioHost.js";
import { renderPlan } from "../../src/infra/planView.js";
import { resolveFoundationSettings } from "../../src/infra/settings.js";
import {
  deployFoundation,
  destroyFoundation,
  planFoundation,
  synthFoundation,
  type ToolkitFactory,
  translateToolkitError,
} from "../../src/infra/toolkit.js";
import { CODES } from "../../src/ui/codes.js";
import { validateAgainstApiModels } from "../aws/apiModels.js";
import { RecordingHost } from "../helpers/recordingHost.js";
import { type FakeChangeSet, FakeCloudFormation, FakeS3, fakeAws, fakeToolkit } from "./fakes.js";
import { EXISTING_EVERYTHING } from "./helpers.js";

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

// Library code must talk only through the message host.
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
    const io = new RecordingHost();
    const { factory, calls } = fakeToolkit();
    const result = await synthFoundation(settings, { outDir, io, toolkit: factory });
    expect(calls.offline).toEqual([true]);
    expect(result.stackName).toBe(STACK);
    expect(result.templatePaths).toEqual([join(outDir, `${STACK}.template.json`)]);
    expect(existsSync(result.templatePaths[0] as string)).toBe(true);
    const template = JSON.parse(readFileSync(result.templatePaths[0] as string, "utf8"));
    expect(Object.keys(template.Resources).length).toBeGreaterThan(30);
    expect(result.synthMs).toBeGreaterThan(0);
    expect(result.templateBytes).toBeGreaterThan(10_000);
    expect(result.findings).toEqual([]);
    expect(io.messages[0]).toMatchObject({
      code: "KND_I7001",
      span: "start",
      message: `Synthesizing ${STACK}`,
    });
    expect(io.messages.at(-1)?.message).toMatch(new RegExp(`^ok Synthesizing ${STACK} \\d+(\\.\\d)? s$`));
    // The synthesized template is data for programs, never printed.
    expect(io.messages.filter((m) => m.level === "result")).toEqual([]);
  });

  it("synthesizes with an explicit account offline (AZs from Fn::GetAZs, no context lookup)", async () => {
    const outDir = join(mkdtempSync(join(tmpdir(), "kindling-synth-")), "out");
    dirs.push(dirname(outDir));
    const result = await synthFoundation(
      resolveFoundationSettings({ project: "demo", account: "111122223333", region: "eu-west-1" }),
      { outDir, io: new RecordingHost(), toolkit: fakeToolkit().factory },
    );
    const template = readFileSync(result.templatePaths[0] as string, "utf8");
    expect(template).toContain('"Fn::GetAZs"');
    expect(template).not.toMatch(/eu-west-1[abc]/);
  });

  it("leaves the output folder as it was when synth fails: no partial assembly", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "kindling-synth-"));
    dirs.push(outDir);
    writeFileSync(join(outDir, "kept.txt"), "mine");
    const failing: typeof fakeToolkit = (script) => {
      const made = fakeToolkit(script);
      return {
        ...made,
        factory: (ioHost, target) => {
          const toolkit = made.factory(ioHost, target);
          return {
            ...toolkit,
            // The assembly is written, then the synth fails (as a context lookup does, after the app ran).
            synth: async (...args: Parameters<typeof toolkit.synth>) => {
              await toolkit.synth(...args);
              throw new Error("Context lookups have been disabled.");
            },
          };
        },
      };
    };
    await expect(
      synthFoundation(settings, { outDir, io: new RecordingHost(), toolkit: failing().factory }),
    ).rejects.toThrow(/Context lookups/);
    expect(readdirSync(outDir)).toEqual(["kept.txt"]);
    expect(readdirSync(dirname(outDir)).filter((n) => n.includes(".synth-"))).toEqual([]);
  });

  it("uses toolkit-lib's own Toolkit by default, without credentials", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "kindling-synth-"));
    dirs.push(outDir);
    const io = new RecordingHost();
    const result = await synthFoundation(resolveFoundationSettings({ project: "demo", network: "public" }), {
      outDir,
      io,
    });
    expect(existsSync(result.templatePaths[0] as string)).toBe(true);
    expect(io.text()).toMatch(/Synthesis time/);
  });
});

describe("planFoundation", () => {
  it("lists every resource, grouped by type, when offline", async () => {
    const io = new RecordingHost();
    const plan = await planFoundation(settings, { io, offline: true, toolkit: fakeToolkit().factory });
    expect(plan.mode).toBe("offline");
    expect(plan.resources.every((r) => r.action === "create")).toBe(true);
    expect(plan.resources.map((r) => r.type)).toContain("AWS::EMR::SecurityConfiguration");
    expect(plan.resources.map((r) => r.type)).not.toContain("AWS::CDK::Metadata");
    // The plan is the command's to print, once: the library says nothing of it.
    expect(io.messages.filter((m) => m.level === "result")).toEqual([]);
    expect(renderPlan(plan)).toMatch(/no AWS credentials/);
    // Plain words first, then each construct's resources; logical ids only with --verbose.
    expect(renderPlan(plan)).toMatch(
      /a first deploy creates a VPC, 2 subnets, 2 VPC endpoints, 2 S3 buckets, a KMS key, \d IAM roles, \d security groups, a flow log, a log group, an EMR security configuration, an EMR Serverless application and \d+ supporting resources/,
    );
    expect(renderPlan(plan)).toMatch(/^ {2}Data +S3 bucket, bucket policy$/m);
    expect(renderPlan(plan)).toMatch(/^ {2}EmrRoles +IAM role ×2, IAM policy ×2, instance profile$/m);
    expect(renderPlan(plan)).not.toMatch(/DataBucketE6B0FAA8/);
    expect(renderPlan(plan, { verbose: true })).toMatch(/AWS::S3::Bucket DataBucketE6B0FAA8/);
    expect(plan.resources.find((r) => r.logicalId === "DataBucketE6B0FAA8")?.construct).toBe("Data");
    // Every resource is placed in its construct from its logical id (the template has no path metadata).
    expect(plan.resources.filter((r) => r.construct === undefined)).toEqual([]);
    expect(plan.resources.find((r) => r.logicalId.startsWith("EmrSecurityConfiguration"))?.construct).toBe(
      "EmrSecurityConfiguration",
    );
  });

  it("says what the stack uses of the account's own and that it changes nothing on it", async () => {
    const existing = resolveFoundationSettings({ project: "demo", ...EXISTING_EVERYTHING });
    const plan = await planFoundation(existing, {
      io: new RecordingHost(),
      offline: true,
      toolkit: fakeToolkit().factory,
    });
    const text = renderPlan(plan);
    expect(text).toMatch(
      /a first deploy creates an IAM role, a security group, an EMR security configuration, an EMR Serverless application and 1 supporting resource/,
    );
    expect(text).toContain(
      "It uses the account's own, and changes nothing on them: VPC vpc-0a1b2c3d4e5f67890, subnets subnet-0a1b2c3d4e5f67890, subnet-1a1b2c3d4e5f67890, security groups sg-0a1b2c3d4e5f67890, sg-1a1b2c3d4e5f67890, sg-2a1b2c3d4e5f67890, data bucket team-data, logs bucket team-logs, KMS key arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab, EMR roles EMR_DefaultRole_V2 and EMR_EC2_DefaultRole.",
    );
    expect(
      renderPlan(
        await planFoundation(settings, {
          io: new RecordingHost(),
          offline: true,
          toolkit: fakeToolkit().factory,
        }),
      ),
    ).not.toMatch(/account's own/);
  });

  it("treats missing credentials as offline", async () => {
    const io = new RecordingHost();
    const noCreds = {
      describeStacks: async () => {
        throw Object.assign(new Error("Could not load credentials from any providers"), {
          name: "CredentialsProviderError",
        });
      },
    };
    const { factory, calls } = fakeToolkit();
    const plan = await planFoundation(settings, {
      io,
      aws: fakeAws(new FakeS3(new Map()), noCreds),
      toolkit: factory,
    });
    expect(plan.mode).toBe("offline");
    expect(calls.offline).toEqual([true]);
    expect(io.text()).toMatch(/No AWS credentials available/);
  });

  it("shows a first deploy's resources when the stack does not exist", async () => {
    const io = new RecordingHost();
    const plan = await planFoundation(settings, {
      io,
      aws: fakeAws(new FakeS3(new Map()), new FakeCloudFormation(undefined)),
      toolkit: fakeToolkit().factory,
    });
    expect(plan.mode).toBe("create");
    expect(renderPlan(plan)).toMatch(/kindling-demo-dev is not deployed; a first deploy creates a VPC/);
  });

  it("diffs against the deployed stack, with credentials: changes by construct, IAM widening called out", async () => {
    const io = new RecordingHost();
    const changes = [
      ["DataBucketE6B0FAA8", "AWS::S3::Bucket", "WILL_UPDATE"],
      ["EmrRolesInstancePolicyDCE227CC", "AWS::IAM::Policy", "WILL_UPDATE"],
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
            iamChanges: { hasChanges: true },
            securityGroupChanges: { hasChanges: false },
            permissionsBroadened: true,
          },
        }) as never,
    });
    const plan = await planFoundation(settings, {
      io,
      aws: fakeAws(new FakeS3(new Map()), new FakeCloudFormation({ name: STACK, outputs: OUTPUTS })),
      toolkit: factory,
    });
    expect(calls).toMatchObject({ diff: 1, offline: [false] });
    expect(plan.resources).toEqual([
      { logicalId: "DataBucketE6B0FAA8", type: "AWS::S3::Bucket", construct: "Data", action: "update" },
      {
        logicalId: "EmrRolesInstancePolicyDCE227CC",
        type: "AWS::IAM::Policy",
        construct: "EmrRoles",
        action: "update",
      },
      { logicalId: "OldThing", type: "AWS::SNS::Topic", action: "delete" },
    ]);
    expect(plan.security).toEqual({ iam: true, network: false, widens: true });
    expect(renderPlan(plan)).toBe(
      [
        "Changes to kindling-demo-dev: 2 to change, 1 to remove.",
        "  Data                       change S3 bucket",
        "  EmrRoles                   change IAM policy",
        "  (not in the new template)  remove SNS Topic",
        "  ! IAM permissions or network rules widen: deploy asks before applying them (--yes approves).",
        "  3 resource(s); --verbose lists their logical ids.",
      ].join("\n"),
    );
  });

  it("prints nothing itself, not even the toolkit's rendered diff: the command prints the plan once", async () => {
    const io = new RecordingHost();
    const { factory } = fakeToolkit({ diff: async () => ({}) });
    const rendering: ToolkitFactory = (ioHost, target) => {
      const toolkit = factory(ioHost, target);
      return {
        ...toolkit,
        diff: async (...args) => {
          await ioHost.notify({
            time: new Date(),
            level: "result",
            action: "diff",
            code: "CDK_TOOLKIT_I4001",
            message: "Stack kindling-demo-dev\n[~] AWS::S3::Bucket DataBucket",
            data: {},
          } as never);
          return toolkit.diff(...args);
        },
      };
    };
    const plan = await planFoundation(settings, {
      io,
      aws: fakeAws(new FakeS3(new Map()), new FakeCloudFormation({ name: STACK, outputs: OUTPUTS })),
      toolkit: rendering,
    });
    expect(plan.mode).toBe("diff");
    expect(io.messages.filter((m) => m.level === "result")).toEqual([]);
    expect(io.messages.find((m) => m.message.includes("[~] AWS::S3::Bucket"))?.level).toBe("debug");
  });

  it("says when there is nothing to change", () => {
    expect(renderPlan({ stackName: STACK, mode: "diff", resources: [], synthMs: 1 })).toBe(
      "kindling-demo-dev is up to date: no changes.",
    );
  });
});

describe("deployFoundation", () => {
  describe("--change-set NAME: exactly the reviewed change set", () => {
    const iamChange = {
      Status: "CREATE_COMPLETE",
      ExecutionStatus: "AVAILABLE",
      Changes: [
        {
          Type: "Resource" as const,
          ResourceChange: {
            Action: "Modify" as const,
            LogicalResourceId: "EmrRolesInstancePolicyDCE227CC",
            ResourceType: "AWS::IAM::Policy",
            Replacement: "False" as const,
          },
        },
      ],
    };
    const executing = () => {
      let method: unknown;
      const toolkit = fakeToolkit({
        deploy: async (_cx, o) => {
          method = o?.deploymentMethod;
          return { stacks: [] } as never;
        },
      });
      return { ...toolkit, method: () => method };
    };
    const aws = (changeSets: Record<string, FakeChangeSet>) =>
      fakeAws(new FakeS3(new Map()), new FakeCloudFormation(undefined, changeSets), "eu-west-1");

    it("refuses a name the stack has no change set of, and one that cannot be executed, before the toolkit runs", async () => {
      const t = executing();
      const io = new RecordingHost();
      await expect(
        deployFoundation(settings, {
          io,
          toolkit: t.factory,
          yes: true,
          aws: aws({}),
          changeSetName: "kindling-x",
        }),
      ).rejects.toThrow(`${STACK} has no change set named kindling-x in eu-west-1`);
      const failed = {
        Status: "FAILED",
        ExecutionStatus: "UNAVAILABLE",
        StatusReason: "No updates",
        Changes: [],
      };
      await expect(
        deployFoundation(settings, {
          io,
          toolkit: t.factory,
          yes: true,
          aws: aws({ old: failed }),
          changeSetName: "old",
        }),
      ).rejects.toThrow("change set old cannot be executed: it is FAILED/UNAVAILABLE (No updates)");
      expect(t.calls.deploy).toBe(0);
    });

    it("asks before one that changes IAM, refuses without a prompt or --yes, executes it when approved", async () => {
      const io = new RecordingHost();
      const execute = (toolkit: ToolkitFactory, confirm?: (q: string) => Promise<boolean>) =>
        deployFoundation(settings, {
          io,
          toolkit,
          aws: aws({ cs: iamChange }),
          changeSetName: "cs",
          ...(confirm ? { confirm } : {}),
        });
      const refused = executing();
      await expect(execute(refused.factory)).rejects.toThrow(
        "change set cs changes IAM: approve it with --yes",
      );
      const declined = executing();
      await expect(execute(declined.factory, async () => false)).rejects.toThrow(
        "change set cs not executed: not approved",
      );
      expect(refused.calls.deploy + declined.calls.deploy).toBe(0);
      const approved = executing();
      const questions: string[] = [];
      // The scripted toolkit returns no outputs: only what it was asked matters here.
      await execute(approved.factory, async (q) => {
        questions.push(q);
        return true;
      }).catch(() => undefined);
      expect(questions).toEqual(["Change set cs changes IAM. Execute it?"]);
      expect(approved.method()).toEqual({ method: "execute-change-set", changeSetName: "cs" });
    });
  });

  it("deploys the single stack by change set and returns the parsed outputs", async () => {
    const io = new RecordingHost();
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
    const result = await deployFoundation(settings, { io, toolkit: factory, yes: true, aws });
    expect(calls).toMatchObject({ deploy: 1, offline: [false], regions: ["ap-south-1"] });
    expect(options).toMatchObject({
      stacks: { strategy: "pattern-must-match-single", patterns: [STACK] },
      deploymentMethod: { method: "change-set" },
    });
    expect(result.subnetIds).toEqual(["subnet-1", "subnet-2"]);
    expect(result.serviceAccessSecurityGroupId).toBe("sg-s");
    expect(io.messages.filter((m) => m.span !== undefined).map((m) => m.message)).toEqual([
      `Deploying ${STACK} to ap-south-1`,
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
      io: new RecordingHost(),
      toolkit: factory,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KindlingError);
    expect((err as KindlingError).message).toMatch(/needs a CDK bootstrap stack/);
    expect((err as KindlingError).hint).toMatch(/cdk bootstrap aws:\/\/<account>\/<region>/);
  });
});

describe("deploy region", () => {
  it("never deploys to a region nobody chose", async () => {
    // No region anywhere the credential chain looks: not in the environment, not in a profile.
    vi.stubEnv("AWS_REGION", "");
    vi.stubEnv("AWS_DEFAULT_REGION", "");
    vi.stubEnv("AWS_PROFILE", "");
    vi.stubEnv("AWS_CONFIG_FILE", join(tmpdir(), "kindling-no-such-aws-config"));
    const { factory, calls } = fakeToolkit({ deploy: async () => ({ stacks: [] }) as never });
    const err = await deployFoundation(settings, {
      io: new RecordingHost(),
      toolkit: factory,
    }).catch((e: unknown) => e);
    vi.unstubAllEnvs();
    expect(err).toBeInstanceOf(PrerequisiteError);
    expect((err as PrerequisiteError).hint).toMatch(/aws\.region .*--region.*AWS_REGION/);
    expect(calls.deploy).toBe(0);
  });

  it("prefers --region over the config's aws.region", async () => {
    const { factory, calls } = fakeToolkit({ deploy: async () => ({ stacks: [] }) as never });
    await deployFoundation(resolveFoundationSettings({ project: "demo", region: "eu-west-1" }), {
      io: new RecordingHost(),
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
    const io = new RecordingHost();
    const { factory, calls } = fakeToolkit();
    const aws = fakeAws(new FakeS3(new Map()), new FakeCloudFormation(undefined));
    for (let i = 0; i < 2; i++) {
      const outcome = await destroyFoundation(settings, { io, aws, toolkit: factory });
      expect(outcome).toEqual({
        stackName: STACK,
        existed: false,
        cancelled: false,
        deletedBuckets: [],
        retainedBuckets: [],
        referencedBuckets: [],
      });
    }
    expect(calls.destroy).toBe(0);
    expect(io.messages.filter((m) => m.code === CODES.INFRA_NOTE.code).map((m) => m.message)).toEqual([
      "Stack kindling-demo-dev does not exist: nothing to destroy.",
      "Stack kindling-demo-dev does not exist: nothing to destroy.",
    ]);
  });

  it("refuses without --yes when it cannot ask", async () => {
    const aws = fakeAws(new FakeS3(new Map()), new FakeCloudFormation({ name: STACK, outputs: OUTPUTS }));
    await expect(
      destroyFoundation(settings, { io: new RecordingHost(), aws, toolkit: fakeToolkit().factory }),
    ).rejects.toThrow(UsageError);
  });

  it("does nothing when the person declines", async () => {
    const io = new RecordingHost();
    const aws = fakeAws(new FakeS3(new Map()), new FakeCloudFormation({ name: STACK, outputs: OUTPUTS }));
    const { factory, calls } = fakeToolkit();
    const questions: string[] = [];
    const outcome = await destroyFoundation(settings, {
      io,
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
    const io = new RecordingHost();
    const s3 = FakeS3.withBucket("kindling-demo-dev-databucket-abc", 3, STACK);
    const { factory, calls } = fakeToolkit();
    const outcome = await destroyFoundation(settings, {
      io,
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
    expect(io.text()).toMatch(/Kept kindling-demo-dev-databucket-abc and kindling-demo-dev-logsbucket-def/);
    expect(io.text()).toMatch(/--delete-data/);
  });

  it("with deleteData empties every version and deletes both buckets after the stack", async () => {
    const io = new RecordingHost();
    const s3 = FakeS3.withBucket("kindling-demo-dev-databucket-abc", 5, STACK);
    const { factory, calls } = fakeToolkit();
    const questions: string[] = [];
    const outcome = await destroyFoundation(settings, {
      io,
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
    expect(io.text()).toMatch(/ok Emptying and deleting kindling-demo-dev-databucket-abc 5 object versions/);
    expect(io.text()).toMatch(/ok Emptying and deleting kindling-demo-dev-logsbucket-def already gone/);
  });

  it("keeps the stack's KMS key with the data; schedules its deletion only once --delete-data removed the buckets", async () => {
    const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const keyArn = `arn:aws:kms:eu-west-1:111122223333:key/${keyId}`;
    const stack = () =>
      new FakeCloudFormation({
        name: STACK,
        outputs: [...OUTPUTS, { OutputKey: "KmsKeyArn", OutputValue: keyArn }],
        keys: [keyId],
      });
    const scheduled: Array<{ KeyId?: string; PendingWindowInDays?: number }> = [];
    const keys = {
      scheduleKeyDeletion: async (input: { KeyId?: string; PendingWindowInDays?: number }) => {
        scheduled.push(input);
        return { KeyId: keyArn, DeletionDate: new Date("2026-12-14T00:00:00Z") };
      },
    } as never;

    const kept = new RecordingHost();
    const keep = await destroyFoundation(settings, {
      io: kept,
      aws: fakeAws(new FakeS3(new Map()), stack()),
      toolkit: fakeToolkit().factory,
      yes: true,
      keys,
    });
    expect(keep.key).toEqual({ arn: keyArn, deletionScheduled: false });
    expect(scheduled).toEqual([]);
    expect(kept.text()).toMatch(
      /Kept KMS key arn:aws:kms:\S+ with the data .*Once nothing does: aws kms schedule-key-deletion --key-id arn:\S+ --pending-window-in-days 7/,
    );

    const gone = new RecordingHost();
    const remove = await destroyFoundation(settings, {
      io: gone,
      aws: fakeAws(FakeS3.withBucket("kindling-demo-dev-databucket-abc", 2, STACK), stack()),
      toolkit: fakeToolkit().factory,
      yes: true,
      deleteData: true,
      keys,
    });
    expect(remove.key).toEqual({ arn: keyArn, deletionScheduled: true });
    expect(scheduled).toEqual([{ KeyId: keyId, PendingWindowInDays: 7 }]);
    expect(gone.text()).toMatch(/scheduled for deletion on 2026-12-14 .*cancel-key-deletion/);

    /** destroy --delete-data of a stack that made `owned` (buckets, keys) of what its outputs name. */
    const deleteData = (owned: { buckets?: string[]; keys?: string[] }) =>
      destroyFoundation(settings, {
        io: new RecordingHost(),
        aws: fakeAws(
          new FakeS3(new Map()),
          new FakeCloudFormation({
            name: STACK,
            outputs: [...OUTPUTS, { OutputKey: "KmsKeyArn", OutputValue: keyArn }],
            ...owned,
          }),
        ),
        toolkit: fakeToolkit().factory,
        yes: true,
        deleteData: true,
        keys,
      });

    // A key the stack only referenced (aws.existing.kms_key_arn) is never scheduled, with --delete-data too.
    const referenced = await deleteData({});
    expect(referenced.key).toBeUndefined();
    expect(scheduled).toHaveLength(1);

    // The stack's key with a bucket of the account's own (EMR's logs encrypted under it): the key stays.
    const withOwnBucket = await deleteData({ buckets: ["kindling-demo-dev-databucket-abc"], keys: [keyId] });
    expect(withOwnBucket.referencedBuckets).toEqual(["kindling-demo-dev-logsbucket-def"]);
    expect(withOwnBucket.key).toEqual({ arn: keyArn, deletionScheduled: false });
    expect(scheduled).toHaveLength(1);

    // Both requests destroy adds, as AWS's published models (botocore) define them.
    const listed: unknown[] = [];
    const recording = stack();
    const list = recording.listStackResources.bind(recording);
    recording.listStackResources = async (input) => {
      listed.push(input);
      return list(input);
    };
    await destroyFoundation(settings, {
      io: new RecordingHost(),
      aws: fakeAws(new FakeS3(new Map()), recording),
      toolkit: fakeToolkit().factory,
      yes: true,
      deleteData: true,
      keys,
    });
    const sent = [
      ...listed.map((params) => ({ service: "cloudformation", operation: "ListStackResources", params })),
      { service: "kms", operation: "ScheduleKeyDeletion", params: scheduled[1] },
    ];
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(validateAgainstApiModels(sent)).toEqual(sent.map(() => ""));
  });

  it("never empties a bucket the stack only referenced (aws.existing), whatever the config says now", async () => {
    const io = new RecordingHost();
    const s3 = new FakeS3(
      new Map([
        ["team-data", { versions: [{ Key: "data/mails.csv", VersionId: "1" }], tags: {} }],
        ["kindling-demo-dev-logsbucket-def", { versions: [{ Key: "emr/x", VersionId: "1" }], tags: {} }],
      ]),
    );
    const outputs = [
      { OutputKey: "DataBucketName", OutputValue: "team-data" },
      { OutputKey: "LogsBucketName", OutputValue: "kindling-demo-dev-logsbucket-def" },
    ];
    const outcome = await destroyFoundation(settings, {
      io,
      aws: fakeAws(
        s3,
        new FakeCloudFormation({ name: STACK, outputs, buckets: ["kindling-demo-dev-logsbucket-def"] }),
      ),
      toolkit: fakeToolkit().factory,
      deleteData: true,
      yes: true,
    });
    expect(outcome).toMatchObject({
      deletedBuckets: ["kindling-demo-dev-logsbucket-def"],
      referencedBuckets: ["team-data"],
    });
    expect([...s3.buckets.keys()]).toEqual(["team-data"]);
    expect(io.text()).toMatch(/Left team-data as it is: the account's own \(aws.existing\)/);
  });

  it("with the stack gone, leaves a bucket it once created that aws.existing now names", async () => {
    const s3 = new FakeS3(
      new Map([
        [
          "kindling-demo-dev-databucket-abc",
          { versions: [], tags: { "aws:cloudformation:stack-name": STACK } },
        ],
        [
          "kindling-demo-dev-logsbucket-def",
          { versions: [], tags: { "aws:cloudformation:stack-name": STACK } },
        ],
      ]),
    );
    const outcome = await destroyFoundation(
      resolveFoundationSettings({
        project: "demo",
        existing: { dataBucket: "kindling-demo-dev-databucket-abc" },
      }),
      {
        io: new RecordingHost(),
        aws: fakeAws(s3, new FakeCloudFormation(undefined)),
        toolkit: fakeToolkit().factory,
        deleteData: true,
        yes: true,
      },
    );
    expect(outcome.deletedBuckets).toEqual(["kindling-demo-dev-logsbucket-def"]);
    expect([...s3.buckets.keys()]).toEqual(["kindling-demo-dev-databucket-abc"]);
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
        io: new RecordingHost(),
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
    const missing = fakeAws(new FakeS3(new Map()), new FakeCloudFormation(undefined));
    expect(await describeStack(missing.cloudFormation, STACK)).toBeUndefined();
    const denied = fakeAws(new FakeS3(new Map()), {
      describeStacks: async () => {
        throw Object.assign(new Error("not authorized"), { name: "AccessDenied" });
      },
    });
    await expect(describeStack(denied.cloudFormation, STACK)).rejects.toThrow("not authorized");
  });

  it("emptyAndDeleteBucket pages through versions and reports progress", async () => {
    const s3 = FakeS3.withBucket("b", 5, STACK);
    const client = fakeAws(s3, new FakeCloudFormation(undefined)).s3;
    const progress: number[] = [];
    expect(await emptyAndDeleteBucket(client, "b", (n) => progress.push(n))).toBe(5);
    expect(progress).toEqual([2, 4, 5]);
    expect(s3.calls.at(-1)).toBe("deleteBucket b");
    expect(await emptyAndDeleteBucket(client, "b")).toBeUndefined();
  });

  it("emptyAndDeleteBucket stops on objects S3 refused to delete", async () => {
    const s3 = FakeS3.withBucket("b", 1, STACK);
    s3.deleteObjects = async () => ({ Errors: [{ Key: "runs/r/0", Code: "AccessDenied", Message: "no" }] });
    await expect(
      emptyAndDeleteBucket(fakeAws(s3, new FakeCloudFormation(undefined)).s3, "b"),
    ).rejects.toThrow(/Could not delete 1 object\(s\) from b, e.g. runs\/r\/0: AccessDenied/);
  });

  it("findRetainedBuckets matches the stack-name tag only", async () => {
    const s3 = FakeS3.withBucket("kindling-demo-dev-logs-1", 0, STACK);
    s3.buckets.set("kindling-demo-devx-logs-2", {
      versions: [],
      tags: { "aws:cloudformation:stack-name": "kindling-demo-devx" },
    });
    expect(await findRetainedBuckets(fakeAws(s3, new FakeCloudFormation(undefined)).s3, STACK)).toEqual([
      "kindling-demo-dev-logs-1",
    ]);
  });
});

describe("forwardingIoHost", () => {
  const msg = (level: string, message: string, code?: string) =>
    ({ time: new Date(), level, action: "deploy", code, message, data: {} }) as never;

  it("forwards toolkit messages to Kindling's host by level, with the toolkit's code", async () => {
    const io = new RecordingHost();
    const host = forwardingIoHost(io);
    await host.notify(msg("info", "stack created"));
    await host.notify(msg("warn", "careful"));
    await host.notify(msg("error", "boom"));
    await host.notify(msg("debug", "detail"));
    await host.notify(msg("trace", "more detail"));
    await host.notify(msg("result", "diff text", "CDK_TOOLKIT_I4002"));
    await host.notify(msg("result", "{template}", "CDK_TOOLKIT_I1901"));
    await host.notify(msg("info", "   "));
    expect(io.messages.map((m) => ({ level: m.level, message: m.message }))).toEqual([
      { level: "info", message: "stack created" },
      { level: "warn", message: "careful" },
      { level: "warn", message: "boom" },
      { level: "debug", message: "detail" },
      { level: "debug", message: "more detail" },
      { level: "result", message: "diff text" },
      { level: "debug", message: "{template}" },
    ]);
    expect(io.messages[5]?.data).toEqual({ toolkitCode: "CDK_TOOLKIT_I4002" });
  });

  it("answers confirmations with --yes, the prompt, or the toolkit default", async () => {
    const request = (code: string, defaultResponse: unknown) =>
      ({
        ...(msg("info", "Do you wish to deploy these changes?", code) as object),
        defaultResponse,
      }) as never;
    const io = new RecordingHost();
    expect(
      await forwardingIoHost(io, { yes: true }).requestResponse(request("CDK_TOOLKIT_I5060", false)),
    ).toBe(true);
    const asked: string[] = [];
    const host = forwardingIoHost(io, {
      confirm: async (q) => {
        asked.push(q);
        return false;
      },
      preConfirmed: ["CDK_TOOLKIT_I7010"],
    });
    expect(await host.requestResponse(request("CDK_TOOLKIT_I5060", true))).toBe(false);
    expect(asked).toEqual(["Do you wish to deploy these changes?"]);
    expect(await host.requestResponse(request("CDK_TOOLKIT_I7010", false))).toBe(true);
    expect(await forwardingIoHost(io).requestResponse(request("CDK_TOOLKIT_I5060", true))).toBe(true);
    expect(await forwardingIoHost(io).requestResponse(request("CDK_TOOLKIT_I9999", "text"))).toBe("text");
  });
});
