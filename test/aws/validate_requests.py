"""Checks AWS API requests against AWS's published API models, as botocore (the AWS CLI's core) does.

stdin: a JSON list of {"service": "emr", "operation": "RunJobFlow", "params": {...}}; stdout: a JSON list
with, for each request, the validator's error report ("" when the request is valid). The models and the
validator are botocore's, nothing of Kindling's, so a request the emulator accepts but AWS would refuse
(a wrong member name, type or range, a missing required member, a value outside an enum) shows up here.
botocore's validator leaves enums to the service; this also checks them, from the same models.
"""

import json
import sys
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator


def enum_errors(value: Any, shape: Shape, path: str) -> list[str]:
    """Values outside the enum their shape declares, wherever they are in the request."""
    errors: list[str] = []
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                errors += enum_errors(value[name], member, f"{path}.{name}")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for i, item in enumerate(value):
            errors += enum_errors(item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for key, item in value.items():
            errors += enum_errors(item, shape.value, f"{path}.{key}")
    elif getattr(shape, "enum", None) and isinstance(value, str) and value not in shape.enum:
        errors.append(
            f"Invalid value for parameter {path}, value: {value}, valid values: {', '.join(shape.enum)}"
        )
    return errors


def main() -> None:
    session = botocore.session.get_session()
    validator = ParamValidator()
    reports = []
    for request in json.load(sys.stdin):
        operation = session.get_service_model(request["service"]).operation_model(request["operation"])
        report = validator.validate(request["params"], operation.input_shape)
        lines = [report.generate_report()] if report.has_errors() else []
        lines += enum_errors(request["params"], operation.input_shape, "input")
        reports.append("\n".join(lines))
    json.dump(reports, sys.stdout)


if __name__ == "__main__":
    main()
