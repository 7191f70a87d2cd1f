import * as emr from "aws-cdk-lib/aws-emr";
import type * as kms from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import type { BucketEncryption } from "../settings.js";

export interface EmrSecurityConfigurationProps {
  key: kms.IKey;
  s3Encryption: BucketEncryption;
  inTransitEncryption: boolean;
  /** `s3://bucket/key.zip` of PEM certificates; required when `inTransitEncryption`. */
  certificateS3Uri?: string;
}

/** The JSON document EMR expects for a security configuration (only the parts Kindling sets). */
export interface EmrSecurityConfigurationDocument {
  EncryptionConfiguration: {
    EnableAtRestEncryption: true;
    EnableInTransitEncryption: boolean;
    AtRestEncryptionConfiguration: {
      S3EncryptionConfiguration:
        | { EncryptionMode: "SSE-S3" }
        | { EncryptionMode: "SSE-KMS"; AwsKmsKey: string };
      LocalDiskEncryptionConfiguration: {
        EncryptionKeyProviderType: "AwsKms";
        AwsKmsKey: string;
        EnableEbsEncryption: true;
      };
    };
    InTransitEncryptionConfiguration?: {
      TLSCertificateConfiguration: { CertificateProviderType: "PEM"; S3Object: string };
    };
  };
  InstanceMetadataServiceConfiguration: {
    MinimumInstanceMetadataServiceVersion: 2;
    HttpPutResponseHopLimit: 1;
  };
}

/** Builds the security configuration document in the nested shape EMR reads. */
export function securityConfigurationDocument(
  props: Omit<EmrSecurityConfigurationProps, "key"> & { keyArn: string },
): EmrSecurityConfigurationDocument {
  if (props.inTransitEncryption && !props.certificateS3Uri) {
    throw new Error("in-transit encryption needs a certificate zip in S3");
  }
  return {
    EncryptionConfiguration: {
      EnableAtRestEncryption: true,
      EnableInTransitEncryption: props.inTransitEncryption,
      AtRestEncryptionConfiguration: {
        S3EncryptionConfiguration:
          props.s3Encryption === "sse-kms"
            ? { EncryptionMode: "SSE-KMS", AwsKmsKey: props.keyArn }
            : { EncryptionMode: "SSE-S3" },
        LocalDiskEncryptionConfiguration: {
          EncryptionKeyProviderType: "AwsKms",
          AwsKmsKey: props.keyArn,
          EnableEbsEncryption: true,
        },
      },
      ...(props.inTransitEncryption && props.certificateS3Uri
        ? {
            InTransitEncryptionConfiguration: {
              TLSCertificateConfiguration: {
                CertificateProviderType: "PEM",
                S3Object: props.certificateS3Uri,
              },
            },
          }
        : {}),
    },
    // IMDSv2 only, one hop: node credentials cannot be fetched by a forwarded request.
    InstanceMetadataServiceConfiguration: {
      MinimumInstanceMetadataServiceVersion: 2,
      HttpPutResponseHopLimit: 1,
    },
  };
}

/**
 * Guarantees an EMR security configuration with at-rest encryption of EMRFS (S3) data and of local disks
 * and EBS volumes under the foundation key, IMDSv2, and in-transit TLS when asked for.
 */
export class EmrSecurityConfiguration extends Construct {
  readonly configuration: emr.CfnSecurityConfiguration;

  constructor(scope: Construct, id: string, props: EmrSecurityConfigurationProps) {
    super(scope, id);
    this.configuration = new emr.CfnSecurityConfiguration(this, "Resource", {
      securityConfiguration: securityConfigurationDocument({ ...props, keyArn: props.key.keyArn }),
    });
  }
}
