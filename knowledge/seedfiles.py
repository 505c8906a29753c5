"""Reading and writing the knowledge base as readable files (YAML or JSON lines).

``read_dir`` parses and validates a whole directory into a :class:`Dataset`,
raising :class:`ValidationError` that names the file, row and field of the
first problem; nothing is written to any database here. ``write_dir`` writes
the same layout back. The layout is documented in ``knowledge/seed/README.md``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    import yaml

from .errors import ValidationError
from .models import (
    FACT_STATUSES,
    SOURCE_KINDS,
    STAFF_SOURCE_ID,
    Contact,
    Entry,
    Example,
    Fact,
    Intent,
    Source,
    Term,
    Text,
    Window,
)
from .rules import Eligibility, RuleError, parse_eligibility

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,79}$")
DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
FACT_ID_RE = re.compile(r"^(?:F-\d{2,3}|N-\d{2})$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
CONDITION_VALUES: dict[str, set[object] | None] = {
    "degree": {"phd", "master", "bachelor", "college"},
    "tier": {"top", "leading", "high_end", "young", "shortage"},
    "foreign": {True, False},
    "double_first_class": {True, False},
    "topic": None,  # an intent id, checked against the intents
    "district": None,
}
TERM_KINDS = {"word", "typo", "synonym", "filler"}
TABLES = ("intents", "contacts", "sources", "facts", "entries", "terms", "catalogue", "examples")
REGISTERS = ("sources", "facts")
ENTRY_DIR = "entries"  # entries/<intent>.yaml; the single entries.yaml of older exports is read too
MAX_TEXT = 4000


@dataclass
class Dataset:
    intents: list[Intent] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
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


@cache
def _loader(fast: bool = False) -> "type[yaml.SafeLoader]":
    """YAML's safe loader, except that dates stay text: ``reviewed: 2026-02-30`` is then a field
    the row's check names, instead of an error inside the YAML library. ``fast``: the same loader on
    libyaml's parser (when the YAML library has it), for text :func:`_shallow` has checked. (The YAML
    library is imported when a file is read: a serving process reads the database only.)"""
    import yaml

    base = yaml.CSafeLoader if fast and yaml.__with_libyaml__ else yaml.SafeLoader

    class _Loader(base):  # type: ignore[valid-type,misc]
        pass

    def _int_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
        """An integer, or its text when it has more digits than Python converts (the row's check names it)."""
        try:
            return loader.construct_yaml_int(node)
        except ValueError:
            return loader.construct_scalar(node)

    _Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))
    _Loader.add_constructor("tag:yaml.org,2002:int", _int_or_text)
    return _Loader


UNREADABLE = (ValueError, RecursionError, OverflowError, TypeError, MemoryError)
"""What the YAML and JSON libraries raise, besides their own errors, on hostile input
(nesting thousands deep, an integer of thousands of digits)."""

FAST_DEPTH = 64
"""Nesting up to which libyaml builds the node tree. Its tree builder recurses in C, where nesting
thousands deep ends the process instead of raising; deeper text (no real file comes near) is read by
the pure-Python loader, which names it as nested too deeply."""


