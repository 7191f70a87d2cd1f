"""The parser against the contract: schema/job-spec.schema.json, generated from the CLI's zod schema.

Every rule the schema states is probed from both sides. A spec at each boundary parses and one just past it
raises SpecError; every required key is required and every other key optional; unknown keys, wrong types and
nulls are refused unless the schema allows them. Each probe's outcome follows from the schema alone, so a
rule added to one side only fails here. A keyword this file does not know fails too, rather than going
unchecked.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import pytest

from kindling_job import columns, ingest, rejects
from kindling_job.errors import SpecError
from kindling_job.predict import parse_predict_spec
from kindling_job.spec import (
    CV_METRICS,
    DEFAULT_MAX_REJECT_FRACTION,
    STOP_WORD_LANGUAGES,
    SUPPORTED_SPEC_VERSIONS,
    TARGETS,
    parse_spec,
)

from .helpers import seed_spec

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema" / "job-spec.schema.json"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
DEFS: dict[str, Any] = SCHEMA["$defs"]
TRAIN = DEFS["train_spec"]
PREDICT = DEFS["predict_spec"]

# Keywords the probes below understand; annotations need no probe.
PROBED = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "anyOf",
    "oneOf",
    "$ref",
    "const",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "not",
}
ANNOTATIONS = {"description", "title", "default"}

Key = Union[str, int]
Loc = tuple[Key, ...]
DELETE = "<deleted>"  # a probe value meaning "remove the key"
EPSILON = 1e-6
# Strings for `pattern` rules; each is expected to pass exactly when the schema's pattern matches it.
PATTERN_PROBES = ("a", "Z9", "tfidf2.v-1_x", "_a", "-a", ".a", "a b", "a/b", "../up", "a\n", "é")
# One value of each JSON type, for "a wrong type is refused".
JSON_VALUES: dict[str, Any] = {
    "boolean": True,
    "integer": 7,
    "number": 0.5,
    "string": "x",
    "array": [],
    "object": {},
}


def predict_spec(fmt: str) -> dict[str, Any]:
    csv = seed_spec()["input"]["csv"]
    return {
        "spec_version": 1,
        "kind": "predict",
        "run": {"id": "r1", "kindling_version": "0.1.0", "target": "local"},
        "model": {"uri": "file:///runs/r1/models/tfidf", "feature_set": "tfidf", "text_column": "text"},
        "input": {"uri": "file:///new.csv", "format": fmt, "text_column": "text"}
        | ({"csv": csv} if fmt == "csv" else {}),
        "output": {"uri": "file:///out", "format": "csv"},
    }


def base_documents() -> list[dict[str, Any]]:
    """Valid specs that between them reach every field and every alternative of the schema."""
    train = seed_spec()
    train["input"]["max_reject_fraction"] = 0.05  # optional: present, so that it is probed
    train["training"]["split"]["method"] = "stratified"  # optional too
    train["training"]["class_weights"] = "none"
    train["prepared_cache"] = {"uri": "file:///cache/prepared/0123abcd"}
    own_words = seed_spec()
    own_words["text"]["stop_words"] = {"words": ["foo"]}
    # Every classifier, as a list and each alone. Without Word2Vec: naive_bayes refuses its unscaled
    # vectors, a rule across keys the JSON Schema does not state (test_spec.py covers it).
    lr = {**train["training"]["model"], "standardization": False}
    svc = {"kind": "linear_svc", "grid": {"max_iter": [50], "reg_param": [0.01]}, "standardization": True}
    nb = {"kind": "naive_bayes", "grid": {"smoothing": [1.0]}, "model_type": "multinomial"}
    classifier_docs = []
    for model in ([lr, svc, nb], lr, svc, nb):
        doc = seed_spec()
        doc["feature_sets"] = doc["feature_sets"][:2]
        for fs in doc["feature_sets"]:
            fs.update(ngrams=2, binary=True)
        doc["training"]["model"] = model
        doc["training"]["class_weights"] = "balanced"
        classifier_docs.append(doc)
    return [train, own_words, *classifier_docs, predict_spec("csv"), predict_spec("parquet")]


BASES = base_documents()


def parse(doc: Any) -> Any:
    """As main.py dispatches: a predict spec says so, anything else is read as a training spec."""
    if isinstance(doc, dict) and doc.get("kind") == "predict":
        return parse_predict_spec(doc)
    return parse_spec(doc)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = DEFS[node["$ref"].removeprefix("#/$defs/")]
    return node


def alternatives(node: dict[str, Any]) -> list[dict[str, Any]]:
    node = resolve(node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            return [a for alt in node[key] for a in alternatives(alt)]
    return [node]


def accepts_type(alt: dict[str, Any], json_type: str) -> bool:
    t = alt.get("type")
    return t == json_type or (t == "number" and json_type == "integer")


def branch_label(alt: dict[str, Any]) -> str:
    """Names one object alternative among several (in probe ids and field paths)."""
    if "title" in alt:
        return f"{{{alt['title']}}}"
    consts = [f"{k}={p['const']}" for k, p in alt.get("properties", {}).items() if "const" in p]
    return "{" + ",".join(consts or alt.get("required", [])) + "}"


def matches(alt: dict[str, Any], value: Any) -> bool:
    """Whether `value` has the shape of this object alternative (keys and discriminating constants)."""
    props = alt.get("properties", {})
    return (
        isinstance(value, dict)
        and set(value) <= set(props)
        and set(alt.get("required", [])) <= set(value)
        and all(value[k] == p["const"] for k, p in props.items() if "const" in p and k in value)
    )


def ecma_search(pattern: str, text: str) -> bool:
    # JSON Schema patterns are ECMAScript regexes: unanchored, and `$` (no m flag) matches only at the very
    # end, like Python's \Z (Python's `$` also matches before a final newline).
    return re.search(re.sub(r"(?<!\\)\$$", r"\\Z", pattern), text) is not None


@dataclass(frozen=True)
class Probe:
    base: int
    path: Loc
    value: Any
    valid: bool
    rule: str

    def __str__(self) -> str:
        outcome = "parses" if self.valid else "SpecError"
        shown = self.value if self.value == DELETE else json.dumps(self.value)
        return f"{self.rule}: {shown} -> {outcome}"


def mutate(doc: dict[str, Any], path: Loc, value: Any) -> Any:
    if not path:
        return copy.deepcopy(value)
    out = copy.deepcopy(doc)
    node: Any = out
    for key in path[:-1]:
        node = node[key]
    if value == DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(value)
    return out


def at(doc: Any, path: Loc) -> Any:
    for key in path:
        doc = doc[key]
    return doc


class Walker:
    """Generates the probes of one base document, and records which schema fields it reached."""

    def __init__(self, base: int, reached: set[str]) -> None:
        self.base = base
        self.doc = BASES[base]
        self.reached = reached

    def probe(self, path: Loc, value: Any, valid: bool, rule: str) -> Probe:
        return Probe(self.base, path, value, valid, rule)

    def walk(self, node: dict[str, Any], path: Loc, where: str) -> Iterator[Probe]:
        self.reached.add(where)
        alts = alternatives(node)
        concrete = [a for a in alts if a.get("type") != "null"]
        for alt in concrete:
            unknown = set(alt) - PROBED - ANNOTATIONS
            assert not unknown, f"{where}: keyword(s) {sorted(unknown)} not probed by this test; add them"
        value = at(self.doc, path)
        yield self.probe(path, None, len(concrete) < len(alts), f"{where} null")
        for json_type, wrong in JSON_VALUES.items():
            if not any(accepts_type(a, json_type) for a in concrete):
                yield self.probe(path, wrong, False, f"{where} wrong type")
        objects = [a for a in concrete if a.get("type") == "object"]
        for alt in concrete:
            t = alt.get("type")
            if t == "object":
                if matches(alt, value):
                    label = branch_label(alt) if len(objects) > 1 else ""
                    yield from self.walk_object(alt, objects, path, where + label)
            elif t == "array":
                if isinstance(value, list):
                    yield from self.walk_array(alt, path, where)
            elif t in ("integer", "number"):
                yield from self.numbers(alt, path, where, integer=t == "integer")
            elif t == "string":
                yield from self.strings(alt, path, where)
            elif t == "boolean":
                yield from (self.probe(path, b, True, f"{where} boolean") for b in (True, False))
            else:
                raise AssertionError(f"{where}: type {t!r} not probed by this test")

    def walk_object(
        self, alt: dict[str, Any], objects: list[dict[str, Any]], path: Loc, where: str
    ) -> Iterator[Probe]:
        value = at(self.doc, path)
        required = set(alt.get("required", []))
        changed: list[tuple[Probe, Any]] = []
        for key, child in alt.get("properties", {}).items():
            if key not in value:
                continue  # unreached: test_every_field_of_the_schema_is_probed says which
            rule = f"{where}.{key} {'required' if key in required else 'optional'}"
            gone = {k: v for k, v in value.items() if k != key}
            changed.append((self.probe((*path, key), DELETE, key not in required, rule), gone))
            yield from self.walk(child, (*path, key), f"{where}.{key}" if where else key)
        if alt.get("additionalProperties") is False:
            extra = {**value, "unexpected": 1}
            changed.append((self.probe((*path, "unexpected"), 1, False, f"{where} unknown key"), extra))
        for probe, shape in changed:
            # Were a changed object the shape of another alternative, the outcome would not follow from
            # this rule alone: fail here, so that the probe is rethought rather than guessed.
            others = [o for o in objects if o is not alt and matches(o, shape)]
            assert not others, f"{probe}: also the shape of {[branch_label(o) for o in others]}"
            yield probe

    def walk_array(self, alt: dict[str, Any], path: Loc, where: str) -> Iterator[Probe]:
        yield self.probe(path, [], alt.get("minItems", 0) == 0, f"{where} empty")
        for i in range(len(at(self.doc, path))):
            yield from self.walk(alt["items"], (*path, i), f"{where}[]")

    def numbers(self, alt: dict[str, Any], path: Loc, where: str, *, integer: bool) -> Iterator[Probe]:
        step = 1 if integer else EPSILON
        if "const" in alt:
            c = alt["const"]
            yield self.probe(path, c, True, f"{where} const")
            yield self.probe(path, float(c), True, f"{where} const written as a float")
            yield self.probe(path, c + 1, False, f"{where} const")
        if "minimum" in alt:
            yield self.probe(path, alt["minimum"], True, f"{where} minimum")
            yield self.probe(path, alt["minimum"] - step, False, f"{where} minimum")
        if "maximum" in alt:
            yield self.probe(path, alt["maximum"], True, f"{where} maximum")
            yield self.probe(path, alt["maximum"] + step, False, f"{where} maximum")
        if "exclusiveMinimum" in alt:
            yield self.probe(path, alt["exclusiveMinimum"], False, f"{where} exclusiveMinimum")
            yield self.probe(path, alt["exclusiveMinimum"] + step, True, f"{where} exclusiveMinimum")
        if "exclusiveMaximum" in alt:
            yield self.probe(path, alt["exclusiveMaximum"], False, f"{where} exclusiveMaximum")
            yield self.probe(path, alt["exclusiveMaximum"] - step, True, f"{where} exclusiveMaximum")
        if integer:
            low = alt.get("minimum", 0)
            yield self.probe(path, float(low), True, f"{where} integer written as a float")
            yield self.probe(path, 1.5, False, f"{where} integer")

    def strings(self, alt: dict[str, Any], path: Loc, where: str) -> Iterator[Probe]:
        allowed = [alt["const"]] if "const" in alt else alt.get("enum")
        if allowed is not None:
            yield from (self.probe(path, v, True, f"{where} enum") for v in allowed)
            outside = {allowed[0] + "x", allowed[0].upper()} - set(allowed)
            yield from (self.probe(path, v, False, f"{where} enum") for v in sorted(outside))
            return
        low, high = alt.get("minLength", 0), alt.get("maxLength")
        pattern = alt.get("pattern")

        def fits(text: str) -> bool:  # length and pattern; the `not` rules are probed below
            within = low <= len(text) and (high is None or len(text) <= high)
            return within and (pattern is None or ecma_search(pattern, text))

        texts = ["", "x" * max(low, 1)] + ([] if high is None else ["x" * (high + 1)])
        texts += list(PATTERN_PROBES) if pattern is not None else []
        yield from (self.probe(path, t, fits(t), f"{where} string") for t in texts)
        for banned in alternatives(alt.get("not", {"anyOf": []})):
            yield from (self.probe(path, v, False, f"{where} not enum") for v in banned.get("enum", []))
            if "pattern" in banned:
                literal = banned["pattern"].removeprefix("^")
                assert re.escape(literal) == literal, f"{where}: probe a non-literal `not` pattern by hand"
                yield self.probe(path, literal + "x", False, f"{where} not pattern")


def generate() -> tuple[list[Probe], set[str]]:
    reached: set[str] = set()
    probes = [p for i in range(len(BASES)) for p in Walker(i, reached).walk(SCHEMA, (), "")]
    # The same rule and value reached from two base documents says nothing new: keep the first.
    unique = {str(p): p for p in reversed(probes)}
    return list(reversed(unique.values())), reached


PROBES, REACHED = generate()


def schema_fields(node: dict[str, Any], where: str, out: set[str]) -> set[str]:
    """Every field path of the schema, named as the walker names them."""
    out.add(where)
    alts = alternatives(node)
    objects = [a for a in alts if a.get("type") == "object"]
    for alt in alts:
        if alt.get("type") == "object":
            label = branch_label(alt) if len(objects) > 1 else ""
            for key, child in alt.get("properties", {}).items():
                schema_fields(child, f"{where}{label}.{key}" if where + label else key, out)
        elif alt.get("type") == "array":
            schema_fields(alt["items"], f"{where}[]", out)
    return out


def test_the_base_documents_parse() -> None:
    for doc in BASES:
        parse(doc)


def test_every_field_of_the_schema_is_probed() -> None:
    missing = schema_fields(SCHEMA, "", set()) - REACHED
    assert not missing, f"no base document reaches {sorted(missing)}: add one to base_documents()"


@pytest.mark.parametrize("probe", PROBES, ids=str)
def test_the_parser_accepts_exactly_what_the_schema_accepts(probe: Probe) -> None:
    doc = mutate(BASES[probe.base], probe.path, probe.value)
    if probe.valid:
        parse(doc)
    else:
        with pytest.raises(SpecError):
            parse(doc)


def test_optional_keys_default_as_the_schema_says() -> None:
    def defaults(node: dict[str, Any], path: Loc) -> Iterator[tuple[Loc, Any]]:
        for key, child in resolve(node).get("properties", {}).items():
            if "default" in child:
                yield (*path, key), child["default"]
            yield from defaults(child, (*path, key))

    found = list(defaults(TRAIN, ()))
    assert found, "the schema has no defaults: drop this test"
    for path, default in found:
        parsed: Any = parse_spec(mutate(BASES[0], path, DELETE))
        for key in path:
            parsed = getattr(parsed, str(key))
        assert parsed == default, path
    assert DEFAULT_MAX_REJECT_FRACTION in [d for _, d in found]


def reserved_rules() -> list[dict[str, Any]]:
    """Every `not` rule in the schema: the columns the text column must not be named."""
    found: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if "not" in node:
                found.append(node["not"])
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(SCHEMA)
    return found


def test_reserved_columns_are_the_jobs() -> None:
    rules = reserved_rules()
    assert len(rules) == 4  # the training input, both predict inputs and the model's text column
    for rule in rules:
        names, prefix = rule["anyOf"]
        assert set(names["enum"]) == columns.RESERVED
        assert prefix["pattern"] == "^" + columns.RESERVED_PREFIX
    # Every column the job adds is reserved by one of the two rules.
    added = [v for k, v in vars(columns).items() if k.isupper() and k != "RESERVED_PREFIX"]
    added = [c for c in added if isinstance(c, str)] + [rejects.CORRUPT]
    assert [c for c in added if not columns.is_reserved(c)] == []


def test_limits_and_choices_are_the_jobs() -> None:
    assert DEFS["label_values"]["maxItems"] == ingest.MAX_CLASSES
    assert (TRAIN["properties"]["spec_version"]["const"],) == SUPPORTED_SPEC_VERSIONS
    assert tuple(TRAIN["properties"]["run"]["properties"]["target"]["enum"]) == TARGETS
    cv = TRAIN["properties"]["training"]["properties"]["cv"]["properties"]
    assert tuple(cv["metric"]["enum"]) == CV_METRICS
    (language, _) = alternatives(TRAIN["properties"]["text"]["properties"]["stop_words"])[:2]
    assert tuple(language["properties"]["language"]["enum"]) == STOP_WORD_LANGUAGES
