import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { ENVIRONMENT_MAX, STACK_NAME_MAX } from "../../src/config/deploy.js";
import { parseConfig } from "../../src/config/load.js";
import { createFoundationApp, readValidationFindings } from "../../src/infra/app.js";
import { workerConfiguration } from "../../src/infra/constructs/emrServerlessApplication.js";
import { foundationSettingsFrom } from "../../src/infra/fromConfig.js";
import { OUTPUT_KEYS } from "../../src/infra/outputs.js";
import { resolveFoundationSettings } from "../../src/infra/settings.js";
import { INLINE_TEMPLATE_LIMIT_BYTES } from "../../src/infra/toolkit.js";
import { VERSIONS } from "../../src/versions.js";
import { foundationTemplate, resourcesOf, scrubAssetHashes } from "./helpers.js";

const WORLD = ["0.0.0.0/0", "::/0"];

let priv: Template;
let pub: Template;
let kms: Template;
// Three synths take a few seconds alone, several times that while Spark tests share the two cores.
beforeAll(() => {
  priv = foundationTemplate();
  pub = foundationTemplate({ network: "public" });
  kms = foundationTemplate({ encryption: "sse-kms", logsRetentionDays: 14 });
}, 120_000);

const variants = () =>
  [
    ["private", priv],
    ["public", pub],
    ["sse-kms", kms],
  ] as const;

/** Every ingress rule in a template, inline or standalone. */
function ingressRules(t: Template): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  for (const r of Object.values(resourcesOf(t, "AWS::EC2::SecurityGroup"))) {
    rules.push(...((r.Properties?.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []));
  }
  for (const r of Object.values(resourcesOf(t, "AWS::EC2::SecurityGroupIngress")))
    rules.push(r.Properties ?? {});
  return rules;
}

function egressRules(t: Template): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = [];
  for (const r of Object.values(resourcesOf(t, "AWS::EC2::SecurityGroup"))) {
    rules.push(...((r.Properties?.SecurityGroupEgress as Record<string, unknown>[] | undefined) ?? []));
  }
  for (const r of Object.values(resourcesOf(t, "AWS::EC2::SecurityGroupEgress")))
    rules.push(r.Properties ?? {});
  return rules;
}

