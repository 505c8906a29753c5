"""The eligibility rule language: conditions over a person's profile, carried by entries.

An entry may hold an ``eligibility:`` block (documented in ``knowledge/seed/README.md``):
who the benefit is for (``requires``), how much this person gets (``amount``),
what is still missing before it is paid (``pending``), what would make it apply
(``almost``), what the check does not ask (``also``), its place in the
settling-in list (``step``) and whether the entry's answer offers the check or
the list (``offer``). This module parses and validates the block into frozen
values; :mod:`bot.engine.eligibility` evaluates them. Every key is looked up in
the tables below and nothing is ever evaluated as code, so a rule is data that
staff change with ``kb edit`` without a release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

from .models import Text

DISTRICTS = ("zhongshan", "xigang", "shahekou", "ganjingzi", "hightech", "lushunkou", "jinpu", "pulandian",
             "wafangdian", "zhuanghe", "changhai")


@dataclass(frozen=True)
class FieldSpec:
    """One profile field: ``kind`` is ``enum``, ``bool`` or ``int`` (with bounds)."""

    kind: str
    values: tuple[str, ...] = ()
    low: int = 0
    high: int = 0


FIELDS: dict[str, FieldSpec] = {
    "degree": FieldSpec("enum", ("phd", "master", "bachelor", "college", "secondary", "none")),
    "double_first_class": FieldSpec("bool"),
    "first_class_university": FieldSpec("bool"),  # 一流大学建设高校 (else 一流学科建设高校)
    "graduation_year": FieldSpec("int", low=1950, high=2100),
    "work": FieldSpec("enum", ("employed", "business", "coming", "none")),
    "district": FieldSpec("enum", DISTRICTS),
    "hukou": FieldSpec("bool"),
    "insurance_months": FieldSpec("int", low=0, high=600),
    "tier": FieldSpec("enum", ("top", "leading", "high_end", "young", "shortage", "none")),
    "origin": FieldSpec("enum", ("local", "introduced")),
    "housing": FieldSpec("enum", ("rent", "buy", "other")),
    "foreign": FieldSpec("bool"),
}
"""The fields of a profile, in the order the check asks about them."""

TESTS: dict[str, FieldSpec] = {
    "graduated_within_years": FieldSpec("int", low=0, high=50),  # graduated at most N years ago
    "in_graduation_year": FieldSpec("bool"),  # in the 12 months from 1 July before graduation
}
"""Named tests over the graduation year and today's date (their parameter, not a field value)."""

OPERATORS = ("min", "max", "not")
OFFERS = ("check", "bundle")
BLOCK_KEYS = ("benefit", "requires", "amount", "pending", "almost", "also", "step", "offer")
AMOUNT_KEYS = ("by", "values", "value", "text", "bonus", "unit", "note")


