"""moto's server with what the foundation's deploy needs from its CloudFormation.

`kindling deploy` runs against moto in the tests (test/infra/deploy.slow.test.ts) through the CDK
toolkit, as it runs against AWS: a change set, executed. moto 5.2.5 gets three things wrong on that path
and lacks three of the stack's resource types; this launcher mends exactly those and nothing else, then
starts the ordinary server:

- a KMS key's CloudFormation Tags (Key/Value) reach KMS's tagger, which reads TagKey/TagValue: KeyError;
  its KeyPolicy (a JSON object in a template) is kept as an object, which DescribeKey and GetKeyPolicy
  then fail to parse (HTTP 500): here it is stored as the JSON text KMS keeps;
- DeleteChangeSet of a name that does not exist fails with an UnboundLocalError (HTTP 500) instead of
  doing nothing; the toolkit deletes a leftover change set of its own name before creating one;
- an executed change set creates the resources but never evaluates the template's Outputs;
- no CloudFormation model for AWS::EC2::SecurityGroupEgress, AWS::S3::BucketPolicy and
  AWS::EMRServerless::Application: here each one calls the moto backend that API would call;
- moto's bucket policies deny a request whenever a statement's condition does not hold, whatever the
  statement's effect, and cannot read Bool or Numeric conditions, so the buckets' "deny unless TLS"
  statements deny everything: here conditions are evaluated against a request over TLS 1.3, as every
  SDK call to AWS is (the tests talk plain HTTP to 127.0.0.1 only because moto is local);
- deleting the stack leaves route tables, the VPC endpoint and the flow log (their models cannot be
  deleted), so the VPC cannot go: here they are deleted through their backends;
- a key created without KeyUsage has none (DescribeKey omits it); KMS defaults it to ENCRYPT_DECRYPT.
"""

import json
import sys
from typing import Any

from moto.cloudformation import models as cloudformation
from moto.core.common_models import CloudFormationModel
from moto.ec2.models import ec2_backends
from moto.ec2.models.flow_logs import FlowLogs
from moto.ec2.models.route_tables import RouteTable
from moto.ec2.models.vpcs import VPCEndPoint
from moto.emrserverless.models import emrserverless_backends
from moto.iam import access_control
from moto.kms import models as kms
from moto.s3.models import FakeBucket, s3_backends
from moto.server import main

_create_key = kms.Key.create_from_cloudformation_json.__func__


def _create_key_with_tags(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json.get("Properties", {})
    if "Tags" in properties:
        properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties["Tags"]]
    if isinstance(properties.get("KeyPolicy"), dict):
        properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
    return _create_key(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


kms.Key.create_from_cloudformation_json = classmethod(_create_key_with_tags)

_key_init = kms.Key.__init__


def _key_with_default_usage(self, policy, key_usage, *args, **kwargs):
    _key_init(self, policy, key_usage or "ENCRYPT_DECRYPT", *args, **kwargs)


kms.Key.__init__ = _key_with_default_usage

_delete_change_set = cloudformation.CloudFormationBackend.delete_change_set


def _delete_change_set_if_there(self, change_set_name):
    names = {cs.change_set_name for cs in self.change_sets.values()}
    if change_set_name in self.change_sets or change_set_name in names:
        _delete_change_set(self, change_set_name)


cloudformation.CloudFormationBackend.delete_change_set = _delete_change_set_if_there


def _apply_with_outputs(self):
    self.stack.resource_map.update(self.template_dict, self.parameters)
    self.stack.template = self.template
    self.stack._parse_template()
    self.stack.output_map = self.stack._create_output_map()


cloudformation.ChangeSet.apply = _apply_with_outputs


def _delete_route_table(self, account_id, region):
    # After the gateway endpoints routing through it: deleting one removes its route from the table
    # (moto's delete loop retries what fails in a later pass). Interface endpoints have no route tables.
    ec2 = ec2_backends[account_id][region]
    endpoints = ec2.vpc_end_points.values()
    if any(self.id in (e.route_table_ids or []) and e.state != "deleted" for e in endpoints):
        raise RuntimeError(f"{self.id} still routes to a VPC endpoint")
    ec2.delete_route_table(self.id)


RouteTable.delete = _delete_route_table

# The request context a bucket policy's conditions see: what every SDK call to AWS carries.
_OVER_TLS = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}
_NUMERIC = {
    "NumericLessThan": lambda a, b: a < b,
    "NumericLessThanEquals": lambda a, b: a <= b,
    "NumericGreaterThan": lambda a, b: a > b,
    "NumericGreaterThanEquals": lambda a, b: a >= b,
}


