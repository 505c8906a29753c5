"""The learning loop as staff live it: what the bot missed lands in the review queue,
staff decide through `review`, `train` retrains, and the bot answers next time.

Real processes over a real SQLite copy (see tests/test_cli.py), and the library
verbs of knowledge.review where a test looks inside the database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.engine.assistant import Assistant
from bot.engine.refresh import live_model_report
from bot.settings import Settings
from bot.staff.training import guarded_training, train_report
from knowledge import KnowledgeBase
from knowledge import review as queue
from knowledge.models import QueryRecord

ROOT = Path(__file__).resolve().parents[1]

# A new phrasing nobody trained: the seed model falls back on it.
MISSED = "俺家小崽子念书咋办"  # dialect the assistant cannot place: it falls back (not a clarify)


def run(args: list[str], db: Path, stdin: str = "") -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TALENTBOT_"))}
    return subprocess.run([sys.executable, "run_bot.py", "--db", str(db), *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=240, env=environ)


def ask(db: Path, *questions: str) -> list[dict]:
    lines = "".join(json.dumps({"text": q}, ensure_ascii=False) + "\n" for q in questions)
    done = run(["ask", "--jsonl"], db, lines)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def open_groups(db: Path) -> list[dict]:
    done = run(["review", "list", "--json"], db)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def queue_question(kb: KnowledgeBase, text: str, reason: str = "fallback") -> int:
    """Log ``text`` as a question the assistant could not answer; returns its review id."""
    kb.log_query(QueryRecord("someone", "chat", text, "zh", "out_of_scope", 0.2, "fallback", None, 1.0,
                             (("out_of_scope", 0.2), ("housing_purchase", 0.1))), reason)
    return kb.reviews("open")[-1].id


# ---------------------------------------------------------------- the whole loop


def test_a_missed_question_is_assigned_retrained_and_then_answered(db_path: Path) -> None:
    first = ask(db_path, MISSED)[0]
    assert first["outcome"] == "fallback"
    [group] = [g for g in open_groups(db_path) if g["text"] == MISSED]

    done = run(["review", "assign", str(group["ids"][0]), "--intent", "children_education", "--who", "li"], db_path)
    assert done.returncode == 0, done.stderr
    assert "已归入意图 children_education" in done.stdout and "train" in done.stdout
    trained = run(["train", "--folds", "3"], db_path)
    assert trained.returncode == 0, trained.stderr
    assert "accuracy" in trained.stdout and "新模型已启用" in trained.stdout

    again = ask(db_path, MISSED)[0]
    assert again["intent"] == "children_education" and again["outcome"] == "answer"
    assert not [g for g in open_groups(db_path) if g["text"] == MISSED]
    with KnowledgeBase.open(db_path) as kb:
        closed = queue.item(kb, group["ids"][0])
        assert (closed.status, closed.resolution, closed.resolved_by) == ("resolved", "assigned:children_education",
                                                                           "li")
        assert any(e.text == MISSED and e.origin == "review" for e in kb.examples())
        assert live_model_report(kb)["cv_accuracy"] > 0.8


def test_the_interactive_walk_works_from_piped_keys(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        first = queue_question(kb, MISSED)
        second = queue_question(kb, "今天大连天气怎么样")
    # an unknown key, then assign the first item by typing an intent id; skip the second; end of input
    done = run(["review", "--who", "wang"], db_path, "x\na\nchildren_education\ns\n")
    assert done.returncode == 0, done.stderr
    assert MISSED in done.stdout and "候选意图：" in done.stdout and "相似条目：" in done.stdout
    assert "未知按键“x”" in done.stdout
    with KnowledgeBase.open(db_path) as kb:
        assert queue.item(kb, first).resolution == "assigned:children_education"
        assert queue.item(kb, first).resolved_by == "wang"
        assert queue.item(kb, second).status == "open"


def test_the_walk_writes_an_answer_with_the_intent_rule_telegram_uses(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        review_id = queue_question(kb, "人才公寓的房租能报销吗")
    done = run(["review", "--who", "zhou"], db_path, "w\n#rental_housing 符合条件的人才可申请租房补贴。\n\n")
    assert done.returncode == 0, done.stderr
    assert "中文答案" in done.stdout and "已撰写新条目 rental_housing-review-1" in done.stdout
    with KnowledgeBase.open(db_path) as kb:
        entry = kb.entry("rental_housing-review-1")
        assert queue.item(kb, review_id).resolved_by == "zhou"
    assert entry.intent == "rental_housing" and entry.answer.zh == entry.answer.en == "符合条件的人才可申请租房补贴。"
    assert entry.contact


# ---------------------------------------------------------------- grouping, ignore, answer


def test_similar_questions_are_grouped_and_one_decision_closes_them_all(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        alike = [queue_question(kb, t) for t in ("俺家娃来大连念书咋整？", "俺家娃来大连念书咋整", "俺家 娃来大连念书咋办!")]
        other = queue_question(kb, "今天大连天气怎么样")
    groups = open_groups(db_path)
    assert [g["ids"] for g in groups] == [alike, [other]]

    done = run(["review", "assign", str(alike[0]), "--group", "--intent", "children_education", "--json"], db_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["review_ids"] == alike and result["examples_added"] == 3
    assert [g["ids"] for g in open_groups(db_path)] == [[other]]


def test_grouping_by_character_bigrams() -> None:
    assert queue.similarity("博士买房补贴多少？", "博士 买房补贴多少!") == 1.0
    assert queue.similarity("博士买房补贴多少", "博士买房的补贴多少") >= queue.SIMILAR
    assert queue.similarity("博士买房补贴多少", "今天天气怎么样") < queue.SIMILAR
    assert queue.similarity("How do I apply?", "how do i apply") == 1.0


def test_ignore_closes_items_without_teaching_anything(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        review_id = queue_question(kb, "asdfgh qwerty")
        examples = len(kb.examples())
    done = run(["review", "ignore", str(review_id), "--who", "zhao"], db_path)
    assert done.returncode == 0, done.stderr
    with KnowledgeBase.open(db_path) as kb:
        item = queue.item(kb, review_id)
        assert (item.status, item.resolution, item.resolved_by) == ("ignored", "ignored", "zhao")
        assert len(kb.examples()) == examples
        logged = list(kb.db.query("select * from changes where table_name = 'unanswered' and row_id = ?",
                                  [str(review_id)]))
        assert logged[0]["who"] == "zhao" and json.loads(logged[0]["before"])["status"] == "open"
    again = run(["review", "ignore", str(review_id)], db_path)
    assert again.returncode == 2 and "already ignored" in again.stderr


def test_a_written_answer_becomes_an_entry_the_assistant_uses(db_path: Path) -> None:
    question = "who covers my lodging costs"
    assert ask(db_path, question)[0]["outcome"] == "fallback"
    [group] = [g for g in open_groups(db_path) if g["text"] == question]
    done = run(["review", "answer", str(group["ids"][0]), "--intent", "rental_housing", "--zh",
                "符合条件的人才可以申请租房补贴，详见租房补贴政策。", "--en",
                "Eligible talents can apply for a rent subsidy; see the rent subsidy policy.", "--json"], db_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["entry_id"] == "rental_housing-review-1"
    with KnowledgeBase.open(db_path) as kb:
        entry = kb.entry("rental_housing-review-1")
        assert entry.status == "active" and entry.sources == ("staff",) and entry.facts == ()
        assert entry.questions == (question,)
        assert entry.contact  # whom to ask: the intent's contact
    assert ask(db_path, question)[0]["outcome"] == "fallback"  # the accepted model answers until `train`
    assert run(["train", "--folds", "3"], db_path).returncode == 0
    reply = ask(db_path, question)[0]
    assert reply["entry_id"] == "rental_housing-review-1" and "rent subsidy" in reply["answer"]
    assert queue.STAFF_SOURCE in reply["answer"] and reply["sources"][0]["kind"] == "staff"


def test_every_decision_is_logged_and_bumps_the_content_version(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        review_id = queue_question(kb, MISSED)
        version = int(list(kb.db.query("select value from meta where key = 'content_version'"))[0]["value"])
        done = queue.link(kb, [review_id], "children_education-general", "sun")
        assert done.content_version == version + 1
        changes = {(r["table_name"], r["action"]) for r in kb.db.query("select * from changes where who = 'sun'")}
        assert changes == {("unanswered", "update"), ("examples", "insert"), ("entries", "update")}
        assert MISSED in kb.entry("children_education-general").questions


def test_a_decision_over_a_closed_item_changes_nothing_at_all(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        fresh, closed = queue_question(kb, MISSED), queue_question(kb, "asdfgh qwerty")
        queue.ignore(kb, [closed], "zhou")
        examples, changes = len(kb.examples()), kb.db["changes"].count
    done = run(["review", "assign", str(fresh), str(closed), "--intent", "children_education"], db_path)
    assert done.returncode == 2 and f"review item {closed} is already ignored" in done.stderr
    with KnowledgeBase.open(db_path) as kb:
        assert queue.item(kb, fresh).status == "open"
        assert (len(kb.examples()), kb.db["changes"].count) == (examples, changes)


def test_an_unknown_intent_changes_nothing(db_path: Path) -> None:
    with KnowledgeBase.open(db_path) as kb:
        review_id = queue_question(kb, MISSED)
    done = run(["review", "assign", str(review_id), "--intent", "weather"], db_path)
    assert done.returncode == 2 and "no intent 'weather'" in done.stderr
    with KnowledgeBase.open(db_path) as kb:
        assert queue.item(kb, review_id).status == "open"


# ---------------------------------------------------------------- retraining guard


def test_train_refuses_a_much_worse_model_unless_forced(db_path: Path, settings: Settings) -> None:
    # the template's live model was trained through the guard with three folds, as the first start trains it
    with KnowledgeBase.open(db_path) as kb:
        assert live_model_report(kb)["folds"] == 3
        live = live_model_report(kb)
        # garbage: 200 phrases of other intents taught as greetings
        garbage = [e.text for e in kb.examples() if e.intent not in ("greeting", "out_of_scope")][::10][:200]
        ids = [queue_question(kb, text) for text in garbage]
        queue.assign(kb, ids, "greeting", "careless")

    refused = run(["train", "--folds", "3"], db_path)
    assert refused.returncode == 2
    assert "新模型未启用" in refused.stderr and "--force" in refused.stderr and "Traceback" not in refused.stderr
    with KnowledgeBase.open(db_path) as kb:
        assert live_model_report(kb) == live  # the live model is kept
        text = train_report(kb, settings, folds=3, force=True)
        assert "新模型已启用" in text
        assert live_model_report(kb)["cv_accuracy"] < live["cv_accuracy"] - 0.02
        assert live_model_report(kb)["forced"] is True


# ---------------------------------------------------------------- staying current


def test_refresh_picks_up_an_answer_written_through_another_connection(assistant: Assistant,
                                                                       settings: Settings) -> None:
    question = "who covers my lodging costs"
    assert assistant.handle(question, "s1").outcome == "fallback"
    assistant.kb.flush()  # the log is written behind the answer; another process sees it once written
    assistant.refresh()
    assert assistant.refresh() is False  # nothing changed since

    with KnowledgeBase.open(settings.db_path) as other:
        review_id = other.reviews("open")[-1].id
        queue.answer(other, [review_id], "rental_housing", "租房补贴请看租房补贴政策。",
                     "For the rent subsidy, see the rent subsidy policy.", "qian")

    stale: list[bool] = []
    assistant.on_stale = lambda: stale.append(True)
    assert assistant.refresh() is True
    assert stale == [True]  # the new phrase waits for a guarded training; the accepted model answers meanwhile
    with KnowledgeBase.open(settings.db_path) as other:
        assert guarded_training(other, folds=3, by="test").accepted
    assert assistant.refresh() is True
    reply = assistant.handle(question, "s2")
    assert reply.entry_id == "rental_housing-review-1"
    assert assistant.refresh() is False and stale == [True]


def test_the_answer_path_looks_at_the_database_when_this_process_wrote_else_at_most_every_second(
        assistant: Assistant, settings: Settings, monkeypatch) -> None:
    import types

    from bot.engine import assistant as module

    clock = [1000.0]
    monkeypatch.setattr(module, "time", types.SimpleNamespace(monotonic=lambda: clock[0],
                                                              perf_counter=module.time.perf_counter))
    assert assistant.current()
    with KnowledgeBase.open(settings.db_path) as other, other.db.atomic():
        other.bump_version()  # another process edits the knowledge base
    assert assistant.current(), "looked at most every STAMP_EVERY seconds"
    clock[0] += module.STAMP_EVERY
    assert not assistant.current()
    assert assistant.refresh() and assistant.current()
    with assistant.kb.db.atomic():
        assistant.kb.bump_version()  # this process edits it (a staff command): seen at once
    assert not assistant.current()
    assert assistant.handle("博士买房有补贴吗", "s").outcome == "answer" and assistant.current()
