import { mkdir, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import {
  BaseCredentials,
  DiffMethod,
  type ICloudAssemblySource,
  StackSelectionStrategy,
  Toolkit,
  ToolkitError,
} from "@aws-cdk/toolkit-lib";
import type { KMS } from "@aws-sdk/client-kms";
import { stringify } from "yaml";
import { type AwsClients, type AwsTarget, createAwsClients } from "../aws/clients.js";
import { awsTrouble, messageOf as errorMessage, errorName, translateAwsError } from "../aws/errors.js";
import { describeStack, stackResourceIds } from "../aws/stacks.js";
import { KindlingError, PrerequisiteError, UsageError } from "../errors.js";
import { CODES } from "../ui/codes.js";
import { formatDuration } from "../ui/format.js";
import type { IoHost } from "../ui/io.js";
import { assertNoNagErrors, createFoundationApp, type NagFinding, readValidationFindings } from "./app.js";
import { emptyAndDeleteBucket, findRetainedBuckets } from "./buckets.js";
import { describeChangeSet, touchesAccess } from "./changeSets.js";
import { checkExistingResources, type ExistingReaders, existingReadersFor } from "./existingResources.js";
import { FOUNDATION_PARTS } from "./foundationStack.js";
import { type Confirm, type ForwardingIoHostOptions, forwardingIoHost } from "./ioHost.js";
import { type FoundationOutputs, OUTPUT_KEYS, parseFoundationOutputs } from "./outputs.js";
import { referencesOf } from "./planView.js";
import { type FoundationSettings, stackNameFor } from "./settings.js";

/** CloudFormation's limit for a template passed inline (no bootstrap bucket to upload it to). */
export const INLINE_TEMPLATE_LIMIT_BYTES = 51_200;

/** The toolkit-lib calls Kindling makes; a real `Toolkit` satisfies it, tests may wrap one. */
export type FoundationToolkit = Pick<
  Toolkit,
  "fromAssemblyBuilder" | "synth" | "diff" | "deploy" | "destroy"
>;

/**
 * Creates the toolkit for one command; receives the IoHost wired to the Reporter, the AWS target, and
 * whether the command is offline (then no credentials may be resolved).
 */
export type ToolkitFactory = (
  ioHost: ReturnType<typeof forwardingIoHost>,
  target: AwsTarget & { offline: boolean },
) => FoundationToolkit;

export interface FoundationCommandOptions extends Pick<AwsTarget, "profile" | "region"> {
  /** Read what aws.existing names, for the read-only checks. Default: clients from profile/region. */
  readers?: ExistingReaders;
  io: IoHost;
  /** Toolkit factory. Default: toolkit-lib's `Toolkit` with the standard credential chain. */
  toolkit?: ToolkitFactory;
}

export interface SynthResult {
  stackName: string;
  /** Absolute paths of the synthesized CloudFormation templates (one: the foundation stack). */
  templatePaths: string[];
  /** Size of the template as CloudFormation receives it inline (YAML), in bytes. */
  templateBytes: number;
  /** Wall-clock synthesis time including cdk-nag, in milliseconds. */
  synthMs: number;
  /** cdk-nag warnings (errors throw). */
  findings: NagFinding[];
}

/**
 * Writes the foundation's CloudFormation templates to `outDir` (a cloud assembly). Offline: no
 * credentials, no network. Throws KindlingError if cdk-nag reports any unacknowledged error.
 */
export async function synthFoundation(
  settings: FoundationSettings,
  options: FoundationCommandOptions & { outDir: string },
): Promise<SynthResult> {
  const { io } = options;
  const outDir = resolve(options.outDir);
  const stackName = stackNameFor(settings);
  const stage = io.span(CODES.INFRA_SYNTH.msg(`Synthesizing ${stackName}`, { stackName }));
  // The assembly is made beside outDir and moved in only once whole: a failed synth leaves outDir as it was.
  await mkdir(dirname(outDir), { recursive: true });
  const staging = await mkdtemp(join(dirname(outDir), `.${basename(outDir)}.synth-`));
  try {
    const toolkit = makeToolkit(options, {}, true);
    const { cx, ...result } = await synthWith(toolkit, settings, staging, io);
    // Releases the read lock on the assembly; the directory itself stays (disposeOutdir: false).
    await (cx as { dispose?: () => Promise<void> }).dispose?.();
    await moveInto(staging, outDir);
    stage.succeed(formatDuration(result.synthMs / 1000));
    return { ...result, templatePaths: result.templatePaths.map((p) => join(outDir, relative(staging, p))) };
  } catch (e) {
    stage.fail();
    throw translateToolkitError(e, stackNameFor(settings));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Moves every file of `from` to the same place under `to` (created), replacing files of the same name. */
async function moveInto(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true, recursive: true })) {
    if (entry.isDirectory()) continue;
    const source = join(entry.parentPath, entry.name);
    const target = join(to, relative(from, source));
    await mkdir(dirname(target), { recursive: true });
    await rename(source, target);
  }
}

