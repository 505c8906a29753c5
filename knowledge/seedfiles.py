"""Reading and writing the knowledge base as readable files (YAML or JSON lines).

``read_dir`` parses and validates a whole directory into a :class:`Dataset`,
raising :class:`ValidationError` that names the file, row and field of the
first problem; nothing is written to any database here. ``write_dir`` writes
the same layout back. The layout is documented in ``knowledge/seed/README.md``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from .errors import ValidationError
from .models import Contact, Entry, Example, Intent, Source, Term, Text

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,79}$")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CONDITION_VALUES: dict[str, set[object] | None] = {
    "degree": {"phd", "master", "bachelor", "college"},
    "tier": {"top", "leading", "high_end", "young", "shortage"},
    "foreign": {True, False},
    "topic": None,  # an intent id, checked against the intents
    "district": None,
}
TERM_KINDS = {"word", "typo", "synonym", "filler"}
TABLES = ("intents", "contacts", "entries", "terms", "catalogue", "examples")
MAX_TEXT = 4000


@dataclass
class Dataset:
    intents: list[Intent] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    terms: list[Term] = field(default_factory=list)
    catalogue: list[dict[str, Any]] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class SeedRow:
    file: str
    number: int
    line: int | None
    data: Any

    def fail(self, fld: str | None, message: str) -> ValidationError:
        return ValidationError(self.file, self.number, fld, message, self.line)

    def text(self, fld: str, required: bool = True, limit: int = MAX_TEXT) -> str:
        value = self.data.get(fld)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(fld, "missing or empty")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.fail(fld, "must be text")
        try:
            value = str(value).strip()
        except ValueError:  # an integer of thousands of digits
            raise self.fail(fld, "is a number too long to be text") from None
        if len(value) > limit:
            raise self.fail(fld, f"longer than {limit} characters")
        return value

    def localized(self, fld: str, required: bool = True) -> Text:
        value = self.data.get(fld)
        if value is None and not required:
            return Text()
        if not isinstance(value, dict):
            raise self.fail(fld, "must have 'zh' and 'en' texts")
        sub = SeedRow(self.file, self.number, self.line, value)
        return Text(zh=_prefixed(sub, fld, "zh", required), en=_prefixed(sub, fld, "en", required))

    def str_list(self, fld: str) -> tuple[str, ...]:
        value = self.data.get(fld) or []
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                                  for v in value):
            raise self.fail(fld, "must be a list of texts")
        texts = [SeedRow(self.file, self.number, self.line, {fld: v}).text(fld, False) for v in value]
        return tuple(t for t in texts if t)


def _prefixed(row: SeedRow, parent: str, key: str, required: bool) -> str:
    try:
        return row.text(key, required)
    except ValidationError as exc:
        raise ValidationError(row.file, row.number, f"{parent}.{key}", exc.message, row.line) from None


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that dates stay text: ``reviewed: 2026-02-30`` is then a field
    the row's check names, instead of an error inside the YAML library."""


