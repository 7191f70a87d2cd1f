import type * as iam from "aws-cdk-lib/aws-iam";
import { type RolePurpose, roleNameOf } from "../../config/deploy.js";

/** How the stack names the roles it creates (aws.role_path, aws.role_name_prefix). */
export interface RoleNaming {
  project: string;
  environment: string;
  path?: string;
  prefix?: string;
}

/**
 * The path and name of one role the stack creates: a name only with a prefix (otherwise CloudFormation
 * generates one, which lets a replaced role and its successor exist side by side during an update).
 */
export function roleIdentity(
  naming: RoleNaming | undefined,
  purpose: RolePurpose,
): Pick<iam.RoleProps, "path" | "roleName"> {
  if (!naming) return {};
  return {
    ...(naming.path ? { path: naming.path } : {}),
    ...(naming.prefix
      ? { roleName: roleNameOf(naming.prefix, naming.project, naming.environment, purpose) }
      : {}),
  };
}