/** One resource in a plan. */
export interface PlannedResource {
  logicalId: string;
  type: string;
  /** The top-level construct (Data, Network, EmrRoles…); absent for a resource the new template lacks. */
  construct?: string;
  action: "create" | "update" | "replace" | "may-replace" | "delete" | "orphan" | "import" | "no-change";
}

export interface FoundationPlan {
  stackName: string;
  /** "diff": against the deployed stack; "create": no stack yet; "offline": no credentials, full resource list. */
  mode: "diff" | "create" | "offline";
  resources: PlannedResource[];
  /**
   * Whether IAM or security-group changes are in it, and whether they widen access (known from a diff
   * against the deployed stack; not from a change set, whose execution asks whenever they are in it).
   */
  security?: { iam: boolean; network: boolean; widens?: boolean };
  /** What the stack uses of the account's own (aws.existing), in words; none when it creates everything. */
  references?: string[];
  synthMs: number;
}

/**
 * Shows what deploy would do: a diff against the deployed stack when credentials work, otherwise (or
 * when nothing is deployed) the full list of resources a first deploy creates, grouped by type.
 */
export async function planFoundation(
  settings: FoundationSettings,
  options: FoundationCommandOptions & {
    /** AWS clients. Default: created from profile/region. */
    aws?: AwsClients;
    /** Skip every AWS call and list the resources. Default false. */
    offline?: boolean;
  },
): Promise<FoundationPlan> {
  const stackName = stackNameFor(settings);
  const target = targetOf(settings, options);
  const deployed = options.offline ? "offline" : await probeStack({ ...options, ...target }, stackName);
  if (deployed !== "offline") await checkExisting(settings, { ...options, ...target });
  const references = referencesOf(settings.existing);
  const referencing = references.length > 0 ? { references } : {};
  return withTempAssembly(
    settings,
    { ...options, ...target },
    // The command prints the plan once, in its own words: the toolkit's rendered diff is detail.
    { offline: deployed !== "present", showDiff: false },
    async (toolkit, cx, synth) => {
      const template = await templateOf(synth);
      const constructs = constructsOf(template);
      const inConstruct = (logicalId: string) => {
        const construct = constructs.get(logicalId);
        return construct ? { construct } : {};
      };
      if (deployed === "offline" || deployed === "absent") {
        return {
          stackName,
          mode: deployed === "offline" ? "offline" : "create",
          resources: Object.entries(template.Resources ?? {})
            .filter(([, r]) => r.Type !== "AWS::CDK::Metadata")
            .map(([logicalId, r]) => ({
              logicalId,
              type: r.Type,
              ...inConstruct(logicalId),
              action: "create" as const,
            })),
          ...referencing,
          synthMs: synth.synthMs,
        };
      }
      const diffs = await toolkit.diff(cx, {
        stacks: selectStack(stackName),
        method: DiffMethod.TemplateOnly(),
      });
      const resources: PlannedResource[] = [];
      const security = { iam: false, network: false, widens: false };
      for (const diff of Object.values(diffs) as unknown as TemplateDiffLike[]) {
        diff.resources.forEachDifference((logicalId, change) => {
          resources.push({
            logicalId,
            type: change.newResourceType ?? change.oldResourceType ?? "?",
            ...inConstruct(logicalId),
            action: actionOf(change.changeImpact),
          });
        });
        security.iam ||= diff.iamChanges?.hasChanges ?? false;
        security.network ||= diff.securityGroupChanges?.hasChanges ?? false;
        security.widens ||= diff.permissionsBroadened ?? false;
      }
      const plan: FoundationPlan = {
        stackName,
        mode: "diff",
        resources,
        security,
        ...referencing,
        synthMs: synth.synthMs,
      };
      return plan;
    },
  );
}

