"""Change-logged edits of the knowledge base's content, made by staff.

Each verb (add, update or retire an entry; add, update or remove a contact; add
or remove a term) validates what it writes with the rules of an import, then
writes the content row and one ``changes`` row (who, when, table, row id,
action, the whole row before and after as JSON) in one transaction, and bumps
``meta.content_version`` so that a running assistant reloads. ``revert`` puts
a change's ``before`` state back as a new change; ``history``, ``mark_reviewed``
and ``stale`` let staff see who changed what and which entries nobody checked.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Mapping

from .errors import KnowledgeError, NotFound, ValidationError
from .models import Entry
from .provenance import Located, Register, entry_problems
from .seedfiles import (
    REGISTERS,
    TABLES,
    Dataset,
    SeedRow,
    catalogue_csv_rows,
    check,
    contact_to_mapping,
    dump_yaml,
    entry_to_mapping,
    missing_message,
    missing_tables,
    parse_catalogue,
    parse_contact,
    parse_entry,
    parse_row,
    parse_term,
    register_dir,
    seed_rows,
    to_mappings,
)
from .store import KnowledgeBase, contact_row, entry_of, entry_row, now_iso

KEYS = {"entries": "id", "contacts": "id", "terms": "term", "examples": "id", "unanswered": "id"}
"""The tables whose changes can be reverted, with their primary keys."""
IGNORED = frozenset({"updated_at"})  # bookkeeping columns: not "a change" on their own


class ChangeError(KnowledgeError):
    """An edit or a revert that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class Change:
    """One row of the change log."""

    id: int
    ts: str
    who: str
    table: str
    row_id: str
    action: str  # insert | update | delete
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None = None
    reverts: int | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        """The columns whose value differs between before and after."""
        old, new = self.before or {}, self.after or {}
        return tuple(k for k in dict.fromkeys([*old, *new]) if k not in IGNORED and old.get(k) != new.get(k))


# ---------------------------------------------------------------- the log itself


def _row(kb: KnowledgeBase, table: str, row_id: str) -> dict[str, Any] | None:
    rows = list(kb.db.query(f"select * from [{table}] where [{KEYS[table]}] = ?", [row_id]))
    return rows[0] if rows else None


def _write(kb: KnowledgeBase, table: str, row_id: str, current: dict[str, Any] | None,
           after: dict[str, Any] | None) -> None:
    """Make the row ``after`` (deleted when None), in place when it exists."""
    key = KEYS[table]
    if after is None:
        kb.db.execute(f"delete from [{table}] where [{key}] = ?", [row_id])
    elif current is None:
        kb.db.table(table).insert(after)
    else:
        kb.db.table(table).update(current[key], {k: v for k, v in after.items() if k != key})


def _record(kb: KnowledgeBase, who: str, table: str, row_id: str, after: dict[str, Any] | None,
            note: str | None = None, reverts: int | None = None) -> Change:
    """Write the row and its change-log row and bump the content version, all or nothing."""
    with kb.lock, kb.db.atomic():
        before = _row(kb, table, row_id)
        action = "insert" if before is None else "delete" if after is None else "update"
        _write(kb, table, row_id, before, after)
        stamp = now_iso()
        change_id = log_change(kb, who, stamp, table, row_id, action, before, after, note, reverts)
        bump_version(kb)
    return Change(change_id, stamp, who, table, row_id, action, before, after, note, reverts)


def log_change(kb: KnowledgeBase, who: str, stamp: str, table: str, row_id: object, action: str,
               before: dict[str, Any] | None, after: dict[str, Any] | None, note: str | None = None,
               reverts: int | None = None) -> int:
    """Write one change-log row (call inside the transaction that made the change); returns its id."""
    change = {"ts": stamp, "who": who, "table_name": table, "row_id": str(row_id), "action": action,
              "before": _dump(before), "after": _dump(after), "note": note, "reverts": reverts}
    return int(kb.db.table("changes").insert(change).last_rowid or 0)


def _dump(row: dict[str, Any] | None) -> str | None:
    return None if row is None else json.dumps(row, ensure_ascii=False)


def bump_version(kb: KnowledgeBase) -> int:
    """Increase ``meta.content_version`` (call inside the writing transaction); returns the new value."""
    return kb.bump_version()


