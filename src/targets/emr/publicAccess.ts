import type { EMR } from "@aws-sdk/client-emr";
import { awsTrouble, errorName, messageOf } from "../../aws/errors.js";
import { CODES } from "../../ui/codes.js";
import type { IoHost } from "../../ui/io.js";

/** Whether the account's EMR block public access is on in the client's region (throws what EMR throws). */
export async function readBlockPublicAccess(
  emr: Pick<EMR, "getBlockPublicAccessConfiguration">,
): Promise<boolean> {
  const answer = await emr.getBlockPublicAccessConfiguration({});
  return answer.BlockPublicAccessConfiguration?.BlockPublicSecurityGroupRules === true;
}

/** The command that turns block public access back on in `region`. */
export function blockPublicAccessFix(region: string): string {
  return `aws emr put-block-public-access-configuration --region ${region} --block-public-access-configuration BlockPublicSecurityGroupRules=true`;
}

/**
 * With `aws.network: public` the nodes get public IP addresses. Kindling's security groups open nothing
 * to the internet, but a rule someone adds later would; EMR's account-level block public access refuses
 * to start a cluster whose groups allow inbound traffic from anywhere (other than the ports it permits),
 * which is the safety net AWS turns on by default. It can be switched off per region: say so, with the
 * command that turns it back on, before anything is uploaded or started.
 */
export async function checkBlockPublicAccess(
  emr: Pick<EMR, "getBlockPublicAccessConfiguration">,
  io: IoHost,
  region: string,
): Promise<boolean | undefined> {
  let blocked: boolean;
  try {
    blocked = await readBlockPublicAccess(emr);
  } catch (error) {
    // A warning's check never stops a run: reading it needs elasticmapreduce:GetBlockPublicAccessConfiguration,
    // which a run does not, and throttling or a network error here says nothing about the setting.
    const why =
      awsTrouble(error) === "access-denied" ? "access denied" : `${errorName(error) || messageOf(error)}`;
    io.notify(
      CODES.EMR_PUBLIC_ACCESS.msg(
        `aws.network is public: the nodes get public IPs, and whether EMR block public access is on in ${region} could not be read (${why})`,
        { region, blocked: undefined },
      ),
    );
    return undefined;
  }
  if (blocked) return true;
  io.notify(
    CODES.EMR_PUBLIC_ACCESS.msg(
      `aws.network is public: the nodes get public IPs, and EMR block public access is off in ${region}, so nothing stops a security group rule open to the internet. Turn it on: ${blockPublicAccessFix(region)}`,
      { region, blocked: false },
    ),
  );
  return false;
}
