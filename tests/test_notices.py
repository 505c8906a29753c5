"""Notices to topic followers in the knowledge base: drafting from staff changes and opened
windows, confirmation, batches, recovery after a stop, forgetting."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest

from bot.cli.main import main
from knowledge import KnowledgeBase, changes
from knowledge import notices as store

TODAY = date(2026, 11, 29)
TOPICS = ("rental_housing", "housing_purchase", "graduate_allowance")


@pytest.fixture
def kb(db_path: Path) -> KnowledgeBase:
    opened = KnowledgeBase.open(db_path)
    yield opened  # type: ignore[misc]
    opened.close()


def _entry(kb: KnowledgeBase, intent: str) -> str:
    return next(e.id for e in kb.entries(intent) if not e.conditions)


def test_a_staff_change_of_an_active_entry_becomes_one_draft(kb: KnowledgeBase) -> None:
    assert store.scan(kb, TOPICS, TODAY) == []  # the change log before the feature is not news
    entry = _entry(kb, "rental_housing")
    changes.update_entry(kb, entry, {"answer.zh": "新的答案"}, "staff")
    changes.update_entry(kb, entry, {"answer.en": "A new answer"}, "staff")
    changes.mark_reviewed(kb, _entry(kb, "housing_purchase"), "staff", date(2026, 11, 30))  # no news
    changes.update_entry(kb, _entry(kb, "medical_care"), {"answer.zh": "医疗"}, "staff")  # nobody's topic here
    drafts = store.scan(kb, TOPICS, TODAY)
    assert [(n.topic, n.entry_id, n.kind) for n in drafts] == [("rental_housing", entry, "change")] * 2
    assert [n.entry_id for n in store.drafts(kb)] == [entry]  # the later change replaced the earlier draft
    assert store.scan(kb, TOPICS, TODAY) == []


def test_confirm_batches_settle_recover_and_forget(kb: KnowledgeBase) -> None:
    for n in range(7):
        store.follow(kb, f"u{n}", 500 + n, "rental_housing", "zh" if n % 2 else "en")
    assert not store.follow(kb, "u0", 500, "rental_housing", "en")
    store.follow(kb, "other", 600, "housing_purchase", "zh")
    changes.update_entry(kb, _entry(kb, "rental_housing"), {"answer.zh": "更新"}, "staff")
    (draft,) = store.scan(kb, TOPICS, TODAY)
    assert store.claim(kb, 10)[1] == []  # a draft is never sent
    assert store.confirm(kb, draft.id, "staff") == 7
    with pytest.raises(store.NoticeError):
        store.confirm(kb, draft.id, "staff")
    _, first = store.claim(kb, 3)
    assert len(first) == 3 and {d.chat_id for d in first} == {500, 501, 502}
    store.settle(kb, [(first[0], "sent"), (first[1], "blocked"), (first[2], "pending")])
    _, interrupted = store.claim(kb, 2)  # a stop here leaves two rows "sending"
    assert store.recover(kb) == 2
    assert store.forget_follower(kb, "u6") == 2  # the topic and the pending delivery
    _, rest = store.claim(kb, 10)
    assert {d.user for d in rest} == {"u4", "u5"} and not {d.user for d in interrupted} & {d.user for d in rest}
    assert store.settle(kb, [(d, "sent") for d in rest]) == [draft.id]
    assert store.counts(kb, draft.id) == {"sent": 3, "blocked": 1, "unknown": 2}
    assert store.notice(kb, draft.id).status == "done" and store.claim(kb, 10)[1] == []


def test_a_window_that_opens_is_news_once(kb: KnowledgeBase) -> None:
    if "window" not in kb.db.table("entries").columns_dict:  # the column of the entries' claim windows
        kb.db.table("entries").add_column("window", str)
    entry = _entry(kb, "graduate_allowance")
    kb.db.table("entries").update(entry, {"window": '{"opens": "2026-11-27", "closes": "2026-12-10", "yearly": true}'})
    (opened,) = store.scan(kb, TOPICS, TODAY)
    assert (opened.kind, opened.topic, opened.opens, opened.closes) == ("window", "graduate_allowance",
                                                                        "2026-11-27", "2026-12-10")
    assert store.scan(kb, TOPICS, TODAY) == []
    assert store.scan(kb, TOPICS, date(2026, 12, 11)) == []  # over: no news


def test_staff_preview_and_confirm_on_the_command_line(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        store.follow(kb, "u1", 700, "rental_housing", "zh")
        changes.update_entry(kb, _entry(kb, "rental_housing"), {"answer.zh": "更新"}, "staff")
    out = io.StringIO()
    assert main(["--db", str(db_path), "notices"], stdout=out) == 0
    number = int(re.search(r"(?:Notice|通知) #([0-9]+)", out.getvalue()).group(1))  # type: ignore[union-attr]
    assert "发给 1 位关注者" in out.getvalue() and "您关注的「" in out.getvalue() and "共 1 条草稿" in out.getvalue()
    out = io.StringIO()
    assert main(["--db", str(db_path), "notices", "confirm", str(number), "--who", "staff"], stdout=out) == 0
    assert "已确认，将发给 1 位关注者" in out.getvalue()
    assert main(["--db", str(db_path), "notices", "confirm", str(number)], stdout=io.StringIO()) == 2