describe("network security", () => {
  it("puts nothing in the VPC's default security group (its recorded exception rests on that)", () => {
    for (const [name, t] of variants()) {
      expect(JSON.stringify(t.toJSON()), name).not.toContain("DefaultSecurityGroup");
      // Every resource placed in the VPC names a group of the stack's own.
      let placed = 0;
      for (const type of ["AWS::EC2::VPCEndpoint", "AWS::EMRServerless::Application"]) {
        for (const [id, r] of Object.entries(resourcesOf(t, type))) {
          const props = r.Properties as Record<string, unknown> & {
            NetworkConfiguration?: { SecurityGroupIds?: unknown[] };
          };
          if (type === "AWS::EC2::VPCEndpoint" && props.VpcEndpointType !== "Interface") continue;
          const groups = props.SecurityGroupIds ?? props.NetworkConfiguration?.SecurityGroupIds;
          expect(groups, `${name} ${id}`).toBeDefined();
          placed += 1;
        }
      }
      expect(placed, name).toBeGreaterThanOrEqual(name === "public" ? 1 : 2);
    }
  });

  it("has no ingress rule from 0.0.0.0/0 or ::/0 in any variant", () => {
    for (const [name, t] of variants()) {
      const rules = ingressRules(t);
      expect(rules.length, name).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(WORLD, `${name}: ${JSON.stringify(rule)}`).not.toContain(rule.CidrIp);
        expect(WORLD).not.toContain(rule.CidrIpv6);
        // Every ingress comes from one of the stack's own security groups.
        expect(rule.SourceSecurityGroupId, name).toBeDefined();
      }
    }
  });

  it("describes every security group rule", () => {
    for (const [name, t] of variants()) {
      for (const rule of [...ingressRules(t), ...egressRules(t)]) {
        expect(typeof rule.Description, `${name}: ${JSON.stringify(rule)}`).toBe("string");
        expect((rule.Description as string).length).toBeGreaterThan(10);
      }
    }
  });

  it("limits private egress to the cluster, EMR service access and HTTPS", () => {
    for (const rule of egressRules(priv)) {
      // CDK's way of saying "no egress at all" (the KMS endpoint's group opens no connection).
      if (rule.Description === "Disallow all traffic") {
        expect(rule).toMatchObject({ CidrIp: "255.255.255.255/32", IpProtocol: "icmp" });
      } else if (rule.CidrIp !== undefined) {
        // The only CIDR egress: HTTPS, reaching S3 through the gateway endpoint (no other route exists).
        expect(rule).toMatchObject({ CidrIp: "0.0.0.0/0", IpProtocol: "tcp", FromPort: 443, ToPort: 443 });
      } else {
        expect(rule.DestinationSecurityGroupId ?? rule.DestinationPrefixListId).toBeDefined();
      }
    }
  });

  it("uses the S3 prefix list for HTTPS egress when its id is known", () => {
    const t = foundationTemplate({ s3PrefixListId: "pl-63a5400a" });
    const https = egressRules(t).filter(
      (r) => r.FromPort === 443 && r.DestinationSecurityGroupId === undefined,
    );
    // Primary, core/task and the EMR Serverless workers (the nodes' HTTPS to the KMS endpoint is to its group).
    expect(https).toHaveLength(3);
    for (const r of https) expect(r).toMatchObject({ DestinationPrefixListId: "pl-63a5400a" });
    // No CIDR egress but CDK's "disallow all" placeholder of the KMS endpoint's group.
    expect(
      egressRules(t).some((r) => r.CidrIp !== undefined && r.Description !== "Disallow all traffic"),
    ).toBe(false);
  });

  it("wires the EMR service access group: 9443 in from primary, 8443 out to primary and core", () => {
    priv.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
      IpProtocol: "tcp",
      FromPort: 9443,
      ToPort: 9443,
      GroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("ServiceAccess"), "GroupId"] },
      SourceSecurityGroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("Primary"), "GroupId"] },
    });
    for (const target of ["Primary", "Core"]) {
      priv.hasResourceProperties("AWS::EC2::SecurityGroupEgress", {
        IpProtocol: "tcp",
        FromPort: 8443,
        GroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("ServiceAccess"), "GroupId"] },
        DestinationSecurityGroupId: { "Fn::GetAtt": [Match.stringLikeRegexp(target), "GroupId"] },
      });
      priv.hasResourceProperties("AWS::EC2::SecurityGroupIngress", {
        IpProtocol: "tcp",
        FromPort: 8443,
        GroupId: { "Fn::GetAtt": [Match.stringLikeRegexp(target), "GroupId"] },
        SourceSecurityGroupId: { "Fn::GetAtt": [Match.stringLikeRegexp("ServiceAccess"), "GroupId"] },
      });
    }
  });

  it("tags the EMR security groups and subnets for AmazonEMRServicePolicy_v2, not the Serverless group", () => {
    const tag = { Key: "for-use-with-amazon-emr-managed-policies", Value: "true" };
    for (const [name, t] of variants()) {
      for (const type of ["AWS::EC2::SecurityGroup", "AWS::EC2::Subnet"]) {
        for (const [id, r] of Object.entries(resourcesOf(t, type))) {
          // The tag would let the EMR service role add rules to the group; EMR Serverless and the KMS
          // endpoint need none.
          if (id.startsWith("EmrServerless") || id.startsWith("NetworkKmsEndpoint"))
            expect(r.Properties?.Tags, `${name} ${id}`).not.toContainEqual(tag);
          else expect(r.Properties?.Tags, `${name} ${type}`).toContainEqual(tag);
        }
      }
    }
  });

  it("private: isolated subnets in two AZs, no public IPs, no internet gateway, no NAT", () => {
    const subnets = Object.values(resourcesOf(priv, "AWS::EC2::Subnet"));
    expect(subnets).toHaveLength(2);
    for (const s of subnets) expect(s.Properties?.MapPublicIpOnLaunch).toBe(false);
    priv.resourceCountIs("AWS::EC2::InternetGateway", 0);
    priv.resourceCountIs("AWS::EC2::NatGateway", 0);
    priv.resourceCountIs("AWS::EC2::Route", 0);
    priv.hasResourceProperties("AWS::EC2::VPCEndpoint", {
      VpcEndpointType: "Gateway",
      ServiceName: { "Fn::Join": ["", ["com.amazonaws.", { Ref: "AWS::Region" }, ".s3"]] },
    });
  });

  it("public: public subnets with an internet gateway, still no NAT gateway", () => {
    pub.resourceCountIs("AWS::EC2::InternetGateway", 1);
    pub.resourceCountIs("AWS::EC2::NatGateway", 0);
    pub.resourceCountIs("AWS::EC2::VPCEndpoint", 1);
    expect(Object.values(resourcesOf(pub, "AWS::EC2::Subnet"))).toHaveLength(2);
    // No service access group: EMR only accepts one for private subnets. Primary, core/task, Serverless.
    pub.resourceCountIs("AWS::EC2::SecurityGroup", 3);
  });

  it("lets the flow-log service assume its role only for this account's flow logs (confused deputy)", () => {
    for (const [name, t] of variants()) {
      const trusts = Object.values(resourcesOf(t, "AWS::IAM::Role"))
        .flatMap((r) => {
          const trust = r.Properties?.AssumeRolePolicyDocument as
            | { Statement: Array<Record<string, unknown>> }
            | undefined;
          return trust?.Statement ?? [];
        })
        .filter((s) => JSON.stringify(s.Principal).includes("vpc-flow-logs.amazonaws.com"));
      expect(trusts, name).toHaveLength(1);
      expect(trusts[0]?.Condition, name).toEqual({
        StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
        ArnLike: { "aws:SourceArn": expect.objectContaining({ "Fn::Join": expect.anything() }) },
      });
      expect(JSON.stringify(trusts[0]?.Condition)).toContain(":vpc-flow-log/*");
    }
  });

  it("sends all VPC traffic to a KMS-encrypted flow log group with retention", () => {
    for (const [name, t] of variants()) {
      t.hasResourceProperties("AWS::EC2::FlowLog", {
        ResourceType: "VPC",
        TrafficType: "ALL",
        LogDestinationType: "cloud-watch-logs",
      });
      t.hasResourceProperties("AWS::Logs::LogGroup", {
        RetentionInDays: 90,
        KmsKeyId: { "Fn::GetAtt": [Match.stringLikeRegexp("FoundationKey"), "Arn"] },
        LogGroupName: "/kindling/kindling-demo-dev/vpc-flow-logs",
      });
      expect(name).toBeTruthy();
    }
  });
});

