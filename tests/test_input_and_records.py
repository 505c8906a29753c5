"""Hostile input to ``ask --jsonl``, review grouping at scale, delivery in the statistics,
/forget's reach and the retention purge: the knowledge base and the JSON-lines channel, no network."""

from __future__ import annotations

import io
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.channels.jsonlines import MAX_LINE, answer_lines
from bot.settings import Settings
from knowledge import KnowledgeBase, delivery, privacy, review
from knowledge.models import QueryRecord, Review
from knowledge.stats import collect

# ---------------------------------------------------------------- ask --jsonl

HOSTILE = [
    "博士买房有补贴吗".encode(),                                 # plain text, not JSON: answered as a question
    b'{"text": "\\ud800 lone surrogate"}',                      # a lone surrogate
    b'{"text": ' + b"1" * 5000 + b"}",                          # a number too long to convert
    b"[" * 100_000 + b"]" * 100_000,                            # nesting too deep
    b"\xff\xfe not UTF-8 \xc3",                                 # invalid UTF-8
    '{"text": "line\u2028separator\u2029paragraph"}'.encode(),  # JavaScript line breaks, echoed back
    b'{"text": 12345, "session": ["a"]}',                       # odd types
    b'{"text": "a\\u0000b"}',                                   # a NUL
    b'"just a string"',
    b"x" * (MAX_LINE + 10),                                     # a line over the cap
    json.dumps({"text": "那硕士呢"}, ensure_ascii=False).encode(),
]


def test_ask_jsonl_answers_every_hostile_line_with_valid_utf8_json(settings: Settings) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"\n".join(HOSTILE) + b"\n"), encoding="utf-8")
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert answer_lines(settings, stdin, stdout) == 0
    stdout.flush()
    data = stdout.buffer.getvalue()  # type: ignore[attr-defined]
    assert "\u2028".encode() not in data and "\u2029".encode() not in data
    out = [json.loads(line) for line in data.decode("utf-8").splitlines()]  # strict UTF-8, strict JSON
    assert len(out) == len(HOSTILE)
    errors = {i + 1 for i, o in enumerate(out) if "error" in o}
    assert errors == {2, 3, 4, 5, 10}, out
    assert all(o["line"] == i for i, o in zip(sorted(errors), [out[i - 1] for i in sorted(errors)]))
    assert out[0]["intent"] == "housing_purchase" and out[5]["text"] == "line\u2028separator\u2029paragraph"
    assert all(o["outcome"] for i, o in enumerate(out, 1) if i not in errors)


# ---------------------------------------------------------------- review grouping


def _reference_groups(items: list[Review], threshold: float = review.SIMILAR) -> list[tuple[int, ...]]:
    """The plain quadratic definition: an item joins the first group holding a similar item."""
    groups: list[list[Review]] = []
    for item in items:
        home = next((g for g in groups if any(review.similarity(item.text, o.text) >= threshold for o in g)), None)
        (home if home is not None else groups.append([]) or groups[-1]).append(item)
    return [tuple(r.id for r in g) for g in groups]


def _item(number: int, text: str) -> Review:
    return Review(id=number, query_id=None, ts="", text=text, reason="fallback", candidates=(), status="open",
                  resolution=None, resolved_by=None, resolved_at=None)


def test_grouping_agrees_with_the_definition_on_random_near_duplicates() -> None:
    rng = random.Random(7)
    stems = ["博士买房补贴", "硕士租房补贴多少", "how to apply for housing", "人才公积金贷款额度", "!!", "", "a"]
    items = []
    for number in range(400):
        text = list(rng.choice(stems))
        for _ in range(rng.randint(0, 3)):  # small edits: some stay similar, some do not
            if text and rng.random() < 0.5:
                text.pop(rng.randrange(len(text)))
            else:
                text.insert(rng.randrange(len(text) + 1), rng.choice("补贴房租多少的吗?x "))
        items.append(_item(number, "".join(text)))
    assert [g.ids for g in review.group(items)] == _reference_groups(items)


def test_the_review_queue_has_no_silent_cap_and_groups_thousands(tmp_path: Path) -> None:
    rng = random.Random(3)
    words = "补贴 购房 租房 博士 硕士 落户 公积金 贷款 子女 入学 医疗 创业 外籍 人才 认定 申请 材料 多少 哪里 怎么".split()
    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        asked = ["".join(rng.choice(words) for _ in range(12)) + f"#{n}" for n in range(1500)]
        for number in range(3000):
            text = asked[number % 1500] + ("？" if number >= 1500 else "")  # each asked twice
            kb.log_query(QueryRecord("u", "s", text, "zh", "x", 0.1, "fallback", None, 1.0, (), "test"), "fallback")
        groups = review.open_groups(kb)
    assert sum(len(g.items) for g in groups) == 3000
    assert len(groups) <= 1500 and all(len(g.items) >= 2 for g in groups)