def _condition_holds(condition):
    """IAM's rule: every operator's every key must match; a key the request lacks matches nothing."""
    for operator, keys in condition.items():
        for key, expected in keys.items():
            actual = _OVER_TLS.get(key)
            wanted = [str(v).lower() for v in (expected if isinstance(expected, list) else [expected])]
            if actual is None:
                return False
            if operator in _NUMERIC:
                if not any(_NUMERIC[operator](float(actual), float(w)) for w in wanted):
                    return False
            elif actual.lower() not in wanted:  # Bool, StringEquals
                return False
    return True


def _bucket_permission_over_tls(self, action, resource):
    if self.policy is None:
        return access_control.PermissionResult.NEUTRAL
    results = set()
    for statement in json.loads(self.policy.decode())["Statement"]:
        if statement.get("Condition") and not _condition_holds(statement["Condition"]):
            continue  # the statement does not apply (moto would answer DENIED, whatever its effect)
        unconditional = {k: v for k, v in statement.items() if k != "Condition"}
        results.add(access_control.IAMPolicyStatement(unconditional).is_action_permitted(action, resource))
    for result in (access_control.PermissionResult.DENIED, access_control.PermissionResult.PERMITTED):
        if result in results:
            return result
    return access_control.PermissionResult.NEUTRAL


FakeBucket.get_permission = _bucket_permission_over_tls
VPCEndPoint.delete = lambda self, account_id, region: ec2_backends[account_id][region].delete_vpc_endpoints(
    [self.id]
)
FlowLogs.delete = lambda self, account_id, region: ec2_backends[account_id][region].delete_flow_logs(
    [self.id]
)

# moto's models name their service after their module (moto.<service>.models); every class sets its own.
MODULE = "moto.kindling_test"


class _Added:
    """A resource type moto's CloudFormation lacks, created through the backend the API would call.
    (A mixin: moto finds models as direct subclasses of CloudFormationModel.)"""

    def __init__(self, resource: Any):
        self.resource = resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        # A rule goes with its group and a policy with its bucket; moto refuses to delete a STARTED
        # application, so that one stays (as several of moto's own models leave theirs).
        pass


class SecurityGroupEgress(_Added, CloudFormationModel):
    __module__ = MODULE

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EC2::SecurityGroupEgress"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        p = cloudformation_json["Properties"]
        destination = p.get("DestinationSecurityGroupId")
        ec2_backends[account_id][region_name].authorize_security_group_egress(
            group_name_or_id=p["GroupId"],
            ip_protocol=p["IpProtocol"],
            from_port=p.get("FromPort"),
            to_port=p.get("ToPort"),
            ip_ranges=[{"CidrIp": p["CidrIp"]}] if "CidrIp" in p else [],
            source_groups=[{"GroupId": destination}] if destination else [],
            prefix_list_ids=[{"PrefixListId": p["DestinationPrefixListId"]}]
            if "DestinationPrefixListId" in p
            else [],
        )
        return cls(p["GroupId"])


class BucketPolicy(_Added, CloudFormationModel):
    __module__ = MODULE

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        p = cloudformation_json["Properties"]
        s3_backends[account_id]["global"].put_bucket_policy(
            p["Bucket"], json.dumps(p["PolicyDocument"]).encode()
        )
        return cls(p["Bucket"])


class ServerlessApplication(_Added, CloudFormationModel):
    __module__ = MODULE

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::EMRServerless::Application"

    @property
    def physical_resource_id(self) -> str:
        return self.resource.id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("ApplicationId", "Arn")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self.resource.id if attribute_name == "ApplicationId" else self.resource.arn

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name, cloudformation_json, account_id, region_name, **kwargs
    ):
        p = cloudformation_json["Properties"]
        tags = {t["Key"]: t["Value"] for t in p.get("Tags", [])}
        application = emrserverless_backends[account_id][region_name].create_application(
            name=p.get("Name", resource_name),
            release_label=p["ReleaseLabel"],
            application_type=p["Type"].upper(),  # CloudFormation says Spark, the API SPARK
            client_token=resource_name,
            initial_capacity=p.get("InitialCapacity"),
            maximum_capacity=p.get("MaximumCapacity"),
            tags=tags,
            auto_start_configuration=p.get("AutoStartConfiguration"),
            auto_stop_configuration=p.get("AutoStopConfiguration"),
            network_configuration=p.get("NetworkConfiguration"),
        )
        return cls(application)


if __name__ == "__main__":
    sys.exit(main())