describe("buckets", () => {
  const buckets = (t: Template) => resourcesOf(t, "AWS::S3::Bucket");
  const logicalId = (t: Template, prefix: string) => {
    const id = Object.keys(buckets(t)).find((k) => k.startsWith(prefix));
    if (!id) throw new Error(`no ${prefix} bucket`);
    return id;
  };

  it("versions, blocks public access and retains every bucket", () => {
    for (const [, t] of variants()) {
      for (const [id, b] of Object.entries(buckets(t))) {
        expect(b.Properties?.VersioningConfiguration, id).toEqual({ Status: "Enabled" });
        expect(b.Properties?.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        expect(b.Properties?.OwnershipControls).toEqual({
          Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }],
        });
        const raw = t.toJSON().Resources[id];
        expect(raw.DeletionPolicy).toBe("Retain");
        expect(raw.UpdateReplacePolicy).toBe("Retain");
      }
      expect(Object.keys(buckets(t))).toHaveLength(2);
    }
  });

  it("aborts incomplete multipart uploads in every bucket", () => {
    for (const [, t] of variants()) {
      for (const b of Object.values(buckets(t))) {
        const rules = (
          b.Properties?.LifecycleConfiguration as { Rules: Record<string, unknown>[] } | undefined
        )?.Rules;
        expect(rules).toContainEqual(
          expect.objectContaining({
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            Status: "Enabled",
          }),
        );
      }
    }
  });

  it("denies every non-TLS request by bucket policy", () => {
    for (const [, t] of variants()) {
      for (const id of Object.keys(buckets(t))) {
        t.hasResourceProperties("AWS::S3::BucketPolicy", {
          Bucket: { Ref: id },
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: "Deny",
                Action: "s3:*",
                Principal: { AWS: "*" },
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              }),
            ]),
          },
        });
      }
    }
  });

  it("encrypts the data bucket with SSE-S3 by default and the foundation key with sse-kms", () => {
    expect(buckets(priv)[logicalId(priv, "Data")]?.Properties?.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
    });
    expect(buckets(kms)[logicalId(kms, "Data")]?.Properties?.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: {
            SSEAlgorithm: "aws:kms",
            KMSMasterKeyID: { "Fn::GetAtt": [expect.stringMatching(/^FoundationKey/), "Arn"] },
          },
        },
      ],
    });
  });

  it("keeps the logs bucket on SSE-S3 (access-log delivery needs it) with the configured expiry", () => {
    for (const [t, days] of [
      [priv, 30],
      [kms, 14],
    ] as const) {
      const logs = buckets(t)[logicalId(t, "Logs")];
      expect(logs?.Properties?.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      });
      const rules = (
        logs?.Properties?.LifecycleConfiguration as { Rules: Record<string, unknown>[] } | undefined
      )?.Rules;
      expect(rules).toContainEqual(expect.objectContaining({ ExpirationInDays: days, Status: "Enabled" }));
    }
  });

  it("sends the data bucket's server access logs to the logs bucket", () => {
    const data = buckets(priv)[logicalId(priv, "Data")];
    expect(data?.Properties?.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logicalId(priv, "Logs") },
      LogFilePrefix: "s3-access/data/",
    });
    priv.hasResourceProperties("AWS::S3::BucketPolicy", {
      Bucket: { Ref: logicalId(priv, "Logs") },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "logging.s3.amazonaws.com" },
            Action: "s3:PutObject",
          }),
        ]),
      },
    });
  });

  it("acknowledges the logs bucket's own access logging for checkov, with a reason", () => {
    const logs = buckets(priv)[logicalId(priv, "Logs")];
    const skips = (logs?.Metadata as { checkov?: { skip: { id: string; comment: string }[] } } | undefined)
      ?.checkov?.skip;
    expect(skips?.map((s) => s.id)).toEqual(["CKV_AWS_18"]);
    for (const s of skips ?? []) expect(s.comment.length).toBeGreaterThan(40);
  });
});

describe("IAM", () => {
  it("never references the deprecated EMR v1 policies", () => {
    for (const [, t] of variants()) {
      const text = JSON.stringify(t.toJSON());
      expect(text).not.toContain("AmazonElasticMapReduceforEC2Role");
      expect(text).not.toContain("AmazonElasticMapReduceRole");
      expect(text).not.toContain("AmazonElasticMapReduceFullAccess");
    }
  });

  it("gives the EMR service role AmazonEMRServicePolicy_v2 and PassRole on the instance role only", () => {
    priv.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: "elasticmapreduce.amazonaws.com" } })],
      },
      ManagedPolicyArns: [
        {
          "Fn::Join": [
            "",
            ["arn:", { Ref: "AWS::Partition" }, ":iam::aws:policy/service-role/AmazonEMRServicePolicy_v2"],
          ],
        },
      ],
    });
    priv.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: [
          {
            Action: "iam:PassRole",
            Effect: "Allow",
            Resource: { "Fn::GetAtt": [Match.stringLikeRegexp("InstanceRole"), "Arn"] },
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
            Sid: "PassInstanceRoleToEc2",
          },
        ],
      },
    });
  });

  it("scopes every S3 permission to named buckets: no s3:* and no Resource * for S3 actions", () => {
    for (const [name, t] of variants()) {
      for (const policy of Object.values(resourcesOf(t, "AWS::IAM::Policy"))) {
        const doc = policy.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] };
        for (const st of doc.Statement) {
          const actions = [st.Action].flat() as string[];
          expect(actions, name).not.toContain("s3:*");
          expect(actions).not.toContain("*");
          if (actions.some((a) => a.startsWith("s3:"))) {
            expect([st.Resource].flat(), JSON.stringify(st)).not.toContain("*");
          }
        }
      }
      t.resourceCountIs("AWS::IAM::ManagedPolicy", 0);
    }
  });

  it("lets nodes read code/, data/, deps/, runs/ and write only runs/ of the data bucket, and emr/ of the logs bucket", () => {
    const policy = Object.entries(resourcesOf(priv, "AWS::IAM::Policy")).find(([id]) =>
      id.includes("InstancePolicy"),
    );
    const statements =
      (policy?.[1].Properties?.PolicyDocument as { Statement: Record<string, unknown>[] } | undefined)
        ?.Statement ?? [];
    const bySid = Object.fromEntries(statements.map((s) => [s.Sid, s]));
    const objectPaths = (sid: string) =>
      [bySid[sid]?.Resource].flat().map((r) => JSON.stringify(r).match(/"\/([a-z]+\/\*)"/)?.[1]);
    expect(objectPaths("ReadCodeDataDepsRuns")).toEqual(["code/*", "data/*", "deps/*", "runs/*"]);
    expect(bySid.ReadCodeDataDepsRuns?.Action).toBe("s3:GetObject");
    expect(objectPaths("WriteRunOutputs")).toEqual(["runs/*"]);
    expect(objectPaths("WriteEmrLogs")).toEqual(["emr/*"]);
    expect(JSON.stringify(bySid.WriteEmrLogs?.Resource)).toContain("LogsBucket");
    expect(bySid.ListProjectPrefixes?.Condition).toEqual({
      StringLike: { "s3:prefix": ["code", "code/*", "data", "data/*", "deps", "deps/*", "runs", "runs/*"] },
    });
  });

  it("attaches the instance role to an instance profile of the same name (EMR refuses two names)", () => {
    const [profile] = Object.values(resourcesOf(priv, "AWS::IAM::InstanceProfile"));
    const role = profile?.Properties?.Roles as Array<{ Ref: string }>;
    expect(role).toEqual([{ Ref: expect.stringMatching(/InstanceRole/) }]);
    expect(profile?.Properties?.InstanceProfileName).toEqual(role[0]);
  });
});