class RuleError(ValueError):
    """A rule that cannot be read; ``path`` names the place inside the block (``.requires.degree``)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Test:
    """One field (or named test) against its wanted values: any of ``values``, none of
    ``excluded``, at least ``low`` and at most ``high``."""

    key: str
    values: tuple[object, ...] = ()
    excluded: tuple[object, ...] = ()
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class Condition:
    """All ``tests`` hold and, when there are alternatives, at least one of ``alternatives``."""

    tests: tuple[Test, ...] = ()
    alternatives: tuple["Condition", ...] = ()

    def keys(self) -> frozenset[str]:
        """Every field and named test the condition reads, alternatives included."""
        found = {t.key for t in self.tests}
        for alternative in self.alternatives:
            found |= alternative.keys()
        return frozenset(found)


@dataclass(frozen=True)
class Bonus:
    when: Condition
    pct: float


@dataclass(frozen=True)
class Amount:
    """A number (flat ``value``, or ``values`` by one field) with a unit, or a ``text``.

    The highest applicable ``bonus`` raises the number by its percentage.
    """

    by: str | None = None
    values: Mapping[str, float] = field(default_factory=dict)
    value: float | None = None
    text: Text = Text()
    bonus: tuple[Bonus, ...] = ()
    unit: Text = Text()
    note: Text = Text()

    def keys(self) -> frozenset[str]:
        found = {self.by} if self.by else set()
        for bonus in self.bonus:
            found |= bonus.when.keys()
        return frozenset(found)


@dataclass(frozen=True)
class Pending:
    """A text shown while ``unless`` does not hold yet ("paid after 6 months of insurance")."""

    unless: Condition
    text: Text


@dataclass(frozen=True)
class Step:
    """A place in the settling-in list: its ``order`` and the ``channel`` to use."""

    order: int
    channel: Text = Text()


@dataclass(frozen=True)
class Eligibility:
    benefit: Text = Text()
    requires: Condition | None = None
    amount: Amount | None = None
    pending: tuple[Pending, ...] = ()
    almost: Mapping[str, Text] = field(default_factory=dict)
    also: tuple[Text, ...] = ()
    step: Step | None = None
    offer: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def keys(self) -> frozenset[str]:
        """Every field and named test the rule reads."""
        found: set[str] = set()
        if self.requires is not None:
            found |= self.requires.keys()
        if self.amount is not None:
            found |= self.amount.keys()
        for item in self.pending:
            found |= item.unless.keys()
        return frozenset(found)


# ---------------------------------------------------------------- parsing


def parse_eligibility(value: object) -> Eligibility:
    """The block of one entry, validated; :class:`RuleError` names the first problem's place."""
    block = _mapping(value, "", BLOCK_KEYS)
    offer = block.get("offer")
    if offer is not None and offer not in OFFERS:
        raise RuleError(".offer", f"'{offer}' is not one of {', '.join(OFFERS)}")
    requires = _condition(block["requires"], ".requires") if "requires" in block else None
    if requires is None and any(k in block for k in ("amount", "pending", "almost", "also")):
        raise RuleError(".requires", "missing: amount, pending, almost and also describe a benefit's rule")
    if requires is None and "step" not in block and offer is None:
        raise RuleError("", "needs requires, step or offer")
    almost = {k: _text(v, f".almost.{k}") for k, v in _mapping(block.get("almost") or {}, ".almost").items()}
    for key in almost:
        if requires is None or key not in requires.keys():
            raise RuleError(f".almost.{key}", "names a field that requires does not test")
    return Eligibility(
        benefit=_text(block["benefit"], ".benefit") if "benefit" in block else Text(),
        requires=requires,
        amount=_amount(block["amount"]) if "amount" in block else None,
        pending=tuple(_pending(item, f".pending[{i}]") for i, item in enumerate(_list(block, "pending"))),
        almost=almost,
        also=tuple(_text(item, f".also[{i}]") for i, item in enumerate(_list(block, "also"))),
        step=_step(block["step"]) if "step" in block else None,
        offer=offer,
        raw=json.loads(json.dumps(block, ensure_ascii=False, default=str)),
    )