def _int_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """An integer, or its text when it has more digits than Python converts (the row's check names it)."""
    try:
        return loader.construct_yaml_int(node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
_Loader.add_constructor("tag:yaml.org,2002:int", _int_or_text)
UNREADABLE = (ValueError, RecursionError, OverflowError, TypeError, MemoryError)
"""What the YAML and JSON libraries raise, besides their own errors, on hostile input
(nesting thousands deep, an integer of thousands of digits)."""


def parse_yaml(raw: str, name: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data of one YAML document, dates kept as text.

    Raises :class:`ValidationError` naming ``name`` for anything that is not valid YAML.
    """
    loader = _Loader(raw)
    try:
        node = loader.get_single_node()
        return node, loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ValidationError(name, None, None, f"is not valid YAML: {getattr(exc, 'problem', None) or exc}",
                              mark.line + 1 if mark else None) from None
    except UNREADABLE as exc:
        raise ValidationError(name, None, None, f"cannot be read: {_brief(exc)}") from None
    finally:
        loader.dispose()


def load_yaml(raw: str, name: str) -> Any:
    """The data of one YAML document (see :func:`parse_yaml`)."""
    return parse_yaml(raw, name)[1]


def read_text(path: Path, name: str) -> str:
    """A file's text: UTF-8, with or without a byte-order mark; else a :class:`ValidationError`."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(name, None, None, "is not UTF-8 text (save it as UTF-8)") from None
    except OSError as exc:
        raise ValidationError(name, None, None, f"cannot be read: {exc.strerror or exc}") from None


def _brief(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc).split(";")[0][:200] or type(exc).__name__


def _yaml_rows(path: Path, name: str) -> Iterator[SeedRow]:
    node, data = parse_yaml(read_text(path, name), name)
    if data is None:
        return
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise ValidationError(name, None, None, "must be a list of items")
    for number, item in enumerate(data, start=1):
        line = node.value[number - 1].start_mark.line + 1
        if not isinstance(item, dict):
            raise ValidationError(name, number, None, "must be a mapping of fields", line)
        yield SeedRow(name, number, line, item)


def _jsonl_rows(path: Path, name: str) -> Iterator[SeedRow]:
    number = 0
    for line_no, line in enumerate(read_text(path, name).splitlines(), start=1):
        if not line.strip():
            continue
        number += 1
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(name, number, None, f"is not valid JSON: {exc.msg}", line_no) from None
        except UNREADABLE as exc:
            raise ValidationError(name, number, None, f"cannot be read: {_brief(exc)}", line_no) from None
        if not isinstance(item, dict):
            raise ValidationError(name, number, None, "must be a JSON object", line_no)
        yield SeedRow(name, number, line_no, item)


def table_source(directory: Path, table: str) -> Path | None:
    """The file (or, for examples, the folder) that holds ``table`` in ``directory``; None when none does."""
    for suffix in (".yaml", ".jsonl"):
        path = directory / f"{table}{suffix}"
        if path.is_file():
            return path
    folder = directory / table
    return folder if table == "examples" and folder.is_dir() else None


def missing_tables(directory: Path) -> list[str]:
    """The tables of :data:`TABLES` that ``directory`` has no file for."""
    return [table for table in TABLES if table_source(directory, table) is None]


def seed_rows(directory: Path, table: str) -> Iterator[SeedRow]:
    path = table_source(directory, table)
    if path is None:
        return
    if path.is_dir():
        yield from _example_dir_rows(path)
    else:
        yield from (_yaml_rows if path.suffix == ".yaml" else _jsonl_rows)(path, path.name)


def _example_dir_rows(folder: Path) -> Iterator[SeedRow]:
    for path in sorted(folder.glob("*.yaml")):
        name = f"examples/{path.name}"
        data = load_yaml(read_text(path, name), name)
        if not isinstance(data, dict) or not isinstance(data.get("examples"), list):
            raise ValidationError(name, None, "examples", "must have 'intent' and a list 'examples'")
        intent = data.get("intent")
        for number, text in enumerate(data["examples"], start=1):
            yield SeedRow(name, number, None, {"text": text, "intent": intent, "origin": "seed"})


def _date(row: SeedRow, fld: str, required: bool) -> str | None:
    value = row.data.get(fld)
    if value is None or value == "":
        if required:
            raise row.fail(fld, "missing date (YYYY-MM-DD)")
        return None
    text = value.isoformat() if isinstance(value, date) else row.text(fld)
    try:
        if not DATE_RE.fullmatch(text):
            raise ValueError(text)
        date.fromisoformat(text)
    except ValueError:
        raise row.fail(fld, f"'{text[:40]}' is not a date of the form YYYY-MM-DD") from None
    return text


def _id(row: SeedRow, fld: str = "id") -> str:
    value = row.text(fld)
    if not ID_RE.match(value):
        raise row.fail(fld, f"'{value[:40]}' is not a valid id (lowercase letters, digits, - _ ., at most 80)")
    return value


def parse_intent(row: SeedRow) -> Intent:
    kind = row.text("kind")
    if kind not in ("policy", "conversation"):
        raise row.fail("kind", "must be 'policy' or 'conversation'")
    return Intent(id=_id(row), kind=kind, label=row.localized("label"))


def parse_contact(row: SeedRow) -> Contact:
    return Contact(
        id=_id(row), name=row.localized("name"), topics=row.str_list("topics"),
        phone=row.text("phone", required=False) or None,
        address=row.localized("address", required=False) if row.data.get("address") else Text(),
        hours=row.localized("hours", required=False) if row.data.get("hours") else Text(),
        url=row.text("url", required=False) or None,
        note=row.localized("note", required=False) if row.data.get("note") else Text(),
        fact=row.text("fact", required=False) or None,
    )


def _source(row: SeedRow, index: int, item: object) -> Source:
    fld = f"sources[{index}]"
    if not isinstance(item, dict):
        raise row.fail(fld, "must be a mapping with fact, title, url, date")
    sub = SeedRow(row.file, row.number, row.line, item)
    try:
        return Source(fact=sub.text("fact"), title=sub.text("title"),
                      url=sub.text("url", required=False) or None, date=_date(sub, "date", False))
    except ValidationError as exc:
        raise row.fail(f"{fld}.{exc.field}", exc.message) from None


def parse_entry(row: SeedRow) -> Entry:
    conditions = row.data.get("conditions") or {}
    if not isinstance(conditions, dict):
        raise row.fail("conditions", "must be a mapping such as {degree: phd}")
    for key, value in conditions.items():
        if key not in CONDITION_VALUES:
            raise row.fail(f"conditions.{key}", f"unknown condition (known: {', '.join(CONDITION_VALUES)})")
        allowed = CONDITION_VALUES[key]
        if not isinstance(value, (str, bool)):
            raise row.fail(f"conditions.{key}", "must be one word (or true/false for foreign)")
        if allowed is not None and value not in allowed:
            raise row.fail(f"conditions.{key}", f"'{value}' is not one of {sorted(map(str, allowed))}")
    sources = row.data.get("sources") or []
    if not isinstance(sources, list):
        raise row.fail("sources", "must be a list")
    status = row.text("status", required=False) or "active"
    if status not in ("active", "retired"):
        raise row.fail("status", "must be 'active' or 'retired'")
    return Entry(
        id=_id(row), intent=row.text("intent"), title=row.localized("title"),
        answer=row.localized("answer"), conditions=dict(conditions),
        questions=row.str_list("questions"),
        sources=tuple(_source(row, i, s) for i, s in enumerate(sources)),
        contact=row.text("contact", required=False) or None,
        followups=row.str_list("followups"), effective=_date(row, "effective", False),
        reviewed=_date(row, "reviewed", False), status=status,
    )


def parse_term(row: SeedRow) -> Term:
    kind = row.text("kind", required=False) or "word"
    if kind not in TERM_KINDS:
        raise row.fail("kind", f"must be one of {sorted(TERM_KINDS)}")
    canonical = row.text("canonical", required=kind in ("typo", "synonym")) or None
    return Term(term=row.text("term", limit=40), kind=kind, canonical=canonical)


def parse_catalogue(row: SeedRow) -> dict[str, Any]:
    return {"occupation": row.text("occupation", limit=200), "industry": row.text("industry", False, 200),
            "level": row.text("level", False, 100), "notes": row.text("notes", False),
            "source": row.text("source", False)}


def parse_example(row: SeedRow) -> Example:
    return Example(text=row.text("text", limit=1000), intent=row.text("intent"),
                   origin=row.text("origin", required=False) or "seed")


PARSERS: dict[str, Callable[[SeedRow], Any]] = {
    "intents": parse_intent, "contacts": parse_contact, "entries": parse_entry,
    "terms": parse_term, "catalogue": parse_catalogue, "examples": parse_example,
}


def read_dir(directory: Path | str) -> Dataset:
    """Parse and cross-check every file of a seed or export directory."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValidationError(str(directory), None, None, "is not a directory")
    missing = missing_tables(directory)
    if missing:
        raise ValidationError(str(directory), None, None, missing_message(missing))
    data = Dataset()
    rows_of: dict[str, list[SeedRow]] = {}
    for table in TABLES:
        rows = list(seed_rows(directory, table))
        rows_of[table] = rows
        setattr(data, table, [parse_row(table, row) for row in rows])
    check(data, rows_of)
    return data


def missing_message(missing: list[str]) -> str:
    files = ", ".join(f"{t}.yaml" + (" (or examples/)" if t == "examples" else "") for t in missing)
    return (f"has no file for {files}: a directory to load must hold every table "
            "(an empty list where a table is empty); `kb export DIR` writes one")


def parse_row(table: str, row: SeedRow) -> Any:
    """One row parsed by its table's parser; a value of a type no check foresaw is still a
    :class:`ValidationError` naming the row, never a crash."""
    try:
        return PARSERS[table](row)
    except UNREADABLE as exc:
        raise row.fail(None, f"has a value of the wrong form ({_brief(exc)})") from None


def check(data: Dataset, rows_of: dict[str, list[SeedRow]]) -> None:
    """Cross-references: unique ids, known intents and contacts."""
    intents = {i.id for i in data.intents}
    contacts = {c.id for c in data.contacts}
    for table, key in (("intents", "id"), ("contacts", "id"), ("entries", "id"), ("terms", "term")):
        seen: set[str] = set()
        for row, item in zip(rows_of[table], getattr(data, table)):
            value = getattr(item, key)
            if value in seen:
                raise row.fail(key, f"'{value}' appears twice")
            seen.add(value)
    for row, entry in zip(rows_of["entries"], data.entries):
        if entry.intent not in intents:
            raise row.fail("intent", f"unknown intent '{entry.intent}'")
        if entry.contact and entry.contact not in contacts:
            raise row.fail("contact", f"unknown contact '{entry.contact}'")
        for fu in entry.followups:
            if fu not in intents:
                raise row.fail("followups", f"unknown intent '{fu}'")
        topic = entry.conditions.get("topic")
        if topic is not None and topic not in intents:
            raise row.fail("conditions.topic", f"unknown intent '{topic}'")
    for row, contact in zip(rows_of["contacts"], data.contacts):
        for topic in contact.topics:
            if topic not in intents:
                raise row.fail("topics", f"unknown intent '{topic}'")
    seen_examples: set[tuple[str, str]] = set()
    for row, example in zip(rows_of["examples"], data.examples):
        if example.intent not in intents:
            raise row.fail("intent", f"unknown intent '{example.intent}'")
        pair = (example.text, example.intent)
        if pair in seen_examples:
            raise row.fail("text", f"'{example.text}' appears twice for {example.intent}")
        seen_examples.add(pair)


# ---------------------------------------------------------------- writing


def entry_to_mapping(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entry.id, "intent": entry.intent}
    if entry.conditions:
        out["conditions"] = dict(entry.conditions)
    out["title"] = entry.title.as_dict()
    if entry.questions:
        out["questions"] = list(entry.questions)
    out["answer"] = entry.answer.as_dict()
    if entry.sources:
        out["sources"] = [{"fact": s.fact, "title": s.title, "url": s.url, "date": s.date} for s in entry.sources]
    for key in ("contact", "effective", "reviewed"):
        if getattr(entry, key):
            out[key] = getattr(entry, key)
    if entry.followups:
        out["followups"] = list(entry.followups)
    out["status"] = entry.status
    return out


def contact_to_mapping(contact: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {"id": contact.id, "name": contact.name.as_dict(), "topics": list(contact.topics),
                           "phone": contact.phone}
    for key in ("address", "hours", "note"):
        value: Text = getattr(contact, key)
        out[key] = value.as_dict() if (value.zh or value.en) else None
    out["url"], out["fact"] = contact.url, contact.fact
    return out


def to_mappings(data: Dataset) -> dict[str, list[dict[str, Any]]]:
    return {
        "intents": [{"id": i.id, "kind": i.kind, "label": i.label.as_dict()} for i in data.intents],
        "contacts": [contact_to_mapping(c) for c in data.contacts],
        "entries": [entry_to_mapping(e) for e in data.entries],
        "terms": [{k: v for k, v in (("term", t.term), ("kind", t.kind), ("canonical", t.canonical)) if v}
                  for t in data.terms],
        "catalogue": [dict(c) for c in data.catalogue],
        "examples": [{"text": e.text, "intent": e.intent, "origin": e.origin} for e in data.examples],
    }


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def write_dir(data: Dataset, directory: Path | str, fmt: str = "yaml") -> list[Path]:
    """Write one file per table (examples grouped per intent in YAML)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for table, rows in to_mappings(data).items():
        if fmt == "jsonl":
            path = directory / f"{table}.jsonl"
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
            written.append(path)
        elif table == "examples":
            written.extend(_write_example_files(rows, directory / "examples"))
        else:
            path = directory / f"{table}.yaml"
            path.write_text(dump_yaml(rows), encoding="utf-8")
            written.append(path)
    return written


def _write_example_files(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    by_intent: dict[str, list[str]] = {}
    for row in rows:
        by_intent.setdefault(row["intent"], []).append(row["text"])
    paths = []
    for intent, texts in sorted(by_intent.items()):
        path = folder / f"{intent}.yaml"
        path.write_text(dump_yaml({"intent": intent, "examples": texts}), encoding="utf-8")
        paths.append(path)
    return paths
