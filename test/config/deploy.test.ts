import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config/load.js";
import { expectIssue, type IssueCase, issuesOf } from "./issuesOf.js";

/**
 * `project` and `aws:` are checked once, here, with what deploy needs: a config `kindling validate`
 * accepts never fails later at synth or deploy (test/infra/settings.test.ts holds the property).
 */
describe("deploy rules, located by key path and line", () => {
  const cases: IssueCase[] = [
    {
      name: "a flow log retention CloudWatch Logs refuses, with the values it accepts",
      yaml: "data: { path: a.csv }\naws:\n  flow_logs_retention_days: 100\n",
      path: "aws.flow_logs_retention_days",
      line: 3,
      message:
        /must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, got 100/,
    },
    {
      name: "a tag key AWS or Kindling writes itself",
      yaml: "data: { path: a.csv }\naws:\n  tags:\n    team: fraud\n    kindling:project: other\n",
      path: "aws.tags.kindling:project",
      line: 5,
      message: /reserved/,
    },
    {
      name: "a tag value with characters AWS refuses",
      yaml: "data: { path: a.csv }\naws:\n  tags:\n    team: 'fraud;drop'\n",
      path: "aws.tags.team",
      line: 4,
      message: /may hold letters, digits, spaces and/,
    },
    {
      name: "a permissions boundary that is no policy ARN",
      yaml: "data: { path: a.csv }\naws:\n  permissions_boundary: team-boundary\n",
      path: "aws.permissions_boundary",
      line: 3,
      message: /must be an IAM policy ARN/,
    },
    {
      name: "existing security groups without the service access group a private network needs",
      yaml: "data: { path: a.csv }\naws:\n  existing:\n    vpc_id: vpc-0a1b2c3d\n    subnet_ids: [subnet-0a1b2c3d]\n    security_groups: { primary: sg-0a1b2c3d, core: sg-1a1b2c3d }\n",
      path: "aws.existing.security_groups",
      line: 6,
      message: /needs service_access with aws.network private/,
    },
    {
      name: "a service access group with a public network",
      yaml: "data: { path: a.csv }\naws:\n  network: public\n  existing:\n    vpc_id: vpc-0a1b2c3d\n    subnet_ids: [subnet-0a1b2c3d]\n    security_groups:\n      primary: sg-0a1b2c3d\n      core: sg-1a1b2c3d\n      service_access: sg-2a1b2c3d\n",
      path: "aws.existing.security_groups.service_access",
      line: 10,
      message: /EMR refuses a service access group in public subnets/,
    },
    {
      name: "existing subnets without their VPC",
      yaml: "data: { path: a.csv }\naws:\n  existing:\n    subnet_ids: [subnet-0a1b2c3d]\n",
      path: "aws.existing.subnet_ids",
      line: 4,
      message: /needs aws.existing.vpc_id/,
    },
    {
      name: "one EMR role of the two",
      yaml: "data: { path: a.csv }\naws:\n  existing:\n    emr_service_role_arn: arn:aws:iam::123456789012:role/emr\n",
      path: "aws.existing.emr_instance_role_arn",
      line: 4,
      message: /is needed with the other EMR role/,
    },
    {
      name: "existing EMR roles with buckets the stack would create",
      yaml: "data: { path: a.csv }\naws:\n  existing:\n    emr_service_role_arn: arn:aws:iam::123456789012:role/emr\n    emr_instance_role_arn: arn:aws:iam::123456789012:role/ec2\n    logs_bucket: team-logs\n",
      path: "aws.existing.data_bucket",
      line: 4,
      message: /is needed with existing EMR roles: their policies must already grant the buckets/,
    },
    {
      name: "a key of another region than aws.region",
      yaml: "data: { path: a.csv }\naws:\n  region: eu-west-1\n  existing:\n    kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\n",
      path: "aws.existing.kms_key_arn",
      line: 5,
      message: /is a key of us-east-1, but aws.region is eu-west-1/,
    },
    {
      name: "a role of another account than aws.account",
      yaml: "data: { path: a.csv }\naws:\n  account: '111111111111'\n  existing:\n    emr_service_role_arn: arn:aws:iam::123456789012:role/emr\n    emr_instance_role_arn: arn:aws:iam::111111111111:role/ec2\n",
      path: "aws.existing.emr_service_role_arn",
      line: 5,
      message: /belongs to account 123456789012, but aws.account is 111111111111/,
    },
    {
      name: "SSE-KMS on an existing data bucket without naming its key",
      yaml: "data: { path: a.csv }\naws:\n  encryption: sse-kms\n  existing:\n    data_bucket: team-data\n",
      path: "aws.existing.kms_key_arn",
      line: 5,
      message: /is needed with aws.encryption sse-kms and an existing data bucket/,
    },
    {
      name: "a bucket given as a URI",
      yaml: "data: { path: a.csv }\naws:\n  existing:\n    logs_bucket: s3://team-logs\n",
      path: "aws.existing.logs_bucket",
      line: 4,
      message: /must be an S3 bucket name.*\(no s3:\/\/\)/,
    },
    {
      name: "a key alias instead of the key's ARN",
      yaml: "data: { path: a.csv }\naws:\n  existing:\n    kms_key_arn: alias/team\n",
      path: "aws.existing.kms_key_arn",
      line: 4,
      message: /must be a KMS key ARN/,
    },
    {
      name: "a role name prefix that makes names longer than IAM allows",
      yaml: "project: a-rather-long-project-name\ndata: { path: a.csv }\naws:\n  environment: staging\n  role_name_prefix: platform-data-science-\n",
      path: "aws.role_name_prefix",
      line: 5,
      message:
        /makes the role name "platform-data-science-a-rather-long-project-name-staging-serverless-job" 71 characters long, over IAM's 64: shorten the prefix, project or aws.environment by 7/,
    },
    {
      name: "a role path without its slashes",
      yaml: "data: { path: a.csv }\naws:\n  role_path: teams/data\n",
      path: "aws.role_path",
      line: 3,
      message: /must start and end with \//,
    },
    {
      name: "a project name with a double dash",
      yaml: "project: a--b\ndata: { path: a.csv }\n",
      path: "project",
      line: 1,
      message: /no --.*got "a--b"/,
    },
    {
      name: "a project name ending in a dash",
      yaml: "data: { path: a.csv }\nproject: spam-\n",
      path: "project",
      line: 2,
      message: /no trailing -/,
    },
    {
      name: "a project name starting with a digit",
      yaml: "project: 1spam\ndata: { path: a.csv }\n",
      path: "project",
      line: 1,
      message: /starting with a letter/,
    },
    {
      name: "an environment name with a double dash",
      yaml: "data: { path: a.csv }\naws:\n  environment: eu--prod\n",
      path: "aws.environment",
      line: 3,
      message: /no --/,
    },
    {
      name: "a project too long for any stack name",
      yaml: `project: ${"p".repeat(30)}\ndata: { path: a.csv }\n`,
      path: "project",
      line: 1,
      message: /must have at most 29 character/,
    },
    {
      name: "a stack name over 40 characters, at the project when it is the longer name",
      yaml: "project: spam-filter-reviews-abcdef\ndata: { path: a.csv }\naws:\n  environment: staging\n",
      path: "project",
      line: 1,
      message:
        /is too long for the stack name "kindling-spam-filter-reviews-abcdef-staging" \(43 characters, the limit is 40\): shorten it or aws\.environment by 3/,
    },
    {
      name: "a stack name over 40 characters, at the environment when it is the longer name",
      yaml: "project: spam-filter-abc\ndata: { path: a.csv }\naws:\n  environment: staging-eu-west1\n",
      path: "aws.environment",
      line: 4,
      message: /is too long for the stack name .*: shorten it or project by 1/,
    },
    {
      name: "a region that is no AWS region name",
      yaml: "data: { path: a.csv }\naws:\n  region: Europe\n",
      path: "aws.region",
      line: 3,
      message: /must be an AWS region name such as eu-west-1, got "Europe"/,
    },
    {
      name: "logs retention beyond S3's lifecycle Days",
      yaml: "data: { path: a.csv }\naws:\n  logs_retention_days: 2147483648\n",
      path: "aws.logs_retention_days",
      line: 3,
      message: /must be ≤ 2147483647/,
    },
    {
      name: "a certificate in a bucket S3 cannot name",
      yaml: "data: { path: a.csv }\naws:\n  in_transit_certificate_s3_uri: s3://Certs_Bucket/c.zip\n",
      path: "aws.in_transit_certificate_s3_uri",
      line: 3,
      message: /must be an s3:\/\/bucket\/key\.zip URI/,
    },
    {
      name: "a certificate key with an IAM wildcard",
      yaml: "data: { path: a.csv }\naws:\n  in_transit_certificate_s3_uri: s3://certs/*.zip\n",
      path: "aws.in_transit_certificate_s3_uri",
      line: 3,
      message: /key: letters, digits and !_\.'\(\)\/-/,
    },
    {
      name: "a prefix list id EC2 cannot hold",
      yaml: "data: { path: a.csv }\naws:\n  s3_prefix_list_id: pl-123\n",
      path: "aws.s3_prefix_list_id",
      line: 3,
      message: /must look like "pl-63a5400a"/,
    },
  ];

  it.each(cases)("$name", expectIssue);

  it("reports a name's own rule, not the stack name's length as well", () => {
    const issues = issuesOf(`project: ${"p".repeat(30)}\ndata: { path: a.csv }\n`);
    expect(issues).toHaveLength(1);
  });

  it("accepts names and values at the limits", () => {
    const config = parseConfig(
      [
        "project: p0-a1b2c3d4e5f",
        "data: { path: a.csv }",
        "aws:",
        "  environment: e1-abcdefghijklm",
        "  flow_logs_retention_days: 3653",
        "  logs_retention_days: 2147483647",
        `  in_transit_certificate_s3_uri: s3://${"a".repeat(63)}/certs/emr-2024_v1(1).zip`,
        "  s3_prefix_list_id: pl-0123456789abcdef0",
      ].join("\n"),
      "kindling.yaml",
    );
    expect(`kindling-${config.project}-${config.aws.environment}`).toHaveLength(40);
  });

  it("accepts everything an account may already have, dotted bucket names included", () => {
    const config = parseConfig(
      [
        "data: { path: a.csv }",
        "aws:",
        "  region: eu-west-1",
        "  account: '123456789012'",
        "  encryption: sse-kms",
        "  role_path: /teams/data/",
        "  role_name_prefix: data-",
        "  existing:",
        "    vpc_id: vpc-0a1b2c3d4e5f67890",
        "    subnet_ids: [subnet-0a1b2c3d4e5f67890]",
        "    security_groups: { primary: sg-0a1b2c3d, core: sg-1a1b2c3d, service_access: sg-2a1b2c3d }",
        "    data_bucket: team.data.eu",
        "    logs_bucket: team-logs",
        "    kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "    emr_service_role_arn: arn:aws:iam::123456789012:role/platform/emr",
        "    emr_instance_role_arn: arn:aws:iam::123456789012:role/platform/ec2",
      ].join("\n"),
      "kindling.yaml",
    );
    expect(config.aws.existing?.data_bucket).toBe("team.data.eu");
    expect(issuesOf("data: { path: a.csv }\naws:\n  existing:\n    data_bucket: team..data\n")[0]?.path).toBe(
      "aws.existing.data_bucket",
    );
    expect(issuesOf("data: { path: a.csv }\naws:\n  existing:\n    data_bucket: 10.0.0.1\n")[0]?.path).toBe(
      "aws.existing.data_bucket",
    );
  });
});
