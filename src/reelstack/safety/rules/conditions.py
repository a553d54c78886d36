"""Rule conditions: a small declarative tree, parsed and checked once, evaluated without ``eval``.

``{all: [c, ...]}``, ``{any: [c, ...]}``, ``{not: c}`` and leaves
``{fact: score.spam, op: ">=", value: 0.5}`` with ops ``== != > >= < <= in contains exists``.
Parsing checks every fact name against the namespace (``facts.py``), that the op suits the
fact's type and the value suits the op, and bounds the tree (depth, node count, no cycles
through YAML aliases), naming the path of what is wrong: ``when.all[1].op``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reelstack.safety.rules.facts import FactType

MAX_DEPTH = 12
MAX_NODES = 200
MAX_LIST_VALUES = 1_000
ORDER_OPS = (">", ">=", "<", "<=")
OPS = ("==", "!=", *ORDER_OPS, "in", "contains", "exists")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPE_CHECKS: dict[str, Callable[[object], bool]] = {
    "number": _is_number,
    "string": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
}


@dataclass(frozen=True, slots=True)
class Leaf:
    fact: str
    op: str
    value: Any = True

    def test(self, facts: Mapping[str, Any]) -> bool:
        actual = facts.get(self.fact)
        if self.op == "exists":
            return (actual is not None) == self.value
        if actual is None:
            return False
        if self.op in ORDER_OPS:
            if not (_is_number(actual) and _is_number(self.value)):
                return False
            if self.op == ">":
                return actual > self.value
            if self.op == ">=":
                return actual >= self.value
            if self.op == "<":
                return actual < self.value
            return actual <= self.value
        if self.op == "==":
            return bool(actual == self.value)
        if self.op == "!=":
            return bool(actual != self.value)
        if self.op == "in":
            return actual in self.value
        # contains: a list holding the value, or a string holding it as a substring
        if isinstance(actual, list):
            return self.value in actual
        return isinstance(actual, str) and isinstance(self.value, str) and self.value in actual

    def to_dict(self) -> dict[str, Any]:
        if self.op == "exists" and self.value is True:
            return {"fact": self.fact, "op": "exists"}
        return {"fact": self.fact, "op": self.op, "value": self.value}


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Condition, ...]

    def test(self, facts: Mapping[str, Any]) -> bool:
        return all(item.test(facts) for item in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {"all": [item.to_dict() for item in self.items]}


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]

    def test(self, facts: Mapping[str, Any]) -> bool:
        return any(item.test(facts) for item in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {"any": [item.to_dict() for item in self.items]}


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition

    def test(self, facts: Mapping[str, Any]) -> bool:
        return not self.item.test(facts)

    def to_dict(self) -> dict[str, Any]:
        return {"not": self.item.to_dict()}


Condition = Leaf | All | AnyOf | Not


class ConditionError(ValueError):
    """A condition that cannot be used; the message names where it is wrong."""


def parse_condition(
    data: Any, fact_type: Callable[[str], FactType], path: str = "when"
) -> Condition:
    """Check and build a condition tree; ``fact_type`` gives a fact's type or raises
    ``ValueError`` for a name outside the namespace."""
    return _Parser(fact_type).parse(data, path, 1, frozenset())


class _Parser:
    def __init__(self, fact_type: Callable[[str], FactType]) -> None:
        self.fact_type = fact_type
        self.nodes = 0

    def parse(self, data: Any, path: str, depth: int, above: frozenset[int]) -> Condition:
        if id(data) in above:
            raise ConditionError(f"{path}: the condition contains itself (a YAML alias cycle)")
        if depth > MAX_DEPTH:
            raise ConditionError(f"{path}: conditions may nest at most {MAX_DEPTH} levels deep")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ConditionError(f"{path}: a condition may have at most {MAX_NODES} parts")
        if not isinstance(data, dict):
            raise ConditionError(
                f"{path}: expected a mapping with one of all, any, not or fact/op/value, "
                f"got {type(data).__name__}"
            )
        above = above | {id(data)}
        if "fact" in data or "op" in data:
            return self.leaf(data, path)
        if len(data) != 1:
            raise ConditionError(
                f"{path}: expected exactly one of all, any, not (or fact/op/value), "
                f"got {sorted(map(str, data))}"
            )
        ((key, body),) = data.items()
        if key == "not":
            return Not(self.parse(body, f"{path}.not", depth + 1, above))
        if key not in ("all", "any"):
            raise ConditionError(f"{path}: unknown combinator {key!r}; use all, any or not")
        if not isinstance(body, list) or not body:
            raise ConditionError(f"{path}.{key}: expected a non-empty list of conditions")
        if id(body) in above:
            raise ConditionError(
                f"{path}.{key}: the condition contains itself (a YAML alias cycle)"
            )
        above = above | {id(body)}
        items = tuple(
            self.parse(item, f"{path}.{key}[{i}]", depth + 1, above) for i, item in enumerate(body)
        )
        return All(items) if key == "all" else AnyOf(items)

    def leaf(self, data: dict[Any, Any], path: str) -> Leaf:
        extra = set(data) - {"fact", "op", "value"}
        if extra:
            raise ConditionError(f"{path}: unknown keys {sorted(map(str, extra))} in a fact test")
        fact, op = data.get("fact"), data.get("op")
        if not isinstance(fact, str):
            raise ConditionError(f"{path}.fact: expected a fact name")
        try:
            kind = self.fact_type(fact)
        except ValueError as exc:
            raise ConditionError(f"{path}.fact: {exc}") from None
        if op not in OPS:
            raise ConditionError(f"{path}.op: unknown op {op!r}; use one of {' '.join(OPS)}")
        if op == "exists":
            value = data.get("value", True)
            if not isinstance(value, bool):
                raise ConditionError(f"{path}.value: exists takes true or false")
            return Leaf(fact, op, value)
        if "value" not in data:
            raise ConditionError(f"{path}.value: op {op!r} needs a value")
        value = _check_value(fact, kind, op, data["value"], path)
        return Leaf(fact, op, value)


def _check_value(fact: str, kind: FactType, op: str, value: Any, path: str) -> Any:
    where = f"{path}.value"
    if op in ORDER_OPS:
        if kind != "number":
            raise ConditionError(f"{path}.op: {op!r} compares numbers; {fact!r} is a {kind}")
        if not _is_number(value):
            raise ConditionError(f"{where}: {op!r} needs a number, got {value!r}")
        return value
    if op == "contains":
        if kind not in ("list", "string"):
            raise ConditionError(
                f"{path}.op: contains needs a list or string fact; {fact!r} is a {kind}"
            )
        if not isinstance(value, str):
            raise ConditionError(f"{where}: contains needs a string, got {value!r}")
        return _hashtag(fact, value)
    if op == "in":
        if kind == "list":
            raise ConditionError(f"{path}.op: {fact!r} is a list; use contains")
        if not isinstance(value, list) or not value or len(value) > MAX_LIST_VALUES:
            raise ConditionError(f"{where}: in needs a list of 1 to {MAX_LIST_VALUES} values")
        for member in value:
            if not _TYPE_CHECKS[kind](member):
                raise ConditionError(f"{where}: {member!r} is not a {kind} like {fact!r}")
        return list(value)
    # == and !=
    if not _TYPE_CHECKS[kind](value) or (
        kind == "list" and not all(isinstance(v, str) for v in value)
    ):
        raise ConditionError(f"{where}: {value!r} cannot equal {fact!r}, which is a {kind}")
    if kind == "list":
        return [_hashtag(fact, v) for v in value]
    return value


def _hashtag(fact: str, value: str) -> str:
    """Hashtag facts are lower-case without '#'; tests are written either way."""
    return value.lstrip("#").lower() if fact == "item.hashtags" else value
