import type { CloudFormation } from "@aws-sdk/client-cloudformation";
import { type AwsClients, type AwsTarget, createAwsClients } from "../../aws/clients.js";
import { translateAwsError } from "../../aws/errors.js";
import { describeStack } from "../../aws/stacks.js";
import type { Config } from "../../config/schema.js";
import { KindlingError } from "../../errors.js";
import { foundationSettingsFrom } from "../../infra/fromConfig.js";
import { type FoundationOutputs, OUTPUT_KEYS, parseFoundationOutputs } from "../../infra/outputs.js";
import { stackNameFor } from "../../infra/settings.js";
import { CODES } from "../../ui/codes.js";
import type { IoHost } from "../../ui/io.js";

const USABLE = /^(CREATE_COMPLETE|UPDATE_COMPLETE|UPDATE_ROLLBACK_COMPLETE|IMPORT_COMPLETE)$/;

/** What a run does with the foundation stack; the EMR target wires toolkit-lib, tests their own. */
export interface FoundationOps {
  /** The deployed stack's outputs, or undefined when it does not exist. */
  find(): Promise<FoundationOutputs | undefined>;
  deploy(): Promise<FoundationOutputs>;
  destroy(): Promise<void>;
}

/** The deployed foundation's outputs, or undefined when the stack does not exist. */
export async function findFoundation(
  cfn: Pick<CloudFormation, "describeStacks">,
  stackName: string,
): Promise<FoundationOutputs | undefined> {
  const stack = await describeStack(cfn, stackName);
  if (!stack) return undefined;
  if (!USABLE.test(stack.status)) {
    throw new KindlingError(`The foundation stack ${stackName} is ${stack.status}, not ready for a run.`, {
      hint: "Wait for it to settle, or run `kindling deploy` to bring it up to date.",
    });
  }
  return parseFoundationOutputs(stack.outputs, stackName);
}

/**
 * The foundation ops of `kindling run --target emr --deploy --destroy`, on the CDK toolkit library. It is
 * loaded only when a stack is deployed or destroyed: a run against a deployed stack never loads the CDK.
 */
export function toolkitFoundationOps(
  config: Config,
  cfn: Pick<CloudFormation, "describeStacks">,
  target: AwsTarget & { region: string },
  io: IoHost,
): FoundationOps {
  const settings = foundationSettingsFrom(config, { region: target.region });
  const aws = { region: target.region, ...(target.profile ? { profile: target.profile } : {}) };
  return {
    find: () => findFoundation(cfn, stackNameFor(settings)),
    // --deploy / --destroy on the command line are the person's approval.
    deploy: async () =>
      (await import("../../infra/toolkit.js")).deployFoundation(settings, { io, yes: true, ...aws }),
    destroy: async () => {
      const { destroyFoundation } = await import("../../infra/toolkit.js");
      await destroyFoundation(settings, { io, yes: true, deleteData: false, ...aws });
    },
  };
}

/**
 * The foundation of one command: the deployed stack, or (with `deploy`) one deployed now when it is
 * absent. Only a stack this command deployed is destroyed afterwards (with `destroy`), also after a
 * failed or interrupted run; a stack that was there before is somebody's, and stays.
 */
export class CommandFoundation {
  private deployedHere = false;
  private found: FoundationOutputs | undefined;

  constructor(
    private readonly ops: FoundationOps,
    private readonly options: {
      deploy: boolean;
      destroy: boolean;
      stackName: string;
      region: string;
      io: IoHost;
    },
  ) {}

  /** Looks the stack up, changing nothing; an absent stack is an error unless this command may deploy it. */
  async check(): Promise<void> {
    const { io, stackName, region } = this.options;
    this.found = await this.ops.find();
    if (this.found) {
      if (this.options.deploy) {
        io.notify(
          CODES.EMR_FOUNDATION.msg(`The foundation stack ${stackName} is already deployed: using it.`, {
            stackName,
            action: "use",
          }),
        );
      }
      return;
    }
    if (!this.options.deploy) {
      throw new KindlingError(`The foundation stack ${stackName} is not deployed in ${region}.`, {
        hint: "Run `kindling deploy` first, or `kindling run --target emr --deploy --destroy` for a one-off run.",
      });
    }
  }

  /** The outputs of the stack check() found; undefined when it is yet to be deployed (--deploy). */
  get deployed(): FoundationOutputs | undefined {
    return this.found;
  }