/** What `deploy --no-execute` made: a change set to review, and what it would do. */
export interface ChangeSetReview {
  stackName: string;
  region: string;
  changeSetName: string;
  /** Its changes as a plan (mode "diff"); no resources when there is nothing to change. */
  plan: FoundationPlan;
}

/**
 * Creates a CloudFormation change set for the foundation and leaves it for review: nothing is applied,
 * so no approval is asked. `deploy --change-set NAME` executes it.
 */
export async function createFoundationChangeSet(
  settings: FoundationSettings,
  options: FoundationCommandOptions & { changeSetName: string; aws?: AwsClients },
): Promise<ChangeSetReview> {
  const stackName = stackNameFor(settings);
  const region = await resolveRegion(settings, options);
  const target = { ...options, region };
  await checkExisting(settings, target);
  return withTempAssembly(settings, target, { yes: true }, async (toolkit, cx, synth) => {
    assertInlineSize(synth, stackName);
    await toolkit.deploy(cx, {
      stacks: selectStack(stackName),
      deploymentMethod: { method: "change-set", execute: false, changeSetName: options.changeSetName },
    });
    const aws = options.aws ?? (await createAwsClients(target));
    const constructs = constructsOf(await templateOf(synth));
    // The toolkit removes a change set that holds no change: then there is nothing to review.
    const contents = await awsCall(
      () => describeChangeSet(aws.cloudFormation, stackName, options.changeSetName, constructs),
      stackName,
    );
    const resources = contents?.resources ?? [];
    return {
      stackName,
      region,
      changeSetName: options.changeSetName,
      plan: {
        stackName,
        mode: "diff",
        resources,
        security: touchesAccess(resources),
        synthMs: synth.synthMs,
      },
    };
  });
}

/**
 * Deploys (creates or updates) the foundation stack and returns its outputs. Security-sensitive
 * changes (IAM) are confirmed through `confirm` unless `yes`. With `changeSetName`, executes exactly that
 * reviewed change set instead (asking first when it changes IAM or security groups).
 */
export async function deployFoundation(
  settings: FoundationSettings,
  options: FoundationCommandOptions & {
    /** Approve every toolkit confirmation. Default false. */
    yes?: boolean;
    /** Prompt used for toolkit confirmations. Default: the toolkit's default answer. */
    confirm?: Confirm;
    /** AWS clients (used to resolve the region). Default: created from profile/region. */
    aws?: AwsClients;
    /** Execute this change set (made by `deploy --no-execute`) rather than a new one. */
    changeSetName?: string;
  },
): Promise<FoundationOutputs> {
  const { io } = options;
  const stackName = stackNameFor(settings);
  const region = await resolveRegion(settings, options);
  const { changeSetName } = options;
  if (changeSetName !== undefined) await approveChangeSet(settings, { ...options, region, changeSetName });
  else await checkExisting(settings, { ...options, region });
  return withTempAssembly(
    settings,
    { ...options, region },
    // A reviewed change set was approved above: the toolkit's approval compares the new synth, not it.
    changeSetName !== undefined ? { yes: true } : { yes: options.yes, confirm: options.confirm },
    async (toolkit, cx, synth) => {
      assertInlineSize(synth, stackName);
      const stage = io.span(
        CODES.INFRA_DEPLOY.msg(`Deploying ${stackName} to ${region}`, { stackName, region }),
      );
      try {
        const result = await toolkit.deploy(cx, {
          stacks: selectStack(stackName),
          deploymentMethod:
            changeSetName !== undefined
              ? { method: "execute-change-set", changeSetName }
              : { method: "change-set" },
        });
        const deployed = result.stacks.find((s) => s.stackName === stackName) ?? result.stacks[0];
        const outputs = parseFoundationOutputs(
          Object.entries(deployed?.outputs ?? {}).map(([OutputKey, OutputValue]) => ({
            OutputKey,
            OutputValue,
          })),
          stackName,
        );
        stage.succeed();
        return outputs;
      } catch (e) {
        stage.fail();
        throw e;
      }
    },
  );
}

/**
 * Checks that the named change set exists for this stack and can be executed, and asks before one that
 * changes IAM or security groups (unless `yes`); without a terminal to ask on it refuses.
 */