def _shallow(raw: str) -> bool:
    """Whether libyaml may build ``raw``'s node tree: valid YAML no deeper than :data:`FAST_DEPTH`.

    libyaml's event parser keeps its own stack (no recursion), so reading the events is safe
    on any input; anything it refuses goes to the pure-Python loader, whose messages the checks quote."""
    import yaml

    if not yaml.__with_libyaml__:
        return False
    depth = 0
    try:
        for event in yaml.parse(raw, Loader=yaml.CSafeLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > FAST_DEPTH:
                    return False
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except (yaml.YAMLError, *UNREADABLE):
        return False
    return True


def parse_yaml(raw: str, name: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data of one YAML document, dates kept as text.

    Raises :class:`ValidationError` naming ``name`` for anything that is not valid YAML.
    """
    import yaml

    loader = _loader(_shallow(raw))(raw)
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
    import yaml

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
    """The file (or, for entries and examples, the folder) that holds ``table`` in ``directory``;
    None when none does."""
    for suffix in (".yaml", ".jsonl"):
        path = directory / f"{table}{suffix}"
        if path.is_file():
            return path
    folder = directory / table
    return folder if table in ("examples", ENTRY_DIR) and folder.is_dir() else None


def missing_tables(directory: Path) -> list[str]:
    """The tables of :data:`TABLES` that ``directory`` has no file for (the registers may come from the seed)."""
    return [table for table in TABLES
            if table_source(register_dir(directory) if table in REGISTERS else directory, table) is None]


def seed_rows(directory: Path, table: str) -> Iterator[SeedRow]:
    if table == "entries" and (directory / ENTRY_DIR).is_dir():
        yield from _entry_dir_rows(directory)
        return
    path = table_source(directory, table)
    if path is None:
        return
    if path.is_dir():
        yield from _example_dir_rows(path)
    else:
        yield from (_yaml_rows if path.suffix == ".yaml" else _jsonl_rows)(path, path.name)


def _entry_dir_rows(directory: Path) -> Iterator[SeedRow]:
    """``entries/*.yaml`` (each a list of entries), then the single ``entries.yaml`` of an older layout.

    While both exist (the content moves to one file per intent), an intent that
    has its own file is read from that file only, and ``entries.yaml`` keeps the
    entries of the other intents.
    """
    paths = sorted((directory / ENTRY_DIR).glob("*.yaml"))
    covered: set[str] = set()
    for path in paths:
        for row in _yaml_rows(path, f"{ENTRY_DIR}/{path.name}"):
            covered.add(str(row.data.get("intent") or ""))
            yield row
    legacy = directory / "entries.yaml"
    if legacy.is_file():
        for row in _yaml_rows(legacy, legacy.name):
            if str(row.data.get("intent") or "") not in covered:
                yield row


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


def _partial_date(row: SeedRow, fld: str) -> str | None:
    """A date that may be only a year or a month: YYYY, YYYY-MM or YYYY-MM-DD."""
    value = row.data.get(fld)
    if value is None or value == "":
        return None
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    if not PARTIAL_DATE_RE.match(text):
        raise row.fail(fld, f"'{text}' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    if len(text) == 10:
        _date(row, fld, False)
    return text


def _fact_ids(row: SeedRow, fld: str) -> tuple[str, ...]:
    ids = row.str_list(fld)
    for value in ids:
        if not FACT_ID_RE.match(value):
            raise row.fail(fld, f"'{value}' is not a fact id (F-01 ... F-113, N-01, N-02)")
    if len(set(ids)) != len(ids):
        raise row.fail(fld, "names a fact twice")
    return ids


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
        aliases=row.str_list("aliases"),
    )


def parse_source(row: SeedRow) -> Source:
    """One record of the source register (``sources.yaml``)."""
    kind = row.text("kind")
    if kind not in SOURCE_KINDS:
        raise row.fail("kind", f"must be one of {', '.join(SOURCE_KINDS)}")
    return Source(
        id=_id(row), title=row.localized("title"),
        office=row.localized("office", required=False) if row.data.get("office") else Text(),
        number=row.text("number", required=False) or None, url=row.text("url", required=False) or None,
        date=_partial_date(row, "date"), kind=kind, facts=_fact_ids(row, "facts"),
        note=row.text("note", required=False) or None,
    )


def parse_fact(row: SeedRow) -> Fact:
    """One fact of the facts register (``facts.yaml``)."""
    fact_id = row.text("id")
    if not FACT_ID_RE.match(fact_id):
        raise row.fail("id", f"'{fact_id}' is not a fact id (F-01 ... F-113, N-01, N-02)")
    status = row.text("status", required=False) or "current"
    if status not in FACT_STATUSES:
        raise row.fail("status", f"must be one of {', '.join(FACT_STATUSES)}")
    superseded_by = _fact_ids(row, "superseded_by")
    if status == "superseded" and not superseded_by:
        raise row.fail("superseded_by", "a superseded fact names the facts that replace it")
    return Fact(
        id=fact_id, title=row.text("title", limit=300), statement=row.text("statement", limit=8000),
        date=row.text("date", required=False, limit=300) or None,
        confidence=row.text("confidence", required=False, limit=200) or None, status=status,
        superseded_by=superseded_by, note=row.text("note", required=False, limit=8000) or None,
        unused_reason=row.text("unused_reason", required=False) or None,
    )


def _legacy_sources(row: SeedRow, items: list[object]) -> tuple[list[str], list[str]]:
    """The older ``sources: [{fact, title, url, date}]`` form: each item stands for its fact.

    Returns (fact ids, explicit source ids); a staff answer (``fact: staff``) cites
    the built-in staff source.
    """
    facts: list[str] = []
    sources: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise row.fail(f"sources[{index}]", "must be a source id, or a mapping with fact, title, url, date")
        fact = str(item.get("fact") or "").strip()
        if fact == STAFF_SOURCE_ID:
            sources.append(STAFF_SOURCE_ID)
        elif FACT_ID_RE.match(fact):
            if fact not in facts:
                facts.append(fact)
        else:
            raise row.fail(f"sources[{index}].fact", f"'{fact}' is not a fact id (F-01 ... F-113, N-01, N-02)")
    return facts, sources


def _window(row: SeedRow) -> Window | None:
    value = row.data.get("window")
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"opens", "closes", "yearly"}:
        raise row.fail("window", "must be a mapping with opens, closes (YYYY-MM-DD) and yearly (true/false)")
    sub = SeedRow(row.file, row.number, row.line, value)
    try:
        opens, closes = _date(sub, "opens", False), _date(sub, "closes", False)
    except ValidationError as exc:
        raise row.fail(f"window.{exc.field}", exc.message) from None
    yearly = value.get("yearly", False)
    if not isinstance(yearly, bool):
        raise row.fail("window.yearly", "must be true or false")
    if not (opens or closes):
        raise row.fail("window", "needs opens or closes")
    if opens and closes and closes < opens:
        raise row.fail("window.closes", "is before window.opens")
    return Window(opens, closes, yearly)


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
    raw_sources = row.data.get("sources") or []
    if not isinstance(raw_sources, list):
        raise row.fail("sources", "must be a list of source ids")
    facts = list(_fact_ids(row, "facts"))
    if any(isinstance(s, dict) for s in raw_sources):
        legacy_facts, sources = _legacy_sources(row, raw_sources)
        facts += [f for f in legacy_facts if f not in facts]
    else:
        sources = list(row.str_list("sources"))
    status = row.text("status", required=False) or "active"
    if status not in ("active", "retired"):
        raise row.fail("status", "must be 'active' or 'retired'")
    return Entry(
        id=_id(row), intent=row.text("intent"), title=row.localized("title"),
        answer=row.localized("answer"), conditions=dict(conditions),
        questions=row.str_list("questions"), facts=tuple(facts), sources=tuple(sources),
        contact=row.text("contact", required=False) or None,
        followups=row.str_list("followups"), effective=_date(row, "effective", False),
        reviewed=_date(row, "reviewed", False), status=status, window=_window(row),
        eligibility=_eligibility(row),
    )


def _eligibility(row: SeedRow) -> Eligibility | None:
    value = row.data.get("eligibility")
    if value is None:
        return None
    try:
        return parse_eligibility(value)
    except RuleError as exc:
        raise row.fail(f"eligibility{exc.path}", exc.message) from None


def parse_term(row: SeedRow) -> Term:
    kind = row.text("kind", required=False) or "word"
    if kind not in TERM_KINDS:
        raise row.fail("kind", f"must be one of {sorted(TERM_KINDS)}")
    canonical = row.text("canonical", required=kind in ("typo", "synonym")) or None
    return Term(term=row.text("term", limit=40), kind=kind, canonical=canonical)


CATALOGUE_FIELDS = ("occupation", "occupation_en", "aliases", "industry", "level", "stars", "edition", "source",
                    "notes")


def parse_catalogue(row: SeedRow) -> dict[str, Any]:
    """One occupation of the shortage-talent catalogue, as published (staff import it; see ``catalogue``)."""
    stars = row.data.get("stars")
    if stars in (None, ""):
        stars = None
    else:
        try:
            stars = int(str(stars).strip().rstrip("星★*"))
        except ValueError:
            raise row.fail("stars", f"'{stars}' is not a number of stars (1-5)") from None
        if not 1 <= stars <= 5:
            raise row.fail("stars", f"'{stars}' is not a number of stars (1-5)")
    raw_aliases = row.data.get("aliases")
    if isinstance(raw_aliases, str):  # a CSV cell: names separated by | ; or 、
        row = SeedRow(row.file, row.number, row.line,
                      {**row.data, "aliases": [a for a in re.split(r"[|;；、]", raw_aliases) if a.strip()]})
    return {"occupation": row.text("occupation", limit=200),
            "occupation_en": row.text("occupation_en", False, 200) or None,
            "aliases": list(row.str_list("aliases")),
            "industry": row.text("industry", False, 200) or None, "level": row.text("level", False, 100) or None,
            "stars": stars, "edition": row.text("edition", False, 100) or None,
            "source": row.text("source", False) or None, "notes": row.text("notes", False) or None}


CATALOGUE_HEADERS = {
    "occupation": "occupation", "职业": "occupation", "岗位": "occupation", "岗位名称": "occupation",
    "occupation_en": "occupation_en", "英文名称": "occupation_en", "english": "occupation_en",
    "aliases": "aliases", "别名": "aliases", "industry": "industry", "行业": "industry", "产业": "industry",
    "level": "level", "层级": "level", "等级": "level", "stars": "stars", "星级": "stars", "紧缺程度": "stars",
    "edition": "edition", "版本": "edition", "目录版本": "edition", "source": "source", "来源": "source",
    "notes": "notes", "备注": "notes",
}


def catalogue_csv_rows(path: Path) -> list[SeedRow]:
    """The rows of a published catalogue in CSV (UTF-8; headers in English or Chinese, see CATALOGUE_HEADERS).

    Each row must name the occupation, the edition and where the list comes from (source).
    """
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(name, None, None, "is not UTF-8 text (save the CSV as UTF-8)") from None
    except OSError as exc:
        raise ValidationError(name, None, None, f"cannot be read: {exc}") from None
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise ValidationError(name, None, None, "is empty: the first line names the columns")
    columns = []
    for title in header:
        key = CATALOGUE_HEADERS.get(title.strip().lower(), CATALOGUE_HEADERS.get(title.strip()))
        if key is None:
            raise ValidationError(name, None, title, f"unknown column (known: {', '.join(CATALOGUE_FIELDS)})", 1)
        columns.append(key)
    for needed in ("occupation", "edition", "source"):
        if needed not in columns:
            raise ValidationError(name, None, needed, "missing column", 1)
    rows = []
    for number, cells in enumerate(reader, start=1):
        if not any(c.strip() for c in cells):
            continue
        data = {key: cells[i].strip() if i < len(cells) else "" for i, key in enumerate(columns)}
        row = SeedRow(name, number, number + 1, data)
        for needed in ("edition", "source"):
            row.text(needed)  # required in an import (raises naming the row and field)
        rows.append(row)
    if not rows:
        raise ValidationError(name, None, None, "holds no occupations")
    return rows


def parse_example(row: SeedRow) -> Example:
    return Example(text=row.text("text", limit=1000), intent=row.text("intent"),
                   origin=row.text("origin", required=False) or "seed")


PARSERS: dict[str, Callable[[SeedRow], Any]] = {
    "intents": parse_intent, "contacts": parse_contact, "sources": parse_source, "facts": parse_fact,
    "entries": parse_entry, "terms": parse_term, "catalogue": parse_catalogue, "examples": parse_example,
}

SEED_DIR = Path(__file__).resolve().parent / "seed"


def register_dir(directory: Path) -> Path:
    """Where the source and fact registers of ``directory`` are read from.

    An export made before the registers existed has neither file: it is read
    with the registers of the seed, so that importing it keeps them.
    """
    has = any((directory / f"{t}{s}").is_file() for t in REGISTERS for s in (".yaml", ".jsonl"))
    return directory if has else SEED_DIR


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
        rows = list(seed_rows(register_dir(directory) if table in REGISTERS else directory, table))
        rows_of[table] = rows
        setattr(data, table, [parse_row(table, row) for row in rows])
    check(data, rows_of)
    return data


def missing_message(missing: list[str]) -> str:
    files = ", ".join(f"{t}.yaml" + (f" (or {t}/)" if t in ("examples", ENTRY_DIR) else "") for t in missing)
    return (f"has no file for {files}: a directory to load must hold every table "
            "(an empty list where a table is empty); `kb export DIR` writes one")


def parse_row(table: str, row: SeedRow) -> Any:
    """One row parsed by its table's parser; a value of a type no check foresaw is still a
    :class:`ValidationError` naming the row, never a crash."""
    try:
        return PARSERS[table](row)
    except UNREADABLE as exc:
        raise row.fail(None, f"has a value of the wrong form ({_brief(exc)})") from None


def policy_intents(data: Dataset) -> set[str]:
    return {i.id for i in data.intents if i.kind == "policy"}


def check(data: Dataset, rows_of: dict[str, list[SeedRow]], problems: list[ValidationError] | None = None) -> None:
    """Cross-references: unique ids, known intents, contacts, facts and sources.

    Raises the first problem; with ``problems``, collects every one there instead.
    """

    def report(error: ValidationError) -> None:
        if problems is None:
            raise error
        problems.append(error)

    intents = {i.id for i in data.intents}
    contacts = {c.id for c in data.contacts}
    facts = {f.id for f in data.facts}
    sources = {s.id for s in data.sources} | {STAFF_SOURCE_ID}
    policy = policy_intents(data)
    for table, key in (("intents", "id"), ("contacts", "id"), ("sources", "id"), ("facts", "id"),
                       ("entries", "id"), ("terms", "term")):
        seen: set[str] = set()
        for row, item in zip(rows_of.get(table, []), getattr(data, table)):
            value = getattr(item, key)
            if value in seen:
                report(row.fail(key, f"'{value}' appears twice"))
            seen.add(value)
    for row, fact in zip(rows_of.get("facts", []), data.facts):
        for other in fact.superseded_by:
            if other not in facts:
                report(row.fail("superseded_by", f"unknown fact '{other}'"))
    for row, source in zip(rows_of.get("sources", []), data.sources):
        for fact_id in source.facts:
            if facts and fact_id not in facts:
                report(row.fail("facts", f"unknown fact '{fact_id}'"))
    for row, entry in zip(rows_of.get("entries", []), data.entries):
        if entry.intent not in intents:
            report(row.fail("intent", f"unknown intent '{entry.intent}'"))
        if entry.contact and entry.contact not in contacts:
            report(row.fail("contact", f"unknown contact '{entry.contact}'"))
        for fact_id in entry.facts:
            if fact_id not in facts:
                report(row.fail("facts", f"unknown fact '{fact_id}' (facts.yaml has F-01 ... F-113, N-01, N-02)"))
        for source_id in entry.sources:
            if source_id not in sources:
                report(row.fail("sources", f"unknown source '{source_id}' (see sources.yaml)"))
        if entry.intent in policy and not entry.facts and not entry.sources:
            report(row.fail("facts", "a policy entry names the facts it rests on (fact ids of facts.yaml)"))
        for fu in entry.followups:
            if fu not in intents:
                report(row.fail("followups", f"unknown intent '{fu}'"))
        topic = entry.conditions.get("topic")
        if topic is not None and topic not in intents:
            report(row.fail("conditions.topic", f"unknown intent '{topic}'"))
    for row, contact in zip(rows_of.get("contacts", []), data.contacts):
        for topic in contact.topics:
            if topic not in intents:
                report(row.fail("topics", f"unknown intent '{topic}'"))
    seen_examples: set[tuple[str, str]] = set()
    for row, example in zip(rows_of.get("examples", []), data.examples):
        if example.intent not in intents:
            report(row.fail("intent", f"unknown intent '{example.intent}'"))
        pair = (example.text, example.intent)
        if pair in seen_examples:
            report(row.fail("text", f"'{example.text}' appears twice for {example.intent}"))
        seen_examples.add(pair)


def training_examples(examples: list[Example], entries: list[Entry]) -> list[Example]:
    """The classifier's training phrases: the examples, then the question variants of active entries.

    A variant is a phrase of its entry's intent (origin ``entry``), so that a
    question variant added with ``kb add``/``kb edit`` trains the classifier too.
    Left out: variants of a how-to-apply entry about one benefit (by the
    labelling rules "住房补贴怎么申请" belongs to the benefit), and variants that
    are already a phrase (of any intent): the examples decide.
    """
    out = list(examples)
    seen = {e.text.strip().casefold() for e in examples}
    for entry in entries:
        if entry.status != "active":
            continue
        if entry.intent == "application_process" and entry.conditions.get("topic"):
            continue
        for question in entry.questions:
            key = question.strip().casefold()
            if key and key not in seen:
                seen.add(key)
                out.append(Example(question.strip(), entry.intent, "entry"))
    return out


# ---------------------------------------------------------------- writing


def entry_to_mapping(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entry.id, "intent": entry.intent}
    if entry.conditions:
        out["conditions"] = dict(entry.conditions)
    out["title"] = entry.title.as_dict()
    if entry.questions:
        out["questions"] = list(entry.questions)
    out["answer"] = entry.answer.as_dict()
    if entry.facts:
        out["facts"] = list(entry.facts)
    if entry.sources:
        out["sources"] = list(entry.sources)
    for key in ("contact", "effective", "reviewed"):
        if getattr(entry, key):
            out[key] = getattr(entry, key)
    if entry.followups:
        out["followups"] = list(entry.followups)
    if entry.eligibility is not None:
        out["eligibility"] = dict(entry.eligibility.raw)
    if entry.window:
        out["window"] = entry.window.as_dict()
    out["status"] = entry.status
    return out


def contact_to_mapping(contact: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {"id": contact.id, "name": contact.name.as_dict(), "topics": list(contact.topics),
                           "phone": contact.phone}
    for key in ("address", "hours", "note"):
        value: Text = getattr(contact, key)
        out[key] = value.as_dict() if (value.zh or value.en) else None
    out["url"], out["fact"] = contact.url, contact.fact
    if contact.aliases:
        out["aliases"] = list(contact.aliases)
    return out


def source_to_mapping(source: Source) -> dict[str, Any]:
    out: dict[str, Any] = {"id": source.id, "title": source.title.as_dict()}
    if source.office.zh or source.office.en:
        out["office"] = source.office.as_dict()
    out.update({"number": source.number, "url": source.url, "date": source.date, "kind": source.kind,
                "facts": list(source.facts)})
    if source.note:
        out["note"] = source.note
    return out


def fact_to_mapping(fact: Fact) -> dict[str, Any]:
    return {"id": fact.id, "title": fact.title, "date": fact.date, "confidence": fact.confidence,
            "status": fact.status, "superseded_by": list(fact.superseded_by), "statement": fact.statement,
            "note": fact.note, "unused_reason": fact.unused_reason}


def to_mappings(data: Dataset) -> dict[str, list[dict[str, Any]]]:
    return {
        "intents": [{"id": i.id, "kind": i.kind, "label": i.label.as_dict()} for i in data.intents],
        "contacts": [contact_to_mapping(c) for c in data.contacts],
        "sources": [source_to_mapping(s) for s in data.sources],
        "facts": [fact_to_mapping(f) for f in data.facts],
        "entries": [entry_to_mapping(e) for e in data.entries],
        "terms": [{k: v for k, v in (("term", t.term), ("kind", t.kind), ("canonical", t.canonical)) if v}
                  for t in data.terms],
        "catalogue": [dict(c) for c in data.catalogue],
        "examples": [{"text": e.text, "intent": e.intent, "origin": e.origin} for e in data.examples],
    }


@cache
def _dumper() -> "type[yaml.SafeDumper]":
    """YAML's safe dumper, writing text of several lines as a block."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str_presenter)
    return _Dumper


def dump_yaml(value: Any) -> str:
    import yaml

    return yaml.dump(value, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=100)


def write_dir(data: Dataset, directory: Path | str, fmt: str = "yaml") -> list[Path]:
    """Write one file per table (in YAML, entries and examples one file per intent)."""
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
        elif table == "entries":
            written.extend(_write_entry_files(rows, directory / ENTRY_DIR))
        else:
            path = directory / f"{table}.yaml"
            path.write_text(dump_yaml(rows), encoding="utf-8")
            written.append(path)
    return written


def _write_entry_files(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    by_intent: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_intent.setdefault(row["intent"], []).append(row)
    paths = []
    for intent, items in sorted(by_intent.items()):
        path = folder / f"{intent}.yaml"
        path.write_text(dump_yaml(items), encoding="utf-8")
        paths.append(path)
    return paths


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