def _mapping(value: object, path: str, known: tuple[str, ...] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleError(path, "must be a mapping")
    for key in value:
        if known is not None and key not in known:
            raise RuleError(f"{path}.{key}", f"unknown key (known: {', '.join(known)})")
    return {str(k): v for k, v in value.items()}


def _list(block: Mapping[str, Any], key: str) -> list[Any]:
    value = block.get(key) or []
    if not isinstance(value, list):
        raise RuleError(f".{key}", "must be a list")
    return value


def _text(value: object, path: str) -> Text:
    sub = _mapping(value, path, ("zh", "en"))
    for lang in ("zh", "en"):
        if not isinstance(sub.get(lang), str) or not sub[lang].strip():
            raise RuleError(f"{path}.{lang}", "missing or empty text")
    return Text(zh=sub["zh"].strip(), en=sub["en"].strip())


def _condition(value: object, path: str) -> Condition:
    mapping = _mapping(value, path)
    if not mapping:
        raise RuleError(path, "must name at least one field")
    tests, alternatives = [], []
    for key, wanted in mapping.items():
        if key == "any":
            if not isinstance(wanted, list) or len(wanted) < 2:
                raise RuleError(f"{path}.any", "must be a list of at least two conditions")
            alternatives = [_condition(item, f"{path}.any[{i}]") for i, item in enumerate(wanted)]
        else:
            tests.append(_test(key, wanted, f"{path}.{key}"))
    return Condition(tuple(tests), tuple(alternatives))


def _test(key: str, wanted: object, path: str) -> Test:
    spec = FIELDS.get(key) or TESTS.get(key)
    if spec is None:
        raise RuleError(path, f"unknown field (fields: {', '.join(FIELDS)}; tests: {', '.join(TESTS)})")
    if key in TESTS:
        return Test(key, (_value(spec, wanted, path),))
    if isinstance(wanted, dict):
        return _operators(key, spec, wanted, path)
    if isinstance(wanted, list):
        if not wanted:
            raise RuleError(path, "an empty list matches nobody")
        return Test(key, tuple(_value(spec, v, path) for v in wanted))
    return Test(key, (_value(spec, wanted, path),))


def _operators(key: str, spec: FieldSpec, wanted: dict[Any, Any], path: str) -> Test:
    ops = _mapping(wanted, path, OPERATORS)
    if not ops:
        raise RuleError(path, f"needs an operator ({', '.join(OPERATORS)})")
    if ("min" in ops or "max" in ops) and spec.kind != "int":
        raise RuleError(path, "min and max apply to numbers only")
    low = _value(spec, ops["min"], f"{path}.min") if "min" in ops else None
    high = _value(spec, ops["max"], f"{path}.max") if "max" in ops else None
    if isinstance(low, int) and isinstance(high, int) and low > high:
        raise RuleError(path, "min is larger than max")
    excluded = ops.get("not", [])
    excluded = excluded if isinstance(excluded, list) else [excluded]
    return Test(key, (), tuple(_value(spec, v, f"{path}.not") for v in excluded),
                low if isinstance(low, int) else None, high if isinstance(high, int) else None)


def _value(spec: FieldSpec, value: object, path: str) -> object:
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise RuleError(path, f"'{value}' must be true or false")
        return value
    if spec.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not spec.low <= value <= spec.high:
            raise RuleError(path, f"'{value}' must be a whole number from {spec.low} to {spec.high}")
        return value
    if value not in spec.values:
        raise RuleError(path, f"'{value}' is not one of {', '.join(spec.values)}")
    return value


def _amount(value: object) -> Amount:
    path = ".amount"
    block = _mapping(value, path, AMOUNT_KEYS)
    kinds = [k for k in ("values", "value", "text") if k in block]
    if len(kinds) != 1:
        raise RuleError(path, "needs exactly one of values (with by), value or text")
    by, values = block.get("by"), {}
    if "values" in block:
        spec = FIELDS.get(str(by)) if by is not None else None
        if spec is None or spec.kind != "enum":
            raise RuleError(f"{path}.by", f"'{by}' must name a field with named values ({_enums()})")
        for key, number in _mapping(block["values"], f"{path}.values").items():
            _value(spec, key, f"{path}.values.{key}")
            values[key] = _number(number, f"{path}.values.{key}")
    elif by is not None:
        raise RuleError(f"{path}.by", "by goes with values")
    number = _number(block["value"], f"{path}.value") if "value" in block else None
    if kinds[0] != "text" and "unit" not in block:
        raise RuleError(f"{path}.unit", "missing: a number needs its unit")
    bonus = tuple(_bonus(item, f"{path}.bonus[{i}]") for i, item in enumerate(_list(block, "bonus")))
    if bonus and kinds[0] == "text":
        raise RuleError(f"{path}.bonus", "a bonus raises a number, not a text")
    return Amount(by=by if isinstance(by, str) else None, values=values, value=number,
                  text=_text(block["text"], f"{path}.text") if "text" in block else Text(), bonus=bonus,
                  unit=_text(block["unit"], f"{path}.unit") if "unit" in block else Text(),
                  note=_text(block["note"], f"{path}.note") if "note" in block else Text())


def _enums() -> str:
    return ", ".join(k for k, s in FIELDS.items() if s.kind == "enum")


def _number(value: object, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise RuleError(path, f"'{value}' must be a number of at least 0")
    return float(value)


def _bonus(value: object, path: str) -> Bonus:
    block = _mapping(value, path, ("when", "pct"))
    if "when" not in block or "pct" not in block:
        raise RuleError(path, "needs when and pct")
    pct = _number(block["pct"], f"{path}.pct")
    if pct > 1000:
        raise RuleError(f"{path}.pct", "more than 1000 percent")
    return Bonus(_condition(block["when"], f"{path}.when"), pct)


def _pending(value: object, path: str) -> Pending:
    block = _mapping(value, path, ("unless", "zh", "en"))
    if "unless" not in block:
        raise RuleError(f"{path}.unless", "missing: the condition under which nothing is missing any more")
    return Pending(_condition(block["unless"], f"{path}.unless"),
                   _text({k: block.get(k) for k in ("zh", "en")}, path))


def _step(value: object) -> Step:
    block = _mapping(value, ".step", ("order", "channel"))
    order = block.get("order")
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 99:
        raise RuleError(".step.order", f"'{order}' must be a whole number from 1 to 99")
    channel = _text(block["channel"], ".step.channel") if "channel" in block else Text()
    return Step(order, channel)