async function approveChangeSet(
  settings: FoundationSettings,
  options: FoundationCommandOptions & {
    changeSetName: string;
    region: string;
    yes?: boolean;
    confirm?: Confirm;
    aws?: AwsClients;
  },
): Promise<void> {
  const stackName = stackNameFor(settings);
  const { changeSetName } = options;
  const aws = options.aws ?? (await createAwsClients(options));
  const contents = await awsCall(
    () => describeChangeSet(aws.cloudFormation, stackName, changeSetName, new Map()),
    stackName,
  );
  if (!contents) {
    throw new UsageError(`${stackName} has no change set named ${changeSetName} in ${options.region}`, {
      hint: "`kindling deploy --no-execute` creates one and prints its name (same --env, --region and --profile).",
    });
  }
  if (contents.status !== "CREATE_COMPLETE" || contents.executionStatus !== "AVAILABLE") {
    throw new UsageError(
      `change set ${changeSetName} cannot be executed: it is ${contents.status}/${contents.executionStatus}${contents.statusReason ? ` (${contents.statusReason})` : ""}`,
      { hint: "Create a new one with `kindling deploy --no-execute`." },
    );
  }
  const access = touchesAccess(contents.resources);
  if (options.yes || (!access.iam && !access.network)) return;
  const what = [access.iam ? "IAM" : "", access.network ? "security groups" : ""]
    .filter(Boolean)
    .join(" and ");
  if (!options.confirm) {
    throw new UsageError(`change set ${changeSetName} changes ${what}: approve it with --yes`, {
      hint: "Review it first: `kindling deploy --no-execute` printed its changes.",
    });
  }
  if (!(await options.confirm(`Change set ${changeSetName} changes ${what}. Execute it?`))) {
    throw new UsageError(`change set ${changeSetName} not executed: not approved`);
  }
}

export interface DestroyOutcome {
  stackName: string;
  /** Whether a stack existed when the command started. */
  existed: boolean;
  /** The person declined the confirmation; nothing was changed. */
  cancelled: boolean;
  /** Buckets emptied and deleted (only with deleteData). */
  deletedBuckets: string[];
  /** Buckets CloudFormation left in place (without deleteData). */
  retainedBuckets: string[];
  /** Buckets the stack used but did not create (aws.existing): left alone, with or without deleteData. */
  referencedBuckets: string[];
  /**
   * The stack's own KMS key: kept with the data (the stack retains it), its deletion scheduled once
   * deleteData has removed the buckets. Absent when the stack used an existing key or did not exist.
   */
  key?: { arn: string; deletionScheduled: boolean };
}

/** The KMS call `kindling destroy --delete-data` makes. */
export type KeyScheduler = Pick<KMS, "scheduleKeyDeletion">;

/** Days between `destroy --delete-data` and the key's deletion (KMS allows 7–30): time to cancel it. */
export const KEY_DELETION_DAYS = 7;

/**
 * Deletes the foundation stack. Idempotent: a stack that is absent ends cleanly with a message. The data
 * and logs buckets are retained unless `deleteData`, in which case they are emptied (every version) and
 * deleted, including buckets left behind by an earlier destroy.
 */
