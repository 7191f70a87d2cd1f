import { describe, expect, it } from "vitest";
import { renderStandingCost, standingCost } from "../../src/infra/standingCost.js";

describe("what the foundation costs while no job runs", () => {
  it("is the KMS key and, in private subnets, the KMS endpoint fixed, the rest by use; no NAT, no warm workers by default", () => {
    const cost = standingCost({ network: "private" }, { executors: 0, usdPerHour: 0 });
    // $1 for the key, $0.01 per AZ-hour for the endpoint in two AZs over 730 hours.
    expect(cost.usdPerMonth).toBe(15.6);
    const text = renderStandingCost(cost);
    expect(text).toMatch(
      /^Standing cost while no job runs: \$15\.60\/month fixed, plus use \(list prices as of \d{4}-\d{2}\):/,
    );
    expect(text).toMatch(
      /KMS interface endpoint in 2 AZs \(EMR local-disk encryption from isolated subnets\): \$14\.60\/month, \+\$0\.01 per GB/,
    );
    // Public subnets reach KMS without one; an existing network is the account's to pay for.
    expect(standingCost({ network: "public" }, { executors: 0, usdPerHour: 0 }).usdPerMonth).toBe(1);
    const existing = { network: { vpcId: "vpc-0a1b2c3d", subnetIds: ["subnet-0a1b2c3d"] } };
    expect(standingCost({ network: "private", existing }, { executors: 0, usdPerHour: 0 }).usdPerMonth).toBe(
      1,
    );
    expect(text).toMatch(
      /KMS key .*: \$1\.00\/month, \+\$1\.00\/month after each yearly rotation, for the first 2/,
    );
    expect(text).toMatch(/S3 data and logs buckets: \$0\.023 per GB-month stored/);
    expect(text).toMatch(/VPC \(private subnets, S3 gateway endpoint, no NAT gateway\): \$0\.00\/month/);
    expect(text).toMatch(
      /EMR Serverless application \(no pre-initialized workers\): \$0\.00\/month, billed only for job runs/,
    );
  });

  it("names the hourly cost of pre-initialized workers, or says why it has no number", () => {
    expect(
      renderStandingCost(standingCost({ network: "public" }, { executors: 2, usdPerHour: 0.757 })),
    ).toMatch(/with 2 pre-initialized executor\(s\) and a driver: \$0\.757\/h while started/);
    expect(
      renderStandingCost(standingCost({ network: "public" }, { executors: 2, usdPerHour: undefined })),
    ).toMatch(/billed per hour \(no price: the region is unknown or not in the table\) while started/);
  });
});
