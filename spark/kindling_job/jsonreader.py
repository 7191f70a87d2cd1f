"""Reading a decoded JSON document with errors that name the key path (e.g. `training.cv.folds`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import SpecError

T = TypeVar("T")

# The CLI writes the spec from JavaScript numbers, exact only up to 2^53 - 1; the JSON Schema
# (schema/job-spec.schema.json) bounds every integer by it, and so does the job.
MAX_SAFE_INTEGER = 2**53 - 1


class JsonObject:
    """A JSON object being read; remembers its path and rejects keys nobody asked for."""

    def __init__(self, value: Any, path: str) -> None:
        if not isinstance(value, Mapping):
            raise SpecError(f"{path or 'spec'} must be an object, got {json_type(value)}")
        self.value = value
        self.path = path
        self.seen: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def raw(self, key: str, *, optional: bool = False) -> Any:
        self.seen.add(key)
        if key not in self.value:
            if optional:
                return None
            raise SpecError(f"missing key {self.at(key)}")
        return self.value[key]

    def obj(self, key: str) -> JsonObject:
        return JsonObject(self.raw(key), self.at(key))

    def text(self, key: str, *, nonempty: bool = True) -> str:
        v = self.raw(key)
        if not isinstance(v, str):
            raise SpecError(f"{self.at(key)} must be a string, got {json_type(v)}")
        if nonempty and v == "":
            raise SpecError(f"{self.at(key)} must not be empty")
        return v

    def flag(self, key: str) -> bool:
        v = self.raw(key)
        if not isinstance(v, bool):
            raise SpecError(f"{self.at(key)} must be true or false, got {json_type(v)}")
        return v

    def integer(
        self, key: str, *, minimum: int | None = None, maximum: int | None = None, nullable: bool = False
    ) -> Any:
        """The key is always required; `nullable` lets its value be null (the job decides)."""
        v = self.raw(key)
        if v is None and nullable:
            return None
        return as_int(v, self.at(key), minimum, maximum)

    def number(self, key: str) -> float:
        return as_number(self.raw(key), self.at(key))

    def choice(self, key: str, allowed: tuple[str, ...]) -> Any:
        v = self.text(key)
        if v not in allowed:
            raise SpecError(f"{self.at(key)} must be one of {', '.join(allowed)}; got {v!r}")
        return v

    def items(self, key: str, item: Callable[[Any, str], T], *, nonempty: bool = True) -> tuple[T, ...]:
        v = self.raw(key)
        if not isinstance(v, list):
            raise SpecError(f"{self.at(key)} must be a list, got {json_type(v)}")
        if nonempty and not v:
            raise SpecError(f"{self.at(key)} must not be empty")
        return tuple(item(x, f"{self.at(key)}[{i}]") for i, x in enumerate(v))

    def done(self) -> None:
        unknown = sorted(set(self.value) - self.seen)
        if unknown:
            names = ", ".join(self.at(k) for k in unknown)
            raise SpecError(f"unknown key(s) {names} (not part of job spec v1)")


def json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    return "an object"


def as_int(v: Any, path: str, minimum: int | None = None, maximum: int | None = None) -> int:
    # JSON has one number type; 10.0 is accepted as 10, True is not accepted as 1.
    if (
        isinstance(v, bool)
        or not isinstance(v, (int, float))
        or (isinstance(v, float) and not v.is_integer())
    ):
        raise SpecError(f"{path} must be an integer, got {json.dumps(v)}")
    n = int(v)
    if abs(n) > MAX_SAFE_INTEGER:
        raise SpecError(f"{path} must be between -(2^53 - 1) and 2^53 - 1, got {n}")
    if minimum is not None and n < minimum:
        raise SpecError(f"{path} must be >= {minimum}, got {n}")
    if maximum is not None and n > maximum:
        raise SpecError(f"{path} must be <= {maximum}, got {n}")
    return n


def as_number(v: Any, path: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SpecError(f"{path} must be a number, got {json.dumps(v)}")
    return float(v)
