"""Knowledge-base management commands for staff: ``kb list|show|add|edit|retire|validate|backup|...``.

A thin layer over :mod:`knowledge.changes`: every edit is validated like an
import, written with its change-log row in one transaction, and can be
reverted. Tables for people, ``--json`` (JSON lines) for machines. Who made a
change is ``--who NAME``, by default the login name.
"""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from bot.cli.command import Command
from bot.settings import Settings
from bot.staff.problems import problem_text
from bot.staff.texts import TEXTS, say
from knowledge import (
    SEED_DIR,
    KnowledgeBase,
    KnowledgeError,
    ValidationError,
    changes,
    provenance,
    read_dir,
)
from knowledge.models import Contact, Entry
from knowledge.provenance import Register
from knowledge.seedfiles import TERM_KINDS, load_yaml, read_text

FIELD_OPTIONS = (("--intent", "intent"), ("--title-zh", "title.zh"), ("--title-en", "title.en"),
                 ("--answer-zh", "answer.zh"), ("--answer-en", "answer.en"), ("--contact", "contact"),
                 ("--effective", "effective"), ("--reviewed", "reviewed"), ("--status", "status"))
EDIT_HEADER = ("# 编辑条目 {id}：保存并关闭编辑器即生效；不做修改直接关闭则取消。以 # 开头的行会被忽略。\n"
               "# Edit entry {id}: save and close the editor to apply, or leave it unchanged to cancel.\n"
               "# The format is that of knowledge/seed/entries/<intent>.yaml (README.md there).\n")
EDITOR_SHELL = '${VISUAL:-${EDITOR:-vi}} "$1"'  # the shell, not Python, reads the editor's name


def add_commands(sub: argparse._SubParsersAction, kb_sub: argparse._SubParsersAction) -> None:
    """Add this module's sub-commands to the parser (``kb_sub``: the sub-commands of ``kb``)."""
    listing = kb_sub.add_parser("list", help="entries as a table (--json: JSON lines)")
    listing.add_argument("--intent")
    listing.add_argument("--status", choices=("active", "retired", "all"), default="active")
    listing.add_argument("--json", action="store_true")
    show = kb_sub.add_parser("show", help="one entry in full: both languages, sources, contact, reviewed date")
    show.add_argument("id", nargs="?")
    show.add_argument("--json", action="store_true")
    add = _writer(kb_sub, "add", "add an entry from a YAML file in the seed format, or from field options")
    add.add_argument("--from-file", metavar="FILE.yaml")
    add.add_argument("--id")
    add.add_argument("--question", action="append", default=[],
                     help="a question variant (repeat); each becomes a training phrase of the intent")
    add.add_argument("--source", action="append", default=[], metavar="FACT",
                     help="a fact id some entry already cites (repeat): its source is cited")
    _field_options(add)
    edit = _writer(kb_sub, "edit", "change an entry: field options, or $EDITOR on the whole entry as YAML")
    edit.add_argument("id", nargs="?")
    edit.add_argument("--fresh", action="store_true", help="start from the entry, not from a rejected draft")
    _field_options(edit)
    for cmd in (add, edit):
        cmd.add_argument("--fact", action="append", default=[],
                         help="a fact id of facts.yaml the answer rests on (repeat; with edit, replaces the list)")
    retire = _writer(kb_sub, "retire", "take an entry out of the answers (revertible)")
    retire.add_argument("id", nargs="?")
    validate = kb_sub.add_parser("validate", help="check the database, or a directory in the export layout")
    validate.add_argument("dir", nargs="?")
    validate.add_argument("--today", type=date.fromisoformat, metavar="YYYY-MM-DD",
                          help="check the windows as of this day (default: today in Dalian)")
    sources = kb_sub.add_parser("sources", help="the source register: per document, how many active entries cite it")
    sources.add_argument("--json", action="store_true")
    facts = kb_sub.add_parser("facts", help="the facts sheet: per fact, its status and the entries citing it")
    facts.add_argument("--unused", action="store_true", help="only the facts no active entry cites, with the reason")
    facts.add_argument("--json", action="store_true")
    _catalogue_commands(kb_sub)
    backup = kb_sub.add_parser("backup", help="copy the database to FILE (SQLite online backup)")
    backup.add_argument("file", nargs="?")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    hist = kb_sub.add_parser("history", help="the change log, newest first; of one entry, contact or term with ID")
    hist.add_argument("id", nargs="?")
    hist.add_argument("--limit", type=int, default=30)
    hist.add_argument("--json", action="store_true")
    revert = _writer(kb_sub, "revert", "undo one change of the change log (recorded as a new change)")
    revert.add_argument("change_id", nargs="?", type=int)
    stale = kb_sub.add_parser("stale", help="active entries nobody has reviewed for N days")
    stale.add_argument("--days", type=int, default=180)
    stale.add_argument("--json", action="store_true")
    _terms_commands(kb_sub)