export async function destroyFoundation(
  settings: FoundationSettings,
  options: FoundationCommandOptions & {
    /** Skip the confirmation. Default false. */
    yes?: boolean;
    /** Also empty and delete the buckets. Default: `settings.deleteDataOnDestroy`. */
    deleteData?: boolean;
    /** Prompt for the confirmation; without it (and without `yes`) destroy refuses. */
    confirm?: Confirm;
    /** AWS clients. Default: created from profile/region. */
    aws?: AwsClients;
    /** Schedules the stack's key for deletion (deleteData only). Default: a KMS client for the region. */
    keys?: KeyScheduler;
  },
): Promise<DestroyOutcome> {
  const { io } = options;
  const stackName = stackNameFor(settings);
  const deleteData = options.deleteData ?? settings.deleteDataOnDestroy;
  const aws = options.aws ?? (await awsCall(() => createAwsClients(targetOf(settings, options)), stackName));
  const region = aws.region;
  const note = (message: string) => io.notify(CODES.INFRA_NOTE.msg(message, { stackName }));
  const outcome: DestroyOutcome = {
    stackName,
    existed: false,
    cancelled: false,
    deletedBuckets: [],
    retainedBuckets: [],
    referencedBuckets: [],
  };

  const stack = await awsCall(() => describeStack(aws.cloudFormation, stackName), stackName);
  let buckets: string[];
  let keyArn: string | undefined;
  if (stack) {
    outcome.existed = true;
    const byKey = new Map(stack.outputs.map((o) => [o.OutputKey, o.OutputValue]));
    keyArn = await ownedKeyArn(aws.cloudFormation, stackName, byKey.get(OUTPUT_KEYS.kmsKeyArn));
    const named = [byKey.get(OUTPUT_KEYS.dataBucketName), byKey.get(OUTPUT_KEYS.logsBucketName)].filter(
      (b): b is string => typeof b === "string" && b !== "",
    );
    // Buckets aws.existing named are the account's: never emptied, whatever the config says today.
    const owned = await awsCall(
      () => stackResourceIds(aws.cloudFormation, stackName, "AWS::S3::Bucket"),
      stackName,
    );
    buckets = named.filter((b) => owned.includes(b));
    outcome.referencedBuckets = named.filter((b) => !owned.includes(b));
  } else if (deleteData) {
    // A bucket an earlier deploy created, now named in aws.existing, is the account's to keep.
    const referenced = [settings.existing?.dataBucket, settings.existing?.logsBucket];
    buckets = (await awsCall(() => findRetainedBuckets(aws.s3, stackName), stackName)).filter(
      (b) => !referenced.includes(b),
    );
    if (buckets.length === 0) {
      note(`Stack ${stackName} does not exist and left no buckets behind: nothing to destroy.`);
      return outcome;
    }
  } else {
    note(`Stack ${stackName} does not exist: nothing to destroy.`);
    return outcome;
  }

  const what = [
    stack ? `stack ${stackName}` : `the buckets stack ${stackName} left behind`,
    deleteData && buckets.length > 0 ? `and ALL objects in ${buckets.join(", ")}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  if (!options.yes) {
    if (!options.confirm) {
      throw new UsageError(`Refusing to destroy ${what} without confirmation.`, {
        hint: "Run it in a terminal to be asked, or pass --yes.",
      });
    }
    if (!(await options.confirm(`Destroy ${what} in ${region}?`))) {
      note("Nothing destroyed.");
      return { ...outcome, cancelled: true };
    }
  }

  if (stack) {
    await withTempAssembly(
      settings,
      { ...options, region },
      { preConfirmed: ["CDK_TOOLKIT_I7010"] },
      async (toolkit, cx) => {
        const stage = io.span(CODES.INFRA_DESTROY.msg(`Destroying ${stackName}`, { stackName }));
        try {
          await toolkit.destroy(cx, { stacks: selectStack(stackName) });
          stage.succeed();
        } catch (e) {
          stage.fail();
          throw e;
        }
      },
    );
  }

  if (outcome.referencedBuckets.length > 0) {
    note(
      `Left ${outcome.referencedBuckets.join(" and ")} as ${outcome.referencedBuckets.length === 1 ? "it is" : "they are"}: the account's own (aws.existing), which the stack used but did not create.`,
    );
  }
  if (!deleteData) {
    outcome.retainedBuckets = buckets;
    if (buckets.length > 0) {
      note(
        `Kept ${buckets.join(" and ")} (data is never deleted by default); \`kindling destroy --delete-data\` empties and deletes them.`,
      );
    }
  } else {
    for (const bucket of buckets) {
      const stage = io.span(CODES.INFRA_EMPTY_BUCKET.msg(`Emptying and deleting ${bucket}`, { bucket }));
      const deleted = await awsCall(
        () => emptyAndDeleteBucket(aws.s3, bucket, (n) => stage.update(`${n} object versions deleted`)),
        stackName,
      );
      stage.succeed(deleted === undefined ? "already gone" : `${deleted} object versions`);
      if (deleted !== undefined) outcome.deletedBuckets.push(bucket);
    }
  }
  if (keyArn) {
    // A bucket of the account's own (aws.existing) that the stack's key encrypted (EMR's logs with sse-kms)
    // stays, so the key must too.
    const keep = !deleteData || outcome.referencedBuckets.length > 0;
    outcome.key = await settleKey(keyArn, !keep, { ...options, region }, note, stackName);
  }
  return outcome;
}

/** The ARN of the KMS key the stack created (undefined when it used an existing one). */
async function ownedKeyArn(
  cfn: AwsClients["cloudFormation"],
  stackName: string,
  arn: string | undefined,
): Promise<string | undefined> {
  if (!arn) return undefined;
  const owned = await awsCall(() => stackResourceIds(cfn, stackName, "AWS::KMS::Key"), stackName);
  return owned.some((id) => arn.endsWith(`:key/${id}`) || arn === id) ? arn : undefined;
}

