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

/** Physical ids of the resources of one type the stack itself created (not those it only references). */
export async function stackResourceIds(
  cfn: Pick<CloudFormation, "listStackResources">,
  stackName: string,
  type: string,
): Promise<string[]> {
  const ids: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.listStackResources({ StackName: stackName, ...(NextToken ? { NextToken } : {}) });
    for (const r of page.StackResourceSummaries ?? []) {
      if (r.ResourceType === type && r.PhysicalResourceId) ids.push(r.PhysicalResourceId);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
}