def _writer(kb_sub: argparse._SubParsersAction, name: str, text: str) -> argparse.ArgumentParser:
    cmd = kb_sub.add_parser(name, help=text)
    cmd.add_argument("--who", help="your name in the change log (default: your login name)")
    return cmd


def _field_options(cmd: argparse.ArgumentParser) -> None:
    for option, fld in FIELD_OPTIONS:
        extra = " ('today' for today's date)" if fld == "reviewed" else ""
        cmd.add_argument(option, dest=_dest(option), help=f"the entry's {fld}{extra}")


def _dest(option: str) -> str:
    return "f_" + option.lstrip("-").replace("-", "_")


def _catalogue_commands(kb_sub: argparse._SubParsersAction) -> None:
    catalogue = kb_sub.add_parser("catalogue", help="the shortage-talent catalogue: list, import FILE.csv")
    actions = catalogue.add_subparsers(dest="catalogue_command")
    listing = actions.add_parser("list", help="the occupations (--json: JSON lines)")
    listing.add_argument("--json", action="store_true")
    imp = _writer(actions, "import", "replace the catalogue with a published list (CSV), all or nothing")
    imp.add_argument("file", metavar="FILE.csv")


def _terms_commands(kb_sub: argparse._SubParsersAction) -> None:
    terms = kb_sub.add_parser("terms", help="segmenter terms and synonyms: list, add, remove")
    actions = terms.add_subparsers(dest="terms_command")
    listing = actions.add_parser("list", help="the terms (--json: JSON lines)")
    listing.add_argument("--kind", choices=sorted(TERM_KINDS))
    listing.add_argument("--json", action="store_true")
    add = _writer(actions, "add", "add a word for the segmenter, or a typo/synonym with its canonical form")
    add.add_argument("term")
    add.add_argument("--kind", choices=sorted(TERM_KINDS), default="word")
    add.add_argument("--canonical", help="for typo and synonym: the word it stands for")
    remove = _writer(actions, "remove", "remove a term")
    remove.add_argument("term")


# ---------------------------------------------------------------- helpers


def _kb(settings: Settings) -> KnowledgeBase:
    """The database, created from the seed when it does not exist yet."""
    kb = KnowledgeBase.open(settings.db_path)
    if kb.is_empty():
        kb.replace_content(read_dir(SEED_DIR))
    return kb


def who(args: argparse.Namespace) -> str:
    """``--who``, else the login name (``unknown`` where there is none, as in some containers)."""
    given = getattr(args, "who", None)
    if given:
        return str(given)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _need(value: Any, what: str, usage: str) -> Any:
    if value is None:
        raise KnowledgeError(f"give the {what}: python run_bot.py {usage}")
    return value


def _json_line(out: TextIO, record: Any) -> None:
    print(json.dumps(record, ensure_ascii=False, default=str), file=out)


def _short(text: str | None, width: int = 40) -> str:
    one = " ".join((text or "").split())
    return one if len(one) <= width else one[:width - 1] + "…"


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    """The field options given, as seed-format field names; ``--reviewed today`` is today's date."""
    found = {fld: getattr(args, _dest(option)) for option, fld in FIELD_OPTIONS
             if getattr(args, _dest(option), None) is not None}
    if found.get("reviewed") == "today":
        found["reviewed"] = date.today().isoformat()
    if getattr(args, "fact", None):
        found["facts"] = list(args.fact)
    return found


def _done(change: changes.Change | None, out: TextIO, lang: str = "zh") -> int:
    if change is None:
        print(say("nothing_changed", lang), file=out)
        return 0
    what = ", ".join(change.fields) if change.action == "update" else change.note or change.action
    print(say("changed", lang, id=change.id, action=change.action, table=change.table, row=change.row_id, what=what,
              who=change.who), file=out)
    return 0


# ---------------------------------------------------------------- reading