# ---------------------------------------------------------------- delivery in the statistics


def test_an_undelivered_answer_is_not_counted_as_answered(tmp_path: Path) -> None:
    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        ids = [kb.log_query(QueryRecord("u", "s", f"q{i}", "zh", "housing_purchase", 0.9, "answer", None, 1.0, (),
                                        "telegram")) for i in range(3)]
        delivery.set_delivery(kb, ids[0], delivery.DELIVERED)
        delivery.set_delivery(kb, ids[1], delivery.RETRYING)
        delivery.set_delivery(kb, ids[2], delivery.FAILED)
        numbers = collect(kb, datetime.now(timezone.utc) - timedelta(days=1))
    assert numbers.outcomes["answer"] == 1 and numbers.outcomes["undelivered"] == 2


# ---------------------------------------------------------------- forget and retention


def _rows_holding(kb: KnowledgeBase, needles: list[str]) -> list[tuple[str, dict]]:
    found = []
    for table in kb.db.table_names():
        for row in kb.db.query(f"select * from [{table}]"):
            text = json.dumps(row, ensure_ascii=False, default=str)
            if any(n in text or json.dumps(n, ensure_ascii=False)[1:-1] in text for n in needles):
                found.append((table, row))
    return found


def test_forget_reaches_reviews_training_phrases_entries_and_the_change_log(tmp_path: Path) -> None:
    question, other = "量子猫咪人才补贴在哪领取", "别人的问题：博士后进站补贴"
    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        kb.db.table("intents").insert({"id": "housing_purchase", "kind": "policy", "label_zh": "购房",
                                       "label_en": "Housing"})
        me, session = kb.pseudonym("telegram", 7), kb.pseudonym("telegram", "session:7")
        mine = kb.log_query(QueryRecord(me, session, question, "zh", "x", 0.1, "fallback", None, 1.0, (),
                                        "telegram"), "fallback")
        kb.log_query(QueryRecord("someone", "s2", other, "zh", "x", 0.1, "fallback", None, 1.0, (), "telegram"),
                     "fallback")
        kb.record_feedback(mine, me, False)
        kb.save_session(session, {"context": {"text": question}})
        kb.open_handoff(-100, 7, me, "zh", question, mine)
        kb.subscribe(me, 7, "zh")
        delivery.receive(kb, [delivery.Received(1, me, json.dumps({"text": question}, ensure_ascii=False))])
        review.assign(kb, [r.id for r in kb.reviews()], "housing_purchase", "staff")  # both become phrases
        assert _rows_holding(kb, [me, question])
        removed = privacy.forget(kb, [me, session])
        assert not _rows_holding(kb, [me, question]), _rows_holding(kb, [me, question])
        assert {"queries", "feedback", "sessions", "handoffs", "subscriptions", "reviews", "examples", "changes",
                "inbox"} <= set(removed.counts)
        assert [e.text for e in kb.examples() if e.origin == "review"] == [other]  # the other person's stays


def test_retention_purges_old_logs_and_keeps_open_reviews(tmp_path: Path) -> None:
    old = (datetime.now(timezone.utc) - timedelta(days=40)).isoformat(timespec="milliseconds")
    with KnowledgeBase.open(tmp_path / "kb.sqlite") as kb:
        for text, reason in (("old answered", None), ("old open", "fallback"), ("old resolved", "fallback"),
                             ("new", None)):
            kb.log_query(QueryRecord("u", "s", text, "zh", "x", 0.5, "answer", None, 1.0, (), "t"), reason)
        resolved = next(r.id for r in kb.reviews() if r.text == "old resolved")
        review.ignore(kb, [resolved], "staff")
        kb.save_session("s-old", {})
        kb.open_handoff(-1, 1, "u", "zh", "old hand-off", None)
        kb.flush()  # the rows handed to the background writer are written before they are aged below
        with kb.db.atomic():
            kb.db.execute("update queries set ts = ? where text like 'old%'", [old])
            kb.db.execute("update unanswered set ts = ?, resolved_at = ? where text like 'old%'", [old, old])
            kb.db.execute("update sessions set updated_at = ?", [old])
            kb.db.execute("update handoffs set created_at = ?", [old])
        removed = privacy.purge(kb, days=30)
        texts = [r["text"] for r in kb.db.query("select text from queries order by id")]
        assert texts == ["old open", "new"]  # the open review still points at its query
        assert [r.text for r in kb.reviews(status=None)] == ["old open"]
        assert removed.counts["sessions"] == 1 and removed.counts["handoffs"] == 1
        assert privacy.purge(kb, days=0).total == 0  # 0 keeps everything
