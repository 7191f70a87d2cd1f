"""Lints every IAM identity policy of CloudFormation templates with parliament (duo-labs), against its
catalogue of AWS actions, resource types and condition keys (test/infra/lint.slow.test.ts).

Usage: lint_policies.py TEMPLATE.json... ; prints a JSON list of
{template, resource, policy, findings: [{issue, severity, title, detail}]} for every identity policy:
roles' inline policies, IAM::Policy and IAM::ManagedPolicy documents. parliament models identity
policies only: a trust policy has no Resource by design, and in a key policy Resource "*" means the key
itself, which it would report as findings; those are cdk-nag's and checkov's to check.

parliament reads plain policies: CloudFormation's intrinsic functions are first resolved to values of the
shape AWS would put there (Fn::GetAtt of a bucket's Arn gives an S3 bucket ARN, Ref of AWS::Partition
gives "aws"), so every ARN is checked against the service it names.
"""

import json
import sys

from parliament import analyze_policy_string

ACCOUNT = "123456789012"
REGION = "eu-west-1"
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": REGION,
    "AWS::AccountId": ACCOUNT,
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "kindling-demo-dev",
}


def arn_of(resources, logical_id):
    """The ARN a resource of the template would have, from its type."""
    kind = resources.get(logical_id, {}).get("Type", "")
    name = logical_id.lower()
    return {
        "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
        "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        # A log group's Arn attribute ends in ":*" (its streams), which CloudFormation documents.
        "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
    }.get(kind, f"arn:aws:unknown:{REGION}:{ACCOUNT}:{name}")


def resolve(value, resources):
    """The value with CloudFormation's intrinsic functions replaced by what they would give."""
    if isinstance(value, list):
        return [resolve(v, resources) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((fn, arg),) = value.items()
        if fn == "Ref":
            return PSEUDO.get(arg, arg.lower())
        if fn == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return (
                arn_of(resources, logical_id)
                if attribute == "Arn"
                else f"{logical_id.lower()}-{attribute.lower()}"
            )
        if fn == "Fn::Join":
            separator, parts = arg
            return separator.join(str(resolve(p, resources)) for p in parts)
        if fn == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            for name, replacement in PSEUDO.items():
                text = text.replace("${" + name + "}", replacement)
            return text
    return {k: resolve(v, resources) for k, v in value.items()}


def as_iam_stores(document):
    """The document with condition values as the strings IAM stores (CDK writes true as JSON's true)."""

    def text(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        return v if isinstance(v, (str, list, dict)) else str(v)

    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        for block in statement.get("Condition", {}).values():
            for key, v in block.items():
                block[key] = [text(x) for x in v] if isinstance(v, list) else text(v)
    return document


def policies_of(resources):
    """(resource, which policy, document) for every policy document in the template."""
    for logical_id, resource in resources.items():
        kind = resource.get("Type")
        props = resource.get("Properties", {})
        if kind == "AWS::IAM::Role":
            for inline in props.get("Policies", []):
                yield (
                    logical_id,
                    inline.get("PolicyName", "inline"),
                    inline.get("PolicyDocument"),
                )
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield logical_id, "policy", props.get("PolicyDocument")


def main(paths):
    report = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            resources = json.load(f).get("Resources", {})
        for logical_id, which, document in policies_of(resources):
            if document is None:
                continue
            policy = analyze_policy_string(
                json.dumps(as_iam_stores(resolve(document, resources)))
            )
            report.append(
                {
                    "template": path,
                    "resource": logical_id,
                    "policy": which,
                    "findings": [
                        {
                            "issue": f.issue,
                            "severity": f.severity,
                            "title": f.title,
                            "detail": str(f.detail),
                        }
                        for f in policy.findings
                    ],
                }
            )
    json.dump(report, sys.stdout, indent=1)


if __name__ == "__main__":
    main(sys.argv[1:])
