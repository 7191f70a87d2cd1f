import type { Change, CloudFormation } from "@aws-sdk/client-cloudformation";
import { errorName, messageOf } from "../aws/errors.js";
import type { PlannedResource } from "./toolkit.js";

/**
 * CloudFormation change sets, for review before apply: `deploy --no-execute` creates one and shows what
 * it holds; `deploy --change-set NAME` executes exactly that one.
 */

/** What a change set holds, as CloudFormation describes it. */
export interface ChangeSetContents {
  name: string;
  /** CREATE_COMPLETE when it can be executed; FAILED when, for example, it holds no change. */
  status: string;
  /** AVAILABLE when it can be executed now. */
  executionStatus: string;
  statusReason?: string;
  resources: PlannedResource[];
}

/** The change set, or undefined when CloudFormation has none of that name for the stack. */
export async function describeChangeSet(
  cfn: Pick<CloudFormation, "describeChangeSet">,
  stackName: string,
  name: string,
  constructs: ReadonlyMap<string, string>,
): Promise<ChangeSetContents | undefined> {
  const changes: Change[] = [];
  let status = "";
  let executionStatus = "";
  let statusReason: string | undefined;
  let next: string | undefined;
  try {
    do {
      const page = await cfn.describeChangeSet({
        StackName: stackName,
        ChangeSetName: name,
        NextToken: next,
      });
      changes.push(...(page.Changes ?? []));
      status = page.Status ?? "";
      executionStatus = page.ExecutionStatus ?? "";
      statusReason = page.StatusReason;
      next = page.NextToken;
    } while (next);
  } catch (e) {
    // Unknown name, or a stack that does not exist (yet): nothing to describe.
    if (errorName(e) === "ChangeSetNotFoundException" || /does not exist/i.test(messageOf(e))) {
      return undefined;
    }
    throw e;
  }
  const resources = changes.flatMap((change) => {
    const r = change.ResourceChange;
    if (!r?.LogicalResourceId) return [];
    const construct = constructs.get(r.LogicalResourceId);
    return [
      {
        logicalId: r.LogicalResourceId,
        type: r.ResourceType ?? "?",
        ...(construct ? { construct } : {}),
        action: actionOf(r.Action, r.Replacement),
      },
    ];
  });
  return { name, status, executionStatus, ...(statusReason ? { statusReason } : {}), resources };
}

function actionOf(action: string | undefined, replacement: string | undefined): PlannedResource["action"] {
  switch (action) {
    case "Add":
      return "create";
    case "Remove":
      return "delete";
    case "Import":
      return "import";
    case "Modify":
      return replacement === "True" ? "replace" : replacement === "Conditional" ? "may-replace" : "update";
    default:
      return "update"; // Dynamic: decided while it executes
  }
}

/** Resource types whose changes can widen who may do what or reach what: IAM and security groups. */
const ACCESS_TYPES = /^AWS::(IAM::|EC2::SecurityGroup)/;

/** Whether the changes touch IAM or network access: such a change set is applied only when approved. */
export function touchesAccess(resources: readonly PlannedResource[]): { iam: boolean; network: boolean } {
  return {
    iam: resources.some((r) => r.type.startsWith("AWS::IAM::")),
    network: resources.some((r) => ACCESS_TYPES.test(r.type) && !r.type.startsWith("AWS::IAM::")),
  };
}

/** A change set name for `deploy --no-execute`: CloudFormation's rule, and sortable by time. */
export function changeSetNameAt(now: Date): string {
  return `kindling-${now.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}`;
}
