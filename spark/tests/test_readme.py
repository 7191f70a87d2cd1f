"""The examples in spark/README.md stay true."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from kindling_job.spec import TfidfSet, parse_spec

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_readme_spec_example_is_a_valid_spec() -> None:
    (example,) = blocks("json")
    spec = parse_spec(json.loads(example))
    assert (spec.input.text_column, spec.input.label_column) == ("review", "sentiment")
    assert spec.feature_sets == (TfidfSet("tfidf", 250, 0),)


def test_readme_python_example_is_python() -> None:
    (example,) = blocks("python")
    ast.parse(example)