describe("KMS and EMR security configuration", () => {
  it("creates a rotating key that the instance and service roles may use", () => {
    priv.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
    for (const role of ["InstanceRole", "ServiceRole"]) {
      priv.hasResourceProperties("AWS::KMS::Key", {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(["kms:Decrypt", "kms:GenerateDataKey*"]),
              Principal: { AWS: { "Fn::GetAtt": [Match.stringLikeRegexp(role), "Arn"] } },
            }),
            Match.objectLike({
              Action: Match.arrayWith(["kms:CreateGrant"]),
              Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
              Principal: { AWS: { "Fn::GetAtt": [Match.stringLikeRegexp(role), "Arn"] } },
            }),
          ]),
        },
      });
    }
  });

  it("retains the key in every encryption mode: a mode changed since an sse-kms deploy cannot tell", () => {
    const key = (t: Template) =>
      Object.values(
        t.toJSON().Resources as Record<
          string,
          { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string }
        >,
      ).find((r) => r.Type === "AWS::KMS::Key");
    for (const template of [priv, kms]) {
      expect(key(template)).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    }
  });

  const configuration = (t: Template) =>
    Object.values(resourcesOf(t, "AWS::EMR::SecurityConfiguration"))[0]?.Properties
      ?.SecurityConfiguration as Record<string, unknown>;
  const keyArn = { "Fn::GetAtt": [expect.stringMatching(/^FoundationKey/), "Arn"] };

  it("uses the nested EncryptionConfiguration shape EMR reads (SSE-S3 default)", () => {
    expect(configuration(priv)).toEqual({
      EncryptionConfiguration: {
        EnableAtRestEncryption: true,
        EnableInTransitEncryption: false,
        AtRestEncryptionConfiguration: {
          S3EncryptionConfiguration: { EncryptionMode: "SSE-S3" },
          LocalDiskEncryptionConfiguration: {
            EncryptionKeyProviderType: "AwsKms",
            AwsKmsKey: keyArn,
            EnableEbsEncryption: true,
          },
        },
      },
      InstanceMetadataServiceConfiguration: {
        MinimumInstanceMetadataServiceVersion: 2,
        HttpPutResponseHopLimit: 1,
      },
    });
  });

  it("uses SSE-KMS for EMRFS with sse-kms and adds in-transit TLS when configured", () => {
    expect(configuration(kms)).toMatchObject({
      EncryptionConfiguration: {
        AtRestEncryptionConfiguration: {
          S3EncryptionConfiguration: { EncryptionMode: "SSE-KMS", AwsKmsKey: keyArn },
        },
      },
    });
    const tls = configuration(
      foundationTemplate({
        inTransitEncryption: true,
        inTransitCertificateS3Uri: "s3://my-certs/emr/certs.zip",
      }),
    );
    expect(tls).toMatchObject({
      EncryptionConfiguration: {
        EnableInTransitEncryption: true,
        InTransitEncryptionConfiguration: {
          TLSCertificateConfiguration: {
            CertificateProviderType: "PEM",
            S3Object: "s3://my-certs/emr/certs.zip",
          },
        },
      },
    });
  });
});