/**
 * The stack's key outlives the stack (RETAIN): objects in the kept data bucket may be encrypted under
 * it. Once deleteData has removed the buckets nothing can need it, and its deletion is scheduled.
 */
async function settleKey(
  arn: string,
  deleteData: boolean,
  options: { keys?: KeyScheduler; profile?: string; region: string },
  note: (message: string) => void,
  stackName: string,
): Promise<{ arn: string; deletionScheduled: boolean }> {
  if (!deleteData) {
    note(
      `Kept KMS key ${arn} with the data (objects written with sse-kms, now or in an earlier deploy, may need it; about $1 a month). Once nothing does: aws kms schedule-key-deletion --key-id ${arn} --pending-window-in-days ${KEY_DELETION_DAYS}`,
    );
    return { arn, deletionScheduled: false };
  }
  const keys = options.keys ?? (await kmsClient(options));
  // The key id, which KMS takes like the ARN (moto only takes the id).
  const keyId = arn.slice(arn.lastIndexOf("/") + 1);
  const scheduled = await awsCall(
    () => keys.scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: KEY_DELETION_DAYS }),
    stackName,
  );
  const when = scheduled.DeletionDate ? ` on ${scheduled.DeletionDate.toISOString().slice(0, 10)}` : "";
  note(
    `KMS key ${arn} is scheduled for deletion${when} (${KEY_DELETION_DAYS} days; \`aws kms cancel-key-deletion --key-id ${arn}\` stops it).`,
  );
  return { arn, deletionScheduled: true };
}

async function kmsClient(target: { profile?: string; region: string }): Promise<KeyScheduler> {
  const { KMS } = await import("@aws-sdk/client-kms");
  return new KMS({ region: target.region, ...(target.profile ? { profile: target.profile } : {}) });
}

/** Maps toolkit-lib and SDK failures to errors that say what to do. Other errors pass through unchanged. */
export function translateToolkitError(e: unknown, stackName: string): unknown {
  if (e instanceof KindlingError) return e;
  const name = errorName(e);
  const message = errorMessage(e);
  if (name === "TemplateTooLargeToDeploy") {
    return templateTooLarge(stackName, undefined, e);
  }
  if (
    ToolkitError.isBootstrapError(e) ||
    /bootstrap/i.test(name) ||
    /has the environment been bootstrapped/i.test(message)
  ) {
    return new KindlingError(
      `Deploying ${stackName} needs a CDK bootstrap stack in this account and region.`,
      {
        hint:
          "Kindling's foundation is built to deploy without one (no assets, template inline), so this means the template " +
          "changed. Bootstrap once with `npx aws-cdk bootstrap aws://<account>/<region>` or remove what added assets.",
        cause: e,
      },
    );
  }
  if (ToolkitError.isAuthenticationError(e) || isCredentialsError(e)) {
    const translated = translateAwsError(e, `working on ${stackName}`);
    if (translated instanceof KindlingError) return translated;
    return new PrerequisiteError(`No usable AWS credentials for ${stackName}: ${message}`, {
      hint: "Configure the standard AWS credential chain (aws configure, AWS_PROFILE, SSO login) or pass --profile and --region.",
      cause: e,
    });
  }
  if (ToolkitError.isToolkitError(e)) {
    return new KindlingError(`${stackName}: ${message}`, { cause: e });
  }
  return e;
}

function isCredentialsError(e: unknown): boolean {
  return awsTrouble(e)?.endsWith("credentials") === true || /region is missing/i.test(errorMessage(e));
}

function templateTooLarge(stackName: string, bytes: number | undefined, cause?: unknown): KindlingError {
  return new KindlingError(
    `The ${stackName} template${bytes ? ` is ${bytes} bytes,` : " is"} over CloudFormation's inline limit of ${INLINE_TEMPLATE_LIMIT_BYTES} bytes.`,
    {
      hint:
        "Kindling deploys the foundation without a CDK bootstrap bucket, so the template must stay inline. " +
        "Report this as a Kindling bug, or bootstrap the account (`npx aws-cdk bootstrap`) to upload larger templates.",
      cause,
    },
  );
}

function assertInlineSize(synth: SynthResult, stackName: string): void {
  if (synth.templateBytes > INLINE_TEMPLATE_LIMIT_BYTES)
    throw templateTooLarge(stackName, synth.templateBytes);
}