def _change(r: dict[str, Any]) -> Change:
    return Change(id=r["id"], ts=r["ts"], who=r["who"] or "", table=r["table_name"], row_id=str(r["row_id"]),
                  action=r["action"], before=json.loads(r["before"]) if r["before"] else None,
                  after=json.loads(r["after"]) if r["after"] else None, note=r["note"], reverts=r["reverts"])


def history(kb: KnowledgeBase, row_id: str | None = None, limit: int = 50, table: str | None = None) -> list[Change]:
    """The latest changes, newest first; only those of one row (and table) when given."""
    sql, params = "select * from changes where 1=1", []
    if row_id is not None:
        sql += " and row_id = ?"
        params.append(row_id)
    if table is not None:
        sql += " and table_name = ?"
        params.append(table)
    with kb.lock:
        rows = list(kb.db.query(sql + " order by id desc limit ?", [*params, limit]))
    return [_change(r) for r in rows]


def change(kb: KnowledgeBase, change_id: int) -> Change:
    with kb.lock:
        rows = list(kb.db.query("select * from changes where id = ?", [change_id]))
    if not rows:
        raise NotFound(f"no change {change_id}")
    return _change(rows[0])


# ---------------------------------------------------------------- validation


def _cross_check(kb: KnowledgeBase, row: SeedRow, entry: Entry) -> None:
    """The import's cross-references (intent, contact, facts, sources, follow-ups, topic) against the database."""
    data = Dataset(intents=kb.intents(), contacts=kb.contacts(), sources=kb.sources(), facts=kb.facts(),
                   entries=[entry])
    check(data, {"entries": [row]})


def valid_entry(kb: KnowledgeBase, mapping: Mapping[str, Any], label: str, number: int | None = None) -> Entry:
    """``mapping`` (the seed format of one entry) parsed and cross-checked as an import would.

    Raises :class:`ValidationError` naming ``label`` (a file or the entry) and the field.
    """
    row = SeedRow(label, number or 1, None, dict(mapping))
    try:
        entry = parse_entry(row)
        _cross_check(kb, row, entry)
    except ValidationError as exc:
        raise ValidationError(label, number, exc.field, exc.message) from None
    return entry


def _same(current: dict[str, Any] | None, wanted: dict[str, Any] | None) -> bool:
    if current is None or wanted is None:
        return current is wanted
    return all(current.get(k) == v for k, v in wanted.items() if k not in IGNORED)


# ---------------------------------------------------------------- entries


def add_entry(kb: KnowledgeBase, mapping: Mapping[str, Any], who: str, label: str = "new entry",
              note: str | None = None) -> Change:
    """Add one entry given in the seed format (validated like an import).

    Its question variants become training phrases of its intent (origin ``entry``),
    each logged, in the same transaction.
    """
    entry = valid_entry(kb, mapping, label)
    with kb.lock, kb.db.atomic():
        if _row(kb, "entries", entry.id) is not None:
            raise ValidationError(label, None, "id", f"entry '{entry.id}' already exists (edit it instead)")
        done = _record(kb, who, "entries", entry.id, entry_row(entry, now_iso()), note or "add")
        for question in entry.questions:
            add_phrase(kb, question, entry.intent, who, f"question of entry {entry.id}", "entry")
    return done


def add_phrase(kb: KnowledgeBase, text: str, intent: str, who: str, note: str, origin: str,
               stamp: str | None = None) -> bool:
    """Add one training phrase with its change-log row (call inside a transaction); False when it exists."""
    if list(kb.db.query("select 1 from examples where text = ? and intent = ?", [text, intent])):
        return False
    stamp = stamp or now_iso()
    row = {"text": text, "intent": intent, "origin": origin, "created_at": stamp}
    row_id = kb.db.table("examples").insert(row).last_pk
    log_change(kb, who, stamp, "examples", row_id, "insert", None, dict(row, id=row_id), note)
    return True


def cited_sources(kb: KnowledgeBase, names: list[str], label: str) -> list[str]:
    """Source ids of the register for ``names``, in the order given: a source id as it is, a fact id
    as the sources that state it (``kb add --source``)."""
    sources = kb.sources()
    ids = {s.id for s in sources}
    out: list[str] = []
    for number, name in enumerate(names):
        found = [name] if name in ids else [s.id for s in sources if name in s.facts]
        if not found:
            raise ValidationError(label, None, f"sources[{number}]", f"'{name}' is neither a source of sources.yaml "
                                  "nor a fact a source states: see kb sources and kb facts")
        out += [f for f in found if f not in out]
    return out