  /** The stack's outputs: the one check found, or one deployed now (--deploy). */
  async acquire(): Promise<FoundationOutputs> {
    const { io, stackName } = this.options;
    if (this.found) return this.found;
    // From here on something may exist that --destroy must remove, even if the deploy fails half-way.
    this.deployedHere = true;
    io.notify(
      CODES.EMR_FOUNDATION.msg(`Deploying the foundation stack ${stackName} for this run.`, {
        stackName,
        action: "deploy",
      }),
    );
    return this.ops.deploy();
  }

  async release(): Promise<void> {
    const { io, stackName } = this.options;
    if (!this.options.destroy) return;
    if (!this.deployedHere) {
      io.notify(
        CODES.EMR_FOUNDATION.msg(
          `Kept the foundation stack ${stackName}: it was deployed before this command (\`kindling destroy\` removes it).`,
          { stackName, action: "keep" },
        ),
      );
      return;
    }
    this.deployedHere = false;
    await this.ops.destroy();
  }
}

/** Stand-ins for the stack outputs in a dry run, which makes no AWS call: `<DataBucketName>` etc. */
export function placeholderFoundation(): FoundationOutputs {
  const p = (k: keyof typeof OUTPUT_KEYS) => `<${OUTPUT_KEYS[k]}>`;
  return {
    dataBucketName: p("dataBucketName"),
    logsBucketName: p("logsBucketName"),
    logUri: `s3://${p("logsBucketName")}/emr/`,
    network: "private",
    vpcId: p("vpcId"),
    subnetIds: [p("subnetIds")],
    primarySecurityGroupId: p("primarySecurityGroupId"),
    coreSecurityGroupId: p("coreSecurityGroupId"),
    serviceAccessSecurityGroupId: p("serviceAccessSecurityGroupId"),
    serviceRoleName: p("serviceRoleName"),
    instanceProfileName: p("instanceProfileName"),
    instanceRoleArn: p("instanceRoleArn"),
    securityConfigurationName: p("securityConfigurationName"),
    kmsKeyArn: p("kmsKeyArn"),
    serverlessApplicationId: p("serverlessApplicationId"),
    serverlessJobRoleArn: p("serverlessJobRoleArn"),
  };
}

/** What tests replace in a cloud target's connection: scripted clients, a fake foundation. */
export interface CloudDeps {
  aws?: (target: AwsTarget) => Promise<AwsClients>;
  foundationOps?: (config: Config, aws: AwsClients, target: AwsTarget & { region: string }) => FoundationOps;
}

/** How a cloud target reaches AWS: the options a command gives, and what tests replace. */
export interface CloudConnection {
  options: Pick<AwsTarget, "profile" | "region"> & { deploy?: boolean; destroy?: boolean };
  deps: CloudDeps;
}

/**
 * The first step of every cloud target's check(): AWS clients in the run's region (--region, then
 * aws.region, then the credential chain) and the command's foundation, looked up; then `extra` checks of
 * the target's own. An AWS failure in any of them is said in words (credentials, throttling).
 */
export async function connectCloud(
  config: Config,
  io: IoHost,
  { options, deps }: CloudConnection,
  extra: (aws: AwsClients, foundation: CommandFoundation) => Promise<void>,
): Promise<{ aws: AwsClients; foundation: CommandFoundation }> {
  const region = options.region ?? config.aws.region;
  const target = {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(region ? { region } : {}),
  };
  const aws = await (deps.aws ?? createAwsClients)(target);
  const where = { ...target, region: aws.region };
  const ops = deps.foundationOps
    ? deps.foundationOps(config, aws, where)
    : toolkitFoundationOps(config, aws.cloudFormation, where, io);
  const foundation = new CommandFoundation(ops, {
    deploy: Boolean(options.deploy),
    destroy: Boolean(options.destroy),
    stackName: stackNameFor(foundationSettingsFrom(config, { region: aws.region })),
    region: aws.region,
    io,
  });
  try {
    await foundation.check();
    await extra(aws, foundation);
  } catch (error) {
    throw translateAwsError(error, "checking the foundation stack and the input");
  }
  return { aws, foundation };
}

/** The foundation's outputs for prepare(): the stack found, or one deployed now (--deploy). */
export async function acquireFoundation(foundation: CommandFoundation): Promise<FoundationOutputs> {
  return foundation.acquire().catch((error: unknown) => {
    throw translateAwsError(error, "deploying the foundation stack");
  });
}