def cmd_list(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    lang = settings.staff_lang
    with _kb(settings) as kb:
        found = kb.entries(args.intent, active_only=args.status == "active")
    if args.status == "retired":
        found = [e for e in found if e.status == "retired"]
    for e in found:
        if args.json:
            _json_line(out, {"id": e.id, "intent": e.intent, "status": e.status, "reviewed": e.reviewed,
                             "title": e.title.as_dict()})
        else:
            print(f"{e.id:40} {e.intent:24} {e.status:8} {e.reviewed or say('never', lang):10}  "
                  f"{_short(e.title.zh, 30)}", file=out)
    if not args.json:
        print(say("entries_count", lang, n=len(found)), file=out)
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    entry_id = _need(args.id, "entry id", "kb show ID")
    with _kb(settings) as kb:
        entry = kb.entry(entry_id)
        contact = next((c for c in kb.contacts() if c.id == entry.contact), None)
        register = Register(kb.sources(), kb.facts())
    if args.json:
        _json_line(out, dict(dataclasses.asdict(entry), shown_sources=[s.id for s in register.sources_for(entry)]))
        return 0
    print(render_entry(entry, contact_line(contact) if contact else entry.contact, register, settings.staff_lang),
          file=out)
    return 0


def contact_line(contact: Contact) -> str:
    parts = [contact.id, contact.name.zh, contact.name.en, contact.phone or "", contact.url or ""]
    return " · ".join(p for p in parts if p)


def render_entry(e: Entry, contact: str | None, register: Register | None = None, lang: str = "zh") -> str:
    """An entry for people: every field, both languages; the labels in ``lang``."""
    lines = [say("entry_head", lang, id=e.id, status=e.status, intent=e.intent),
             say("entry_title", lang, which="zh", text=e.title.zh), say("entry_title", lang, which="en", text=e.title.en)]
    if e.conditions:
        lines.append(say("entry_conditions", lang, text=", ".join(f"{k}={v}" for k, v in e.conditions.items())))
    if e.questions:
        lines += [say("entry_questions", lang), *(f"  - {q}" for q in e.questions)]
    for text_lang in ("zh", "en"):
        lines += [say("entry_answer", lang, which=text_lang), *(f"  {line}" for line in e.answer.get(text_lang).splitlines())]
    lines.append(say("entry_facts", lang, text=", ".join(e.facts) or say("none", lang)))
    if e.window:
        lines.append(say("entry_window", lang, text=", ".join(f"{k}={v}" for k, v in e.window.as_dict().items())))
    shown = {s.id for s in register.sources_for(e)} if register else set()
    cited = register.cited(e) if register else []
    lines.append(say("entry_sources_shown", lang) if cited else say("entry_no_sources", lang))
    lines += [f"  {'*' if s.id in shown else '-'} [{s.id}] {s.kind}: {s.title.zh} ({s.date or say('no_date', lang)}) "
              f"{s.url or ''}".rstrip() for s in cited]
    lines.append(say("entry_contact", lang, contact=contact or say("none", lang)))
    if e.followups:
        lines.append(say("entry_followups", lang, text=", ".join(e.followups)))
    lines.append(say("entry_dates", lang, effective=e.effective or "-", reviewed=e.reviewed or say("never", lang)))
    return "\n".join(lines)


def cmd_history(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    with _kb(settings) as kb:
        found = changes.history(kb, args.id, args.limit)
    for c in found:
        if args.json:
            _json_line(out, dataclasses.asdict(c))
            continue
        undo = say("reverts", settings.staff_lang, id=c.reverts) if c.reverts else ""
        print(f"#{c.id:<5} {c.ts[:19].replace('T', ' ')}  {c.who:12} {c.action:6} {c.table} '{c.row_id}'  "
              f"{', '.join(c.fields)}{undo}  ({c.note or ''})", file=out)
        if args.id:
            for fld in c.fields:
                old, new = (c.before or {}).get(fld), (c.after or {}).get(fld)
                print(f"        {fld}: {_short(str(old), 50)!r} -> {_short(str(new), 50)!r}", file=out)
    if not args.json and not found:
        print(say("no_changes", settings.staff_lang), file=out)
    return 0


def cmd_stale(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    today = date.today()
    with _kb(settings) as kb:
        found = changes.stale(kb, args.days, today)
    for e in found:
        age = (today - date.fromisoformat(e.reviewed)).days if e.reviewed else None
        if args.json:
            _json_line(out, {"id": e.id, "intent": e.intent, "reviewed": e.reviewed, "days": age})
        else:
            days = "" if age is None else say("stale_days", settings.staff_lang, n=age)
            print(f"{e.id:40} {e.reviewed or say('never', settings.staff_lang):10} {days:>10}  "
                  f"{_short(e.title.zh, 30)}", file=out)
    if not args.json:
        print(say("stale_summary", settings.staff_lang, n=len(found), days=args.days), file=out)
    return 0


# ---------------------------------------------------------------- writing


def cmd_add(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    with _kb(settings) as kb:
        if args.from_file:
            mapping, label = _mapping_from_file(Path(args.from_file)), Path(args.from_file).name
        else:
            mapping, label = _mapping_from_options(kb, args), "kb add"
        return _done(changes.add_entry(kb, mapping, who(args), label), out, settings.staff_lang)


def _mapping_from_file(path: Path) -> dict[str, Any]:
    """One entry in the seed format (a mapping, or a list holding one mapping)."""
    data = load_yaml(read_text(path, path.name), path.name)
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    if not isinstance(data, dict):
        raise ValidationError(path.name, None, None, "must hold one entry (a mapping of fields)")
    return data


def _mapping_from_options(kb: KnowledgeBase, args: argparse.Namespace) -> dict[str, Any]:
    mapping: dict[str, Any] = {"id": _need(args.id, "entry id", "kb add --id ID --intent ... (or --from-file)"),
                               "questions": args.question, "reviewed": date.today().isoformat(),
                               "sources": changes.cited_sources(kb, args.source, "kb add")}
    for name, value in _fields(args).items():
        changes.set_field(mapping, name, value, "kb add")
    return mapping


def cmd_edit(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    entry_id = _need(args.id, "entry id", "kb edit ID [--answer-zh TEXT ...]")
    fields, lang = _fields(args), settings.staff_lang
    with _kb(settings) as kb:
        if fields:
            return _done(changes.update_entry(kb, entry_id, fields, who(args)), out, lang)
        draft = _draft(settings, entry_id)
        if args.fresh or not draft.is_file():
            original = EDIT_HEADER.format(id=entry_id) + changes.entry_yaml(kb.entry(entry_id))
        else:
            original = draft.read_text(encoding="utf-8")
        edited = _run_editor(entry_id, original)
        if edited == original:
            print(say("edit_unchanged", lang), file=out)
            return 0
        try:
            mapping = _mapping_from_text(entry_id, edited)
            done = changes.replace_entry(kb, entry_id, mapping, who(args))
        except ValidationError as exc:
            _keep(draft, say("edit_draft", lang, reason=problem_text(exc, lang)), edited)
            print(say("edit_kept", lang, path=draft, id=entry_id), file=sys.stderr)
            raise
        draft.unlink(missing_ok=True)
        return _done(done, out, lang)


def _draft(settings: Settings, entry_id: str) -> Path:
    """Where a rejected edit of ``entry_id`` waits for another try: ``drafts/`` beside the database."""
    return settings.db_path.parent / "drafts" / f"{entry_id}.yaml"


def _run_editor(entry_id: str, text: str) -> str:
    with tempfile.TemporaryDirectory(prefix="kb-edit-") as folder:
        path = Path(folder) / f"{entry_id}.yaml"
        path.write_text(text, encoding="utf-8")
        done = subprocess.run(["sh", "-c", EDITOR_SHELL, "kb-edit", str(path)], check=False)
        if done.returncode != 0:
            raise KnowledgeError(f"the editor exited with status {done.returncode}: nothing changed")
        return path.read_text(encoding="utf-8")


def _mapping_from_text(entry_id: str, text: str) -> dict[str, Any]:
    label = f"entry '{entry_id}'"
    data = load_yaml(text, label)
    if not isinstance(data, dict):
        raise ValidationError(label, None, None, "must be a mapping of fields")
    return data


def _keep(draft: Path, note: str, text: str) -> None:
    """Save a rejected edit, with why it was rejected on top (instead of an earlier note), so the work is not lost."""
    draft.parent.mkdir(parents=True, exist_ok=True)
    notes = tuple(TEXTS["edit_draft"][lang].split("（")[0].split("(")[0] for lang in ("zh", "en"))
    kept = "".join(line for line in text.splitlines(keepends=True) if not line.startswith(notes))
    draft.write_text(note.replace("\n", " ").rstrip() + "\n" + kept, encoding="utf-8")


def cmd_retire(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    entry_id = _need(args.id, "entry id", "kb retire ID")
    with _kb(settings) as kb:
        return _done(changes.retire_entry(kb, entry_id, who(args)), out, settings.staff_lang)


def cmd_revert(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    change_id = _need(args.change_id, "change number (see kb history)", "kb revert CHANGE_ID")
    with _kb(settings) as kb:
        return _done(changes.revert(kb, change_id, who(args)), out, settings.staff_lang)


# ---------------------------------------------------------------- checking and keeping


def cmd_validate(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    today = getattr(args, "today", None)
    if args.dir:
        problems, what = changes.directory_problems(args.dir, today), args.dir
    else:
        with _kb(settings) as kb:
            problems, what = changes.content_problems(kb, today), str(settings.db_path)
    lang = settings.staff_lang
    for problem in problems:
        print(say("problem", lang, text=problem_text(problem, lang)), file=out)
    print(say("problems", lang, what=what, n=len(problems)) if problems else say("no_problems", lang, what=what),
          file=out)
    return 1 if problems else 0


def cmd_sources(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    with _kb(settings) as kb:
        sources = kb.sources()
        depending = Register(sources, kb.facts()).dependents(kb.entries())
    for source in sources:
        users = depending.get(source.id, [])
        if args.json:
            _json_line(out, {"id": source.id, "kind": source.kind, "title": source.title.as_dict(),
                             "office": source.office.as_dict(), "number": source.number, "url": source.url,
                             "date": source.date, "facts": list(source.facts), "entries": len(users),
                             "entry_ids": users})
        else:
            print(f"{len(users):4} {source.kind:8} {source.id:44} {_short(source.title.zh, 40)}", file=out)
    if not args.json:
        unused = sum(1 for s in sources if not depending.get(s.id))
        print(say("sources_summary", settings.staff_lang, n=len(sources), unused=unused), file=out)
    return 0


def cmd_facts(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    with _kb(settings) as kb:
        facts = kb.facts()
        uses = provenance.fact_uses(kb.entries(), kb.contacts())
    shown = [f for f in facts if not args.unused or f.id not in uses]
    for fact in shown:
        users = uses.get(fact.id, [])
        if args.json:
            _json_line(out, {"id": fact.id, "title": fact.title, "status": fact.status,
                             "superseded_by": list(fact.superseded_by), "confidence": fact.confidence,
                             "used_by": users, "unused_reason": fact.unused_reason})
        else:
            reason = fact.unused_reason or say("no_reason", settings.staff_lang)
            why = say("fact_unused", settings.staff_lang, reason=reason) if not users else ""
            print(f"{fact.id:6} {fact.status:10} {len(users):3}  {_short(fact.title, 50)}{why}", file=out)
    if not args.json:
        missing = sum(1 for f in facts if f.id not in uses and not f.unused_reason)
        print(say("facts_summary", settings.staff_lang, n=len(shown), unused=sum(1 for f in facts if f.id not in uses),
                  missing=missing), file=out)
    return 0


def cmd_catalogue(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    action = args.catalogue_command or "list"
    with _kb(settings) as kb:
        if action == "import":
            return _done(changes.import_catalogue(kb, args.file, who(args)), out, settings.staff_lang)
        rows = kb.catalogue()
    for row in rows:
        if getattr(args, "json", False):
            _json_line(out, row)
        else:
            stars = "★" * int(row["stars"]) if row.get("stars") else row.get("level") or ""
            print(f"{row['occupation']:20} {row.get('industry') or '':16} {stars:6} {row.get('edition') or ''}",
                  file=out)
    if not getattr(args, "json", False):
        print(say("occupations", settings.staff_lang, n=len(rows)) if rows
              else say("catalogue_empty", settings.staff_lang), file=out)
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    target = Path(_need(args.file, "backup file", "kb backup FILE"))
    if target.exists() and not args.force:
        raise KnowledgeError(f"{target} exists: choose another name, or add --force to overwrite it")
    if target.exists():
        target.unlink()
    with _kb(settings) as kb:
        changes.backup(kb, target)
    print(f"backed up {settings.db_path} to {target}", file=out)
    return 0


def cmd_terms(args: argparse.Namespace, settings: Settings, stdin: TextIO, out: TextIO) -> int:
    action = args.terms_command or "list"
    with _kb(settings) as kb:
        if action == "add":
            return _done(changes.add_term(kb, args.term, who(args), args.kind, args.canonical), out, settings.staff_lang)
        if action == "remove":
            return _done(changes.remove_term(kb, args.term, who(args)), out, settings.staff_lang)
        terms = kb.terms()
    kind = getattr(args, "kind", None)
    for term in terms:
        if kind and term.kind != kind:
            continue
        if getattr(args, "json", False):
            _json_line(out, dataclasses.asdict(term))
        else:
            print(f"{term.term:20} {term.kind:8} {term.canonical or ''}", file=out)
    return 0


COMMANDS: dict[str, Command] = {
    "kb list": cmd_list, "kb show": cmd_show, "kb add": cmd_add, "kb edit": cmd_edit, "kb retire": cmd_retire,
    "kb validate": cmd_validate, "kb backup": cmd_backup, "kb history": cmd_history, "kb revert": cmd_revert,
    "kb stale": cmd_stale, "kb terms": cmd_terms, "kb sources": cmd_sources, "kb facts": cmd_facts,
    "kb catalogue": cmd_catalogue,
}