def replace_entry(kb: KnowledgeBase, entry_id: str, mapping: Mapping[str, Any], who: str,
                  note: str | None = None) -> Change | None:
    """Make the entry ``mapping`` (the whole entry, seed format); None when nothing differs."""
    label = f"entry '{entry_id}'"
    if str(mapping.get("id", "")).strip() != entry_id:
        raise ValidationError(label, None, "id", "cannot be changed (add a new entry and retire this one)")
    entry = valid_entry(kb, mapping, label)
    with kb.lock, kb.db.atomic():
        current = _row(kb, "entries", entry_id)
        if current is None:
            raise NotFound(f"no entry '{entry_id}'")
        row = entry_row(entry, now_iso())
        if _same(current, row):
            return None
        return _record(kb, who, "entries", entry_id, row, note or "edit")


def update_entry(kb: KnowledgeBase, entry_id: str, fields: Mapping[str, Any], who: str,
                 note: str | None = None) -> Change | None:
    """Change some fields of an entry; keys as in the seed format, ``answer.zh`` for one language.

    None when the values are already those.
    """
    mapping = entry_to_mapping(kb.entry(entry_id))
    for name, value in fields.items():
        set_field(mapping, name, value, f"entry '{entry_id}'")
    return replace_entry(kb, entry_id, mapping, who, note or "edit " + ", ".join(fields))


LOCALIZED = frozenset({"title", "answer", "name", "address", "hours", "note"})


def set_field(mapping: dict[str, Any], name: str, value: Any, label: str) -> None:
    """Set ``name`` (``field`` or ``field.zh``/``field.en``) in a seed-format mapping."""
    head, _, lang = name.partition(".")
    if lang:
        if head not in LOCALIZED or lang not in ("zh", "en"):
            raise ValidationError(label, None, name, "unknown field")
        mapping[head] = {**(mapping.get(head) or {"zh": "", "en": ""}), lang: value}
    else:
        mapping[head] = value


def retire_entry(kb: KnowledgeBase, entry_id: str, who: str) -> Change:
    """Take an entry out of the answers (it stays in the database, and can be reverted)."""
    if kb.entry(entry_id).status == "retired":
        raise ChangeError(f"entry '{entry_id}' is already retired")
    done = update_entry(kb, entry_id, {"status": "retired"}, who, "retire")
    if done is None:  # retired by someone else meanwhile
        raise ChangeError(f"entry '{entry_id}' is already retired")
    return done


def mark_reviewed(kb: KnowledgeBase, entry_id: str, who: str, day: date | None = None) -> Change | None:
    """Record that someone checked the entry (``reviewed`` = today, YYYY-MM-DD)."""
    return update_entry(kb, entry_id, {"reviewed": (day or date.today()).isoformat()}, who, "mark reviewed")


def stale(kb: KnowledgeBase, days: int, today: date | None = None) -> list[Entry]:
    """Active entries not reviewed for more than ``days`` days (or never), oldest first."""
    limit = ((today or date.today()) - timedelta(days=days)).isoformat()
    found = [e for e in kb.entries() if not e.reviewed or e.reviewed < limit]
    return sorted(found, key=lambda e: (e.reviewed or "", e.id))


# ---------------------------------------------------------------- contacts


def _valid_contact(kb: KnowledgeBase, mapping: Mapping[str, Any], label: str) -> dict[str, Any]:
    row = SeedRow(label, 1, None, dict(mapping))
    try:
        contact = parse_contact(row)
    except ValidationError as exc:
        raise ValidationError(label, None, exc.field, exc.message) from None
    intents = {i.id for i in kb.intents()}
    for topic in contact.topics:
        if topic not in intents:
            raise ValidationError(label, None, "topics", f"unknown intent '{topic}'")
    return contact_row(contact)


def add_contact(kb: KnowledgeBase, mapping: Mapping[str, Any], who: str) -> Change:
    """Add a service contact given in the seed format."""
    row = _valid_contact(kb, mapping, "new contact")
    with kb.lock, kb.db.atomic():
        if _row(kb, "contacts", row["id"]) is not None:
            raise ValidationError("new contact", None, "id", f"contact '{row['id']}' already exists")
        return _record(kb, who, "contacts", row["id"], row, "add contact")


