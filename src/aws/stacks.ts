import type { CloudFormation } from "@aws-sdk/client-cloudformation";
import { errorName, messageOf } from "./errors.js";

/** A stack output as DescribeStacks returns it. */
export interface StackOutputEntry {
  OutputKey?: string;
  OutputValue?: string;
}

/** The stack's status and outputs, or undefined when no such stack exists (deleted stacks included). */
export async function describeStack(
  cfn: Pick<CloudFormation, "describeStacks">,
  stackName: string,
): Promise<{ status: string; outputs: StackOutputEntry[] } | undefined> {
  try {
    const stack = (await cfn.describeStacks({ StackName: stackName })).Stacks?.[0];
    if (!stack || stack.StackStatus === "DELETE_COMPLETE") return undefined;
    return { status: stack.StackStatus ?? "UNKNOWN", outputs: stack.Outputs ?? [] };
  } catch (e) {
    if (errorName(e) === "ValidationError" && /does not exist/i.test(messageOf(e))) return undefined;
    throw e;
  }
}