/** Whether the stack exists; "offline" when there are no credentials to ask with. */
async function probeStack(
  options: FoundationCommandOptions & { aws?: AwsClients },
  stackName: string,
): Promise<"present" | "absent" | "offline"> {
  try {
    const aws = options.aws ?? (await createAwsClients(options));
    return (await describeStack(aws.cloudFormation, stackName)) ? "present" : "absent";
  } catch (e) {
    if (isCredentialsError(e) || e instanceof PrerequisiteError) {
      const reason = errorMessage(e);
      // A missing region is not missing credentials: say which setting it is (the error's hint names where).
      const what =
        e instanceof PrerequisiteError && !isCredentialsError(e)
          ? `${reason} ${e.hint ?? ""}`.trim()
          : `No AWS credentials available (${reason}).`;
      options.io.notify(
        CODES.INFRA_OFFLINE.msg(`${what} Listing what a first deploy creates, without AWS.`, {
          reason,
        }),
      );
      return "offline";
    }
    throw translateToolkitError(e, stackName);
  }
}

/** Profile and region for AWS calls: the command's flags first, then the config's `aws.region`. */
function targetOf(settings: FoundationSettings, options: Pick<AwsTarget, "profile" | "region">): AwsTarget {
  const region = options.region ?? settings.region;
  return { ...(options.profile ? { profile: options.profile } : {}), ...(region ? { region } : {}) };
}

/**
 * The region a deploy or destroy acts in. Never defaulted in code: without a flag, a config value or
 * the credential chain's region (AWS_REGION, the profile) the command stops and says so.
 */
async function resolveRegion(
  settings: FoundationSettings,
  options: FoundationCommandOptions & { aws?: AwsClients },
): Promise<string> {
  const target = targetOf(settings, options);
  if (target.region) return target.region;
  try {
    const aws = options.aws ?? (await createAwsClients(target));
    return aws.region;
  } catch (e) {
    if (e instanceof KindlingError) throw e;
    throw new PrerequisiteError(
      `No AWS region configured for ${stackNameFor(settings)}: ${errorMessage(e)}`,
      {
        hint: "Set aws.region in kindling.yaml, pass --region, or set AWS_REGION (or a region in your AWS profile).",
        cause: e,
      },
    );
  }
}

async function awsCall<T>(fn: () => Promise<T>, stackName: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw translateToolkitError(e, stackName);
  }
}

type IoOptions = ForwardingIoHostOptions & { offline?: boolean };

function makeToolkit(
  options: FoundationCommandOptions,
  io: IoOptions,
  offline = io.offline ?? false,
): FoundationToolkit {
  const ioHost = forwardingIoHost(options.io, io);
  const target = { profile: options.profile, region: options.region, offline };
  if (options.toolkit) return options.toolkit(ioHost, target);
  return new Toolkit({
    ioHost,
    color: false,
    emojis: false,
    sdkConfig: {
      // Offline commands must not even look for credentials.
      baseCredentials: offline
        ? BaseCredentials.none()
        : BaseCredentials.awsCliCompatible({ profile: target.profile, defaultRegion: target.region }),
    },
  });
}

async function synthWith(
  toolkit: FoundationToolkit,
  settings: FoundationSettings,
  outDir: string,
  io: IoHost,
  keepOutdir = true,
): Promise<SynthResult & { cx: ICloudAssemblySource }> {
  const stackName = stackNameFor(settings);
  const started = performance.now();
  const source = await toolkit.fromAssemblyBuilder(
    async (props) =>
      createFoundationApp(settings, { outdir: props.outdir, context: props.context }).app.synth(),
    {
      outdir: outDir,
      // Offline by construction: no STS call for a default account, no context lookups.
      resolveDefaultEnvironment: false,
      lookups: false,
      clobberEnv: false,
      disposeOutdir: !keepOutdir,
    },
  );
  const cx = await toolkit.synth(source, { stacks: selectStack(stackName), validateStacks: true });
  const synthMs = Math.round(performance.now() - started);
  const asm = cx.cloudAssembly;
  const findings = readValidationFindings(asm.directory);
  assertNoNagErrors(findings);
  for (const f of findings) {
    io.notify(
      CODES.INFRA_NAG.msg(`${f.rule} at ${f.resources.join(", ")}: ${f.description}`, {
        rule: f.rule,
        resources: f.resources,
      }),
    );
  }
  const stacks = asm.stacks;
  const templatePaths = stacks.map((s) => join(asm.directory, s.templateFile));
  const main = stacks.find((s) => s.stackName === stackName);
  const templateBytes = main ? Buffer.byteLength(stringify(main.template)) : 0;
  if (templateBytes > INLINE_TEMPLATE_LIMIT_BYTES) {
    io.notify(
      CODES.INFRA_TEMPLATE_SIZE.msg(templateTooLarge(stackName, templateBytes).message, {
        stackName,
        templateBytes,
      }),
    );
  }
  io.notify(
    CODES.INFRA_SYNTHESIZED.msg(
      `Synthesized ${stackName} to ${asm.directory} in ${synthMs} ms (${templateBytes} bytes inline)`,
      {
        stackName,
        directory: asm.directory,
        templateBytes,
      },
    ),
  );
  return { stackName, templatePaths, templateBytes, synthMs, findings, cx };
}