def update_contact(kb: KnowledgeBase, contact_id: str, fields: Mapping[str, Any], who: str) -> Change | None:
    """Change fields of a contact (``phone``, ``hours.zh`` ...); None when nothing differs."""
    label = f"contact '{contact_id}'"
    current = next((c for c in kb.contacts() if c.id == contact_id), None)
    if current is None:
        raise NotFound(f"no contact '{contact_id}'")
    mapping = contact_to_mapping(current)
    for name, value in fields.items():
        if name == "id":
            raise ValidationError(label, None, "id", "cannot be changed")
        set_field(mapping, name, value, label)
    row = _valid_contact(kb, mapping, label)
    with kb.lock, kb.db.atomic():
        if _same(_row(kb, "contacts", contact_id), row):
            return None
        return _record(kb, who, "contacts", contact_id, row, "edit " + ", ".join(fields))


def remove_contact(kb: KnowledgeBase, contact_id: str, who: str) -> Change:
    """Delete a contact that no entry names."""
    with kb.lock, kb.db.atomic():
        if _row(kb, "contacts", contact_id) is None:
            raise NotFound(f"no contact '{contact_id}'")
        _refuse_if_used(kb, contact_id)
        return _record(kb, who, "contacts", contact_id, None, "remove contact")


def _refuse_if_used(kb: KnowledgeBase, contact_id: str) -> None:
    users = [r["id"] for r in kb.db.query("select id from entries where contact = ? order by id", [contact_id])]
    if users:
        raise ChangeError(f"contact '{contact_id}' is named by {len(users)} entries ({', '.join(users[:5])}); "
                          "change those first")


# ---------------------------------------------------------------- terms


def add_term(kb: KnowledgeBase, term: str, who: str, kind: str = "word", canonical: str | None = None) -> Change | None:
    """Add a segmenter term (``word``), or a ``typo``/``synonym`` of ``canonical``; updates an existing term.

    None when the term is already there with the same kind and canonical form.
    """
    label = f"term '{term}'"
    row = SeedRow(label, 1, None, {"term": term, "kind": kind, "canonical": canonical})
    try:
        parsed = parse_term(row)
    except ValidationError as exc:
        raise ValidationError(label, None, exc.field, exc.message) from None
    after = {"term": parsed.term, "kind": parsed.kind, "canonical": parsed.canonical}
    with kb.lock, kb.db.atomic():
        if _same(_row(kb, "terms", parsed.term), after):
            return None
        return _record(kb, who, "terms", parsed.term, after, f"term {parsed.kind}")


def remove_term(kb: KnowledgeBase, term: str, who: str) -> Change:
    with kb.lock, kb.db.atomic():
        if _row(kb, "terms", term) is None:
            raise NotFound(f"no term '{term}'")
        return _record(kb, who, "terms", term, None, "remove term")


# ---------------------------------------------------------------- catalogue


def import_catalogue(kb: KnowledgeBase, path: Path | str, who: str) -> Change:
    """Replace the shortage-talent catalogue with a published list in CSV, all or nothing.

    Every row is validated first (an error names the file, row and field);
    then the table is replaced, the change log records the whole list before
    and after, and the content version is bumped (a running bot reloads and
    recognises the occupations).
    """
    path = Path(path)
    items: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in catalogue_csv_rows(path):
        try:
            item = parse_catalogue(row)
        except ValidationError as exc:
            raise ValidationError(path.name, row.number, exc.field, exc.message, row.line) from None
        key = (item["occupation"].casefold(), str(item["edition"]))
        if key in seen:
            raise row.fail("occupation", f"'{item['occupation']}' appears twice in edition {item['edition']} "
                                         f"(also row {seen[key]})")
        seen[key] = row.number
        items.append(item)
    with kb.lock, kb.db.atomic():
        before, after = kb.replace_catalogue(items)
        stamp = now_iso()
        note = f"catalogue import {path.name}: {len(after)} occupations"
        change_id = log_change(kb, who, stamp, "catalogue", "all", "update", {"rows": before}, {"rows": after}, note)
        bump_version(kb)
    return Change(change_id, stamp, who, "catalogue", "all", "update", {"rows": before}, {"rows": after}, note)


# ---------------------------------------------------------------- revert