describe("outputs and deployability", () => {
  it("exports every value a run needs", () => {
    const keys = Object.values(OUTPUT_KEYS);
    expect(Object.keys(priv.toJSON().Outputs).sort()).toEqual([...keys].sort());
    expect(Object.keys(pub.toJSON().Outputs).sort()).toEqual(
      keys.filter((k) => k !== "ServiceAccessSecurityGroupId").sort(),
    );
    priv.hasOutput("SubnetIds", {
      Value: { "Fn::Join": [",", [{ Ref: Match.anyValue() }, { Ref: Match.anyValue() }]] },
    });
    priv.hasOutput("LogUri", {
      Value: { "Fn::Join": ["", ["s3://", { Ref: Match.stringLikeRegexp("LogsBucket") }, "/emr/"]] },
    });
  });

  it("needs no bootstrap: no assets, no Lambda, no bootstrap version parameter", () => {
    for (const [, t] of variants()) {
      t.resourceCountIs("AWS::Lambda::Function", 0);
      t.resourceCountIs("Custom::VpcRestrictDefaultSG", 0);
      expect(t.toJSON().Parameters?.BootstrapVersion).toBeUndefined();
      expect(t.toJSON().Rules).toBeUndefined();
    }
  });

  it("names no bootstrap role in the assembly: deploy uses the caller's own credentials", () => {
    const outdir = mkdtempSync(join(tmpdir(), "kindling-assembly-"));
    try {
      const { app } = createFoundationApp(resolveFoundationSettings({ project: "demo" }), { outdir });
      const manifest = JSON.stringify(app.synth().manifest);
      expect(manifest).not.toMatch(/cdk-hnb659fds|RoleArn|bootstrap/i);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("fits CloudFormation's inline template limit", () => {
    for (const [name, t] of variants()) {
      expect(Buffer.byteLength(stringify(t.toJSON())), name).toBeLessThan(INLINE_TEMPLATE_LIMIT_BYTES);
    }
  });

  it("synthesizes a config at every limit the schema allows", () => {
    // The longest environment, the longest project that fits beside it, the largest retentions and the
    // longest certificate URI: whatever the schema accepts must become a stack CloudFormation takes.
    const environment = `e-${"9".repeat(ENVIRONMENT_MAX - 2)}`;
    const project = `p-${"0".repeat(STACK_NAME_MAX - "kindling--".length - environment.length - 2)}`;
    const bucket = `a${"b-c.".repeat(15)}d9`;
    const key = `${"k!_.'()/-".repeat(113)}abc`;
    const config = parseConfig(
      stringify({
        project,
        data: { path: "a.csv" },
        aws: {
          region: "ap-southeast-2",
          account: "999999999999",
          environment,
          encryption: "sse-kms",
          logs_retention_days: 2_147_483_647,
          flow_logs_retention_days: 3653,
          in_transit_encryption: true,
          in_transit_certificate_s3_uri: `s3://${bucket}/${key}.zip`,
          s3_prefix_list_id: "pl-0123456789abcdef0",
        },
      }),
      "kindling.yaml",
    );
    expect(bucket).toHaveLength(63);
    expect(key.length + ".zip".length).toBe(1024);
    const outdir = mkdtempSync(join(tmpdir(), "kindling-limits-"));
    try {
      const { app, stack } = createFoundationApp(foundationSettingsFrom(config), { outdir });
      const assembly = app.synth();
      expect(stack.stackName).toHaveLength(STACK_NAME_MAX);
      expect(readValidationFindings(assembly.directory).filter((f) => f.severity === "error")).toEqual([]);
      const template = Template.fromStack(stack);
      expect(Buffer.byteLength(stringify(template.toJSON()))).toBeLessThan(INLINE_TEMPLATE_LIMIT_BYTES);
      const group = Object.values(resourcesOf(template, "AWS::Logs::LogGroup"))[0];
      expect(group?.Properties?.RetentionInDays).toBe(3653);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it("pins no account or region in the template", () => {
    const text = JSON.stringify(priv.toJSON());
    expect(text).not.toMatch(/\b\d{12}\b/);
    expect(text).not.toMatch(/\b(us|eu|ap|sa|ca|me|af)-[a-z]+-\d\b/);
  });
});

describe("EMR Serverless application", () => {
  type Resource = { Type: string; Properties?: Record<string, unknown> };
  const only = (t: Template, type: string, prefix = ""): [string, Resource] => {
    const found = Object.entries(resourcesOf(t, type)).filter(([id]) => id.startsWith(prefix));
    expect(found, `${type} ${prefix}`).toHaveLength(1);
    return found[0] as [string, Resource];
  };
  const application = (t: Template) => only(t, "AWS::EMRServerless::Application")[1].Properties ?? {};
  const serverlessGroup = (t: Template) => only(t, "AWS::EC2::SecurityGroup", "EmrServerless");
  const jobRole = (t: Template) => only(t, "AWS::IAM::Role", "EmrServerlessJobRole");
  const documentOf = (r: Resource, key: string) =>
    (r.Properties?.[key] as { Statement: Record<string, unknown>[] } | undefined)?.Statement ?? [];
  const jobStatements = (t: Template) =>
    documentOf(only(t, "AWS::IAM::Policy", "EmrServerlessJobPolicy")[1], "PolicyDocument");

  it("creates one Spark application from the settings' defaults, named after the stack", () => {
    expect(application(priv)).toMatchObject({
      Name: "kindling-demo-dev",
      Type: "Spark",
      ReleaseLabel: VERSIONS.emrRelease,
      Architecture: "X86_64",
      AutoStartConfiguration: { Enabled: true },
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: 15 },
      MaximumCapacity: { Cpu: "16 vCPU", Memory: "64 GB" },
      MonitoringConfiguration: {
        S3MonitoringConfiguration: {
          LogUri: {
            "Fn::Join": ["", ["s3://", { Ref: expect.stringMatching(/^LogsBucket/) }, "/serverless/"]],
          },
        },
      },
    });
    expect(application(priv).Tags).toEqual(
      expect.arrayContaining([
        { Key: "kindling:project", Value: "demo" },
        { Key: "kindling:environment", Value: "dev" },
      ]),
    );
  });

  it("keeps no pre-initialized capacity by default", () => {
    for (const [name, t] of variants()) expect(application(t).InitialCapacity, name).toBeUndefined();
  });

  it("takes release, architecture, idle stop and maximum capacity from the settings", () => {
    const t = foundationTemplate({
      serverless: {
        releaseLabel: "emr-7.2.0",
        architecture: "ARM64",
        maxVcpu: 40,
        maxMemoryGb: 200,
        idleMinutes: 5,
      },
    });
    expect(application(t)).toMatchObject({
      ReleaseLabel: "emr-7.2.0",
      Architecture: "ARM64",
      AutoStopConfiguration: { Enabled: true, IdleTimeoutMinutes: 5 },
      MaximumCapacity: { Cpu: "40 vCPU", Memory: "200 GB" },
    });
    expect(application(t).InitialCapacity).toBeUndefined();
  });

  it("pre-initializes one driver and the executors, sized with Spark's memory overhead", () => {
    const t = foundationTemplate({ serverless: { preInitialized: { executors: 3 } } });
    expect(application(t).InitialCapacity).toEqual([
      { Key: "DRIVER", Value: { WorkerCount: 1, WorkerConfiguration: { Cpu: "2 vCPU", Memory: "8 GB" } } },
      { Key: "EXECUTOR", Value: { WorkerCount: 3, WorkerConfiguration: { Cpu: "4 vCPU", Memory: "16 GB" } } },
    ]);
  });

  it("rounds worker memory up to a size the worker's vCPUs allow", () => {
    // 7g + 10% = 7.7 GB; 14g + 10% = 15.4 GB; 2g + 384 MiB; 10g + 10% = exactly 11 GB.
    // 1, 2 and 4 vCPU workers step by 1 GB.
    expect(workerConfiguration({ cpu: 2, memory: "7g" })).toEqual({ cpu: "2 vCPU", memory: "8 GB" });
    expect(workerConfiguration({ cpu: 4, memory: "14g" })).toEqual({ cpu: "4 vCPU", memory: "16 GB" });
    expect(workerConfiguration({ cpu: 1, memory: "2g" })).toEqual({ cpu: "1 vCPU", memory: "3 GB" });
    expect(workerConfiguration({ cpu: 4, memory: "10240m" })).toEqual({ cpu: "4 vCPU", memory: "11 GB" });
    expect(workerConfiguration({ cpu: 4, memory: "20g" })).toEqual({ cpu: "4 vCPU", memory: "22 GB" });
    // 8 vCPU workers step by 4 GB, 16 vCPU workers by 8 GB.
    expect(workerConfiguration({ cpu: 8, memory: "30g" })).toEqual({ cpu: "8 vCPU", memory: "36 GB" });
    expect(workerConfiguration({ cpu: 8, memory: "40g" })).toEqual({ cpu: "8 vCPU", memory: "44 GB" });
    expect(workerConfiguration({ cpu: 16, memory: "40g" })).toEqual({ cpu: "16 vCPU", memory: "48 GB" });
    expect(workerConfiguration({ cpu: 16, memory: "109g" })).toEqual({ cpu: "16 vCPU", memory: "120 GB" });
  });

  it("runs in the EMR subnets with its own security group", () => {
    for (const [name, t] of variants()) {
      const [groupId] = serverlessGroup(t);
      const subnets = (t.toJSON().Outputs.SubnetIds.Value as { "Fn::Join": [string, unknown[]] })[
        "Fn::Join"
      ][1];
      expect(application(t).NetworkConfiguration, name).toEqual({
        SubnetIds: subnets,
        SecurityGroupIds: [{ "Fn::GetAtt": [groupId, "GroupId"] }],
      });
    }
  });

  it("has a security group with no inbound rule", () => {
    for (const [name, t] of variants()) {
      const [groupId, group] = serverlessGroup(t);
      expect(group.Properties?.SecurityGroupIngress, name).toBeUndefined();
      const standalone = Object.values(resourcesOf(t, "AWS::EC2::SecurityGroupIngress")).filter((r) =>
        JSON.stringify(r.Properties?.GroupId).includes(groupId),
      );
      expect(standalone, name).toEqual([]);
    }
  });

  it("limits egress to HTTPS towards S3 in the private network, like the EMR node groups", () => {
    const egressOf = (t: Template) => {
      const [groupId, group] = serverlessGroup(t);
      const standalone = Object.values(resourcesOf(t, "AWS::EC2::SecurityGroupEgress"))
        .map((r) => r.Properties ?? {})
        .filter((r) => JSON.stringify(r.GroupId).includes(groupId));
      return [
        ...((group.Properties?.SecurityGroupEgress as Record<string, unknown>[] | undefined) ?? []),
        ...standalone,
      ];
    };
    expect(egressOf(priv)).toEqual([
      expect.objectContaining({ CidrIp: "0.0.0.0/0", IpProtocol: "tcp", FromPort: 443, ToPort: 443 }),
    ]);
    const listed = foundationTemplate({ s3PrefixListId: "pl-63a5400a" });
    expect(egressOf(listed)).toEqual([
      expect.objectContaining({ DestinationPrefixListId: "pl-63a5400a", IpProtocol: "tcp", FromPort: 443 }),
    ]);
    // "public" is for jobs that need internet egress: all outbound, as for the EMR node groups there.
    expect(egressOf(pub)).toEqual([expect.objectContaining({ CidrIp: "0.0.0.0/0", IpProtocol: "-1" })]);
  });

  it("lets only EMR Serverless applications of this account and region assume the job role", () => {
    const statements = documentOf(jobRole(priv)[1], "AssumeRolePolicyDocument");
    expect(statements).toEqual([
      {
        Action: "sts:AssumeRole",
        Effect: "Allow",
        Principal: { Service: "emr-serverless.amazonaws.com" },
        Condition: {
          StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } },
          ArnLike: {
            "aws:SourceArn": {
              "Fn::Join": [
                "",
                [
                  "arn:",
                  { Ref: "AWS::Partition" },
                  ":emr-serverless:",
                  { Ref: "AWS::Region" },
                  ":",
                  { Ref: "AWS::AccountId" },
                  ":/applications/*",
                ],
              ],
            },
          },
        },
      },
    ]);
    expect(jobRole(priv)[1].Properties?.ManagedPolicyArns).toBeUndefined();
  });

  it("gives the job role the instance role's bucket access, with logs under serverless/", () => {
    for (const [name, t] of variants()) {
      for (const st of jobStatements(t)) {
        const actions = [st.Action].flat() as string[];
        expect(actions, name).not.toContain("s3:*");
        expect(actions).not.toContain("*");
        if (actions.some((a) => a.startsWith("s3:"))) expect([st.Resource].flat()).not.toContain("*");
      }
      const instance = Object.entries(resourcesOf(t, "AWS::IAM::Policy")).find(([id]) =>
        id.includes("InstancePolicy"),
      )?.[1].Properties?.PolicyDocument as { Statement: Record<string, unknown>[] };
      const bySid = (sts: Record<string, unknown>[]) => Object.fromEntries(sts.map((st) => [st.Sid, st]));
      const job = bySid(jobStatements(t));
      const node = bySid(instance.Statement);
      for (const sid of ["ListProjectPrefixes", "LocateBuckets", "ReadCodeDataDepsRuns", "WriteRunOutputs"]) {
        expect(job[sid], `${name} ${sid}`).toEqual(node[sid]);
      }
      expect(JSON.stringify(job.WriteServerlessLogs?.Resource)).toContain('"/serverless/*"');
      expect(job.WriteServerlessLogs?.Action).toBe("s3:PutObject");
      expect(job.ListServerlessLogs?.Condition).toEqual({
        StringLike: { "s3:prefix": ["serverless", "serverless/*"] },
      });
    }
  });

  it("lets job runs use the foundation key only when the data bucket is SSE-KMS", () => {
    const kmsActions = (t: Template) =>
      jobStatements(t).flatMap((st) => ([st.Action].flat() as string[]).filter((a) => a.startsWith("kms:")));
    expect(kmsActions(priv)).toEqual([]);
    expect(kmsActions(pub)).toEqual([]);
    const key = jobStatements(kms).find((st) => st.Sid === "UseFoundationKey");
    expect(key?.Resource).toEqual({ "Fn::GetAtt": [expect.stringMatching(/^FoundationKey/), "Arn"] });
  });

  it("outputs the application id and the job role ARN", () => {
    for (const [name, t] of variants()) {
      const outputs = t.toJSON().Outputs;
      expect(outputs[OUTPUT_KEYS.serverlessApplicationId]?.Value, name).toEqual({
        "Fn::GetAtt": [only(t, "AWS::EMRServerless::Application")[0], "ApplicationId"],
      });
      expect(outputs[OUTPUT_KEYS.serverlessJobRoleArn]?.Value).toEqual({
        "Fn::GetAtt": [jobRole(t)[0], "Arn"],
      });
    }
  });
});

describe("an account's rules: tags and a permissions boundary", () => {
  const BOUNDARY = "arn:aws:iam::123456789012:policy/boundaries/team-boundary";

  it("puts aws.tags on every taggable resource and the boundary on every role; neither by default", () => {
    const t = foundationTemplate({
      tags: { team: "fraud", "cost-center": "ml 42" },
      permissionsBoundaryArn: BOUNDARY,
    });
    const roles = Object.entries(resourcesOf(t, "AWS::IAM::Role"));
    expect(roles.length).toBeGreaterThanOrEqual(4);
    for (const [id, role] of roles) expect(role.Properties?.PermissionsBoundary, id).toBe(BOUNDARY);
    const tagged = Object.entries(resourcesOf(t)).filter(([, r]) => r.Properties?.Tags !== undefined);
    // Buckets, VPC and subnets, security groups, roles, the key, the log group, the application…
    expect(tagged.length).toBeGreaterThanOrEqual(15);
    for (const [id, r] of tagged) {
      const tags = r.Properties?.Tags as Array<{ Key: string; Value: string }> | Record<string, string>;
      const asMap = Array.isArray(tags) ? Object.fromEntries(tags.map((x) => [x.Key, x.Value])) : tags;
      expect(asMap, id).toMatchObject({
        team: "fraud",
        "cost-center": "ml 42",
        "kindling:environment": "dev",
      });
    }
    for (const [id, role] of Object.entries(resourcesOf(priv, "AWS::IAM::Role"))) {
      expect(role.Properties?.PermissionsBoundary, id).toBeUndefined();
    }
  });
});

describe("the S3 gateway endpoint's policy", () => {
  const statements = (t: Template) => {
    const endpoint = Object.values(resourcesOf(t, "AWS::EC2::VPCEndpoint"))[0];
    return (
      (endpoint?.Properties?.PolicyDocument as { Statement?: Record<string, unknown>[] } | undefined)
        ?.Statement ?? []
    );
  };

  it("reads this account's buckets, writes only the project's, and reaches the AWS-owned buckets EMR needs", () => {
    const all = statements(priv);
    expect(all.map((s) => s.Sid)).toEqual([
      "ReadThisAccountsBuckets",
      "WriteProjectBuckets",
      "AmazonLinuxAndEmrRepositories",
      "EmrSystemLogs",
      "EmrApplicationHistory",
    ]);
    const bySid = Object.fromEntries(all.map((s) => [s.Sid, s]));
    // Reads anywhere in this account only (an s3:// data.path, bootstrap scripts): never another account's.
    expect(bySid.ReadThisAccountsBuckets).toMatchObject({
      Resource: "*",
      Condition: { StringEquals: { "aws:ResourceAccount": { Ref: "AWS::AccountId" } } },
    });
    expect([bySid.ReadThisAccountsBuckets?.Action].flat().some((a) => /Put|Delete/.test(String(a)))).toBe(
      false,
    );
    const writes = JSON.stringify(bySid.WriteProjectBuckets?.Resource);
    expect(writes).toContain("DataBucket");
    expect(writes).toContain("LogsBucket");
    const text = JSON.stringify(all);
    for (const bucket of ["al2023-repos-", "repo.", "aws157-logs-prod", "appinfo.src"])
      expect(text).toContain(bucket);
    // Every other statement names its buckets; writes go to the project's and AWS's own only.
    for (const s of all.slice(1)) expect([s.Resource].flat(), String(s.Sid)).not.toContain("*");
    const writers = all.filter((s) => [s.Action].flat().some((a) => String(a).startsWith("s3:Put")));
    expect(writers.map((s) => s.Sid)).toEqual([
      "WriteProjectBuckets",
      "EmrSystemLogs",
      "EmrApplicationHistory",
    ]);
  });

  it("private: a KMS interface endpoint in the isolated subnets, reachable over HTTPS from the EMR node groups only", () => {
    const [kms] = Object.values(resourcesOf(priv, "AWS::EC2::VPCEndpoint")).filter((e) =>
      JSON.stringify(e.Properties?.ServiceName).includes(".kms"),
    );
    expect(kms?.Properties).toMatchObject({ VpcEndpointType: "Interface", PrivateDnsEnabled: true });
    expect((kms?.Properties?.SubnetIds as unknown[] | undefined) ?? []).toHaveLength(2);
    const group = JSON.stringify(((kms?.Properties?.SecurityGroupIds as unknown[] | undefined) ?? [])[0]);
    const ingress = Object.values(resourcesOf(priv, "AWS::EC2::SecurityGroupIngress"))
      .map((r) => r.Properties ?? {})
      .filter((r) => JSON.stringify(r.GroupId) === group);
    expect(ingress.map((r) => [r.FromPort, JSON.stringify(r.SourceSecurityGroupId)]).sort()).toEqual([
      [443, expect.stringContaining("EmrSecurityGroupsCore")],
      [443, expect.stringContaining("EmrSecurityGroupsPrimary")],
    ]);
    // Public subnets reach KMS over the internet: no endpoint there.
    expect(Object.keys(resourcesOf(pub, "AWS::EC2::VPCEndpoint"))).toHaveLength(1);
  });

  it("lets the nodes read the in-transit certificates' zip when there is one", () => {
    const t = foundationTemplate({
      inTransitEncryption: true,
      inTransitCertificateS3Uri: "s3://certs/emr/tls.zip",
    });
    const certificates = statements(t).find((s) => s.Sid === "ConfiguredObjects");
    expect(certificates).toMatchObject({ Action: "s3:GetObject" });
    expect(JSON.stringify(certificates?.Resource)).toContain(":s3:::certs/emr/tls.zip");
  });
});

describe("aws.existing: the account's own network", () => {
  const VPC = "vpc-0a1b2c3d4e5f67890";
  const SUBNETS = ["subnet-0a1b2c3d4e5f67890", "subnet-1a1b2c3d4e5f67890"];

  it("creates no VPC, subnet, endpoint or flow log; its security groups and application use the given ones", () => {
    const t = foundationTemplate({ existing: { network: { vpcId: VPC, subnetIds: SUBNETS } } });
    for (const type of [
      "AWS::EC2::VPC",
      "AWS::EC2::Subnet",
      "AWS::EC2::VPCEndpoint",
      "AWS::EC2::FlowLog",
      "AWS::EC2::RouteTable",
    ]) {
      expect(Object.keys(resourcesOf(t, type)), type).toEqual([]);
    }
    for (const [id, sg] of Object.entries(resourcesOf(t, "AWS::EC2::SecurityGroup"))) {
      expect(sg.Properties?.VpcId, id).toBe(VPC);
    }
    const app = Object.values(resourcesOf(t, "AWS::EMRServerless::Application"))[0];
    expect(
      (app?.Properties?.NetworkConfiguration as { SubnetIds?: string[] } | undefined)?.SubnetIds,
    ).toEqual(SUBNETS);
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.VpcId?.Value).toBe(VPC);
    expect(outputs.SubnetIds?.Value).toBe(SUBNETS.join(","));
  });
});

describe("aws.existing: buckets, key, roles and security groups the account already has", () => {
  const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const SERVICE_ROLE = "arn:aws:iam::123456789012:role/platform/EMR_DefaultRole_V2";
  const INSTANCE_ROLE = "arn:aws:iam::123456789012:role/platform/EMR_EC2_DefaultRole";
  const GROUPS = {
    primary: "sg-0a1b2c3d4e5f67890",
    core: "sg-1a1b2c3d4e5f67890",
    serviceAccess: "sg-2a1b2c3d4e5f67890",
  };
  let t: Template;
  beforeAll(() => {
    t = foundationTemplate({
      encryption: "sse-kms",
      existing: {
        network: { vpcId: "vpc-0a1b2c3d4e5f67890", subnetIds: ["subnet-0a1b2c3d4e5f67890"] },
        securityGroups: GROUPS,
        dataBucket: "team-data",
        logsBucket: "team-logs",
        kmsKeyArn: KEY,
        emrRoles: { serviceRoleArn: SERVICE_ROLE, instanceRoleArn: INSTANCE_ROLE },
      },
    });
  }, 60_000);

  it("are referenced, not created: only the security configuration, the application, its group and job role remain", () => {
    const types = Object.values(resourcesOf(t)).map((r) => r.Type);
    expect([...new Set(types)].sort()).toEqual([
      "AWS::EC2::SecurityGroup",
      "AWS::EMR::SecurityConfiguration",
      "AWS::EMRServerless::Application",
      "AWS::IAM::Policy",
      "AWS::IAM::Role",
    ]);
    // Nothing is attached to the existing roles or added to the existing groups.
    for (const [id, policy] of Object.entries(resourcesOf(t, "AWS::IAM::Policy"))) {
      expect(JSON.stringify(policy.Properties?.Roles), id).not.toMatch(/EMR_/);
    }
    expect(Object.keys(resourcesOf(t, "AWS::EC2::SecurityGroupIngress"))).toEqual([]);
    expect(Object.keys(resourcesOf(t, "AWS::EC2::SecurityGroupEgress"))).toEqual([]);
  });

  it("are what the outputs name, so runs use them; the job role is granted the buckets and the key", () => {
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;
    const value = (k: keyof typeof OUTPUT_KEYS) => outputs[OUTPUT_KEYS[k]]?.Value;
    expect(value("dataBucketName")).toBe("team-data");
    expect(value("logsBucketName")).toBe("team-logs");
    expect(value("kmsKeyArn")).toBe(KEY);
    expect(value("serviceRoleName")).toBe("EMR_DefaultRole_V2");
    expect(value("instanceProfileName")).toBe("EMR_EC2_DefaultRole");
    expect(value("primarySecurityGroupId")).toBe(GROUPS.primary);
    expect(value("serviceAccessSecurityGroupId")).toBe(GROUPS.serviceAccess);
    const jobPolicy = JSON.stringify(Object.values(resourcesOf(t, "AWS::IAM::Policy"))[0]?.Properties);
    expect(jobPolicy).toContain(":s3:::team-data/runs/*");
    expect(jobPolicy).toContain(":s3:::team-logs/serverless/*");
    expect(jobPolicy).toContain(KEY);
    const configuration = JSON.stringify(Object.values(resourcesOf(t, "AWS::EMR::SecurityConfiguration"))[0]);
    expect(configuration).toContain(KEY);
  });

  it("an existing key with the stack's own roles: the roles' policies grant its use, as the key policy cannot", () => {
    const t = foundationTemplate({ existing: { kmsKeyArn: KEY } });
    t.resourceCountIs("AWS::KMS::Key", 0);
    const policies = JSON.stringify(resourcesOf(t, "AWS::IAM::Policy"));
    for (const sid of [
      "EmrServiceRoleUseKey",
      "EmrServiceRoleGrantForAwsResources",
      "EmrInstanceRoleGrantForAwsResources",
    ]) {
      expect(policies, sid).toContain(`"Sid":"${sid}"`);
    }
    const serviceGrant = Object.values(resourcesOf(t, "AWS::IAM::Policy"))
      .flatMap(
        (p) =>
          (p.Properties?.PolicyDocument as { Statement?: Record<string, unknown>[] } | undefined)
            ?.Statement ?? [],
      )
      .find((st) => st.Sid === "EmrServiceRoleGrantForAwsResources");
    expect(serviceGrant).toMatchObject({
      Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
      Resource: KEY,
      Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
    });
  });

  it("a worker group of the account's is used as is: the stack then creates no security group", () => {
    const withWorkers = foundationTemplate({
      network: "public",
      existing: {
        network: { vpcId: "vpc-0a1b2c3d4e5f67890", subnetIds: ["subnet-0a1b2c3d4e5f67890"] },
        securityGroups: { primary: GROUPS.primary, core: GROUPS.core, serverless: "sg-3a1b2c3d4e5f67890" },
      },
    });
    withWorkers.resourceCountIs("AWS::EC2::SecurityGroup", 0);
    const app = Object.values(resourcesOf(withWorkers, "AWS::EMRServerless::Application"))[0];
    expect(JSON.stringify(app?.Properties?.NetworkConfiguration)).toContain("sg-3a1b2c3d4e5f67890");
  });
});

describe("aws.role_path and aws.role_name_prefix", () => {
  it("every role the stack creates carries the path and a prefixed name; the instance profile too", () => {
    const t = foundationTemplate({
      project: "spam",
      environment: "prod",
      rolePath: "/teams/data/",
      roleNamePrefix: "data-",
    });
    const roles = Object.values(resourcesOf(t, "AWS::IAM::Role"));
    expect(roles.map((r) => r.Properties?.RoleName).sort()).toEqual([
      "data-spam-prod-emr-instance",
      "data-spam-prod-emr-service",
      "data-spam-prod-flow-logs",
      "data-spam-prod-serverless-job",
    ]);
    for (const role of roles) expect(role.Properties?.Path).toBe("/teams/data/");
    const profile = Object.values(resourcesOf(t, "AWS::IAM::InstanceProfile"))[0];
    expect(profile?.Properties?.Path).toBe("/teams/data/");
  });

  it("without them, CloudFormation names the roles (no RoleName, no Path)", () => {
    for (const role of Object.values(resourcesOf(priv, "AWS::IAM::Role"))) {
      expect(role.Properties?.RoleName).toBeUndefined();
      expect(role.Properties?.Path).toBeUndefined();
    }
  });
});

describe("snapshots", () => {
  it("private network, SSE-S3", () => {
    expect(scrubAssetHashes(priv.toJSON())).toMatchSnapshot();
  });
  it("public network", () => {
    expect(scrubAssetHashes(pub.toJSON())).toMatchSnapshot();
  });
});