/** Synthesizes into a temporary directory, runs `fn`, and removes the directory afterwards. */
async function withTempAssembly<T>(
  settings: FoundationSettings,
  options: FoundationCommandOptions,
  io: IoOptions,
  fn: (toolkit: FoundationToolkit, cx: ICloudAssemblySource, synth: SynthResult) => Promise<T>,
): Promise<T> {
  const stackName = stackNameFor(settings);
  const dir = await mkdtemp(join(tmpdir(), "kindling-cdk-"));
  try {
    const toolkit = makeToolkit(options, io);
    const synth = await synthWith(toolkit, settings, dir, options.io);
    try {
      return await fn(toolkit, synth.cx, synth);
    } finally {
      await (synth.cx as { dispose?: () => Promise<void> }).dispose?.();
    }
  } catch (e) {
    throw translateToolkitError(e, stackName);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function selectStack(stackName: string) {
  return { strategy: StackSelectionStrategy.PATTERN_MUST_MATCH_SINGLE, patterns: [stackName] };
}

function actionOf(impact: string): PlannedResource["action"] {
  const map: Record<string, PlannedResource["action"]> = {
    WILL_CREATE: "create",
    WILL_UPDATE: "update",
    WILL_REPLACE: "replace",
    MAY_REPLACE: "may-replace",
    WILL_DESTROY: "delete",
    WILL_ORPHAN: "orphan",
    WILL_IMPORT: "import",
    NO_CHANGE: "no-change",
  };
  return map[impact] ?? "update";
}

interface TemplateJson {
  Resources?: Record<string, { Type: string }>;
}

/** What aws.existing names, checked read-only before anything is changed (none: nothing to check). */
async function checkExisting(settings: FoundationSettings, options: FoundationCommandOptions): Promise<void> {
  if (!settings.existing) return;
  const region = options.region ?? settings.region;
  const readers =
    options.readers ?? (await existingReadersFor({ ...options, ...(region ? { region } : {}) }));
  await awsCall(() => checkExistingResources(readers, settings, region), stackNameFor(settings));
}

async function templateOf(synth: SynthResult): Promise<TemplateJson> {
  return JSON.parse(await readFile(synth.templatePaths[0] as string, "utf8")) as TemplateJson;
}

/**
 * Logical id → the top-level construct it belongs to (Data, Network, EmrRoles…). CDK's logical ids
 * start with the construct path, so the longest part name a logical id starts with is its construct (the
 * template carries no path metadata: it would cost the inline template ~5 KB).
 */
function constructsOf(template: TemplateJson): Map<string, string> {
  const parts = [...FOUNDATION_PARTS].sort((a, b) => b.length - a.length);
  const constructs = new Map<string, string>();
  for (const logicalId of Object.keys(template.Resources ?? {})) {
    const construct = parts.find((part) => logicalId.startsWith(part));
    if (construct) constructs.set(logicalId, construct);
  }
  return constructs;
}

/** The part of @aws-cdk/cloudformation-diff's TemplateDiff that plan reads. */
interface TemplateDiffLike {
  iamChanges?: { hasChanges: boolean };
  securityGroupChanges?: { hasChanges: boolean };
  /** IAM statements added or security group rules added. */
  permissionsBroadened?: boolean;
  resources: {
    forEachDifference(
      cb: (
        logicalId: string,
        change: { newResourceType?: string; oldResourceType?: string; changeImpact: string },
      ) => void,
    ): void;
  };
}