def revert(kb: KnowledgeBase, change_id: int, who: str) -> Change:
    """Put back the row as it was before change ``change_id``, recorded as a new change.

    Refused (:class:`ChangeError`, nothing written) when the change was already
    reverted, or when its row changed since (revert the later changes first,
    newest first), or when the old row would no longer be valid.
    """
    with kb.lock, kb.db.atomic():
        old = change(kb, change_id)
        if old.table not in KEYS:
            raise ChangeError(f"changes of table '{old.table}' cannot be reverted")
        _refuse_reverted(kb, old)
        current = _row(kb, old.table, old.row_id)
        if not _same(current, old.after):
            later = [c.id for c in history(kb, old.row_id, 1000, old.table) if c.id > old.id]
            hint = f"later changes: {', '.join(map(str, later))}" if later else "it was changed by an import"
            raise ChangeError(f"{old.table} '{old.row_id}' has changed since change {old.id} ({hint}); "
                              "revert the later changes first, newest first")
        _check_restorable(kb, old)
        return _record(kb, who, old.table, old.row_id, old.before, f"revert of change {old.id}", old.id)


def _refuse_reverted(kb: KnowledgeBase, old: Change) -> None:
    """A change may be reverted once, unless that revert was itself reverted."""
    rows = list(kb.db.query("select id from changes where reverts = ? and id not in "
                            "(select reverts from changes where reverts is not null) order by id", [old.id]))
    if rows:
        raise ChangeError(f"change {old.id} was already reverted by change {rows[0]['id']}")


def _check_restorable(kb: KnowledgeBase, old: Change) -> None:
    """The row being put back must still pass validation against today's intents and contacts."""
    if old.table == "entries" and old.before is not None:
        valid_entry(kb, entry_to_mapping(entry_of(old.before)), f"entry '{old.row_id}' as before change {old.id}")
    if old.table == "contacts" and old.before is None:
        _refuse_if_used(kb, old.row_id)


# ---------------------------------------------------------------- checking and keeping content


def entry_yaml(entry: Entry) -> str:
    """One entry in the seed format, as staff edit it."""
    return dump_yaml(entry_to_mapping(entry))


def content_problems(kb: KnowledgeBase, today: date | None = None) -> list[ValidationError]:
    """Every problem of the database's content, named by table, row and field (see :func:`directory_problems`)."""
    rows = {table: [SeedRow(f"database {table}", n, None, m) for n, m in enumerate(items, start=1)]
            for table, items in to_mappings(kb.dataset()).items()}
    return _problems(rows, today)


def directory_problems(directory: Path | str, today: date | None = None) -> list[ValidationError]:
    """The problems of a directory in the export layout, each naming file, row and field.

    Besides what an import refuses: an active entry citing a superseded fact
    without citing the newer one and saying the rule is an older one, a window
    that has closed (``today`` in Dalian) without the answer saying so, and a
    figure in an answer that none of the entry's facts states.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return [ValidationError(str(directory), None, None, "is not a directory")]
    rows: dict[str, list[SeedRow]] = {}
    missing = missing_tables(directory)
    unreadable = [ValidationError(str(directory), None, None, missing_message(missing))] if missing else []
    for table in TABLES:
        try:
            rows[table] = list(seed_rows(register_dir(directory) if table in REGISTERS else directory, table))
        except ValidationError as exc:  # a file that is not YAML or JSON at all
            rows[table] = []
            unreadable.append(exc)
    return unreadable + _problems(rows, today)


def _problems(rows: dict[str, list[SeedRow]], today: date | None = None) -> list[ValidationError]:
    """Parse every row (collecting each bad one), cross-check the good ones, then check the entries' currency."""
    problems: list[ValidationError] = []
    data, good = Dataset(), {}
    for table in TABLES:
        items, kept = [], []
        for row in rows.get(table, []):
            try:
                items.append(parse_row(table, row))
                kept.append(row)
            except ValidationError as exc:
                problems.append(exc)
        setattr(data, table, items)
        good[table] = kept
    check(data, good, problems)
    register = Register(data.sources, data.facts)
    for row, entry in zip(good["entries"], data.entries):
        problems += entry_problems(entry, Located(row.file, row.number, row.line), register, today)
    return problems


def backup(kb: KnowledgeBase, path: Path | str) -> Path:
    """Copy the whole database to ``path`` with SQLite's online backup (consistent while in use)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    dest = sqlite3.connect(str(target))
    try:
        with kb.lock:
            kb.db.conn.backup(dest)
    finally:
        dest.close()
    return target
