"""The eligibility check: the rule language, the engine and the guided steps, on fixture entries
(``tests/data/eligibility_rules.yaml``), with today fixed at 2026-11-29."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from bot.cli.main import main
from bot.engine.assistant import Assistant
from bot.engine.checkup import Checkup, Prompt, decode, encode, session_facts
from bot.engine.compose import Composer
from bot.engine.eligibility import Benefit, Profile, assess, next_field
from bot.engine.summary import render
from knowledge import KnowledgeBase, changes
from knowledge.errors import ValidationError
from knowledge.rules import parse_eligibility
from knowledge.seedfiles import SeedRow, parse_entry

TODAY = date(2026, 11, 29)
FIXTURE = Path(__file__).parent / "data" / "eligibility_rules.yaml"

DOCTOR = ["博士", "是", "一流大学建设高校", "2025", "在大连的单位工作", "甘井子区", "是", "7", "尚未认定", "租房", "否"]
BACHELOR = ["bachelor", "no", "2025", "employed", "ganjingzi", "no", "7", "none", "rent", "no"]


@dataclass(frozen=True)
class Window:
    opens: str | None = None
    closes: str | None = None
    yearly: bool = False


def load(text: str | None = None) -> list[Benefit]:
    rows = yaml.safe_load(text if text is not None else FIXTURE.read_text(encoding="utf-8"))
    found = []
    for number, row in enumerate(rows, start=1):
        window = row.pop("_window", None)
        entry = parse_entry(SeedRow(FIXTURE.name, number, None, row))
        assert entry.eligibility is not None
        found.append(Benefit(entry, entry.eligibility, Window(**{k: v if k == "yearly" else str(v)
                                                              for k, v in window.items()}) if window else None))
    return found


@pytest.fixture(scope="module")
def benefits() -> list[Benefit]:
    return load()


def checkup(benefits: list[Benefit]) -> Checkup:
    composer = Composer([], [])
    return Checkup(lambda: benefits, lambda found, lang: render(found, lang, composer), lambda: TODAY)


def answer(check: Checkup, answers: list[str], lang: str = "zh", facts: dict[str, object] | None = None
           ) -> tuple[Prompt, list[str]]:
    prompt, asked = check.begin(facts or {}, lang), []
    for text in answers:
        if prompt.assessment is not None:
            break
        asked.append(str(prompt.field))
        following = check.typed(prompt, text)
        assert following is not None, (prompt.field, text)
        prompt = following
    assert prompt.assessment is not None, "the check should have ended"
    return prompt, asked


# ---------------------------------------------------------------- the two profiles of the issue


def test_a_doctor_from_a_double_first_class_university_gets_this_persons_amounts(benefits: list[Benefit]) -> None:
    done, asked = answer(checkup(benefits), DOCTOR)
    found = done.assessment
    assert found is not None
    assert found.ids["applies"] == ("rental_housing-graduate-subsidy",)
    assert "2,750元/月（含上浮10%），最长36个月" in done.text  # 2,500 for a doctorate, +10% Double First-Class
    assert "社保满6个月后按月发放" not in done.text  # 7 months: nothing missing any more
    # tuition: 30,000 +40% for a first-class university, still 24 months of insurance short; yearly window
    assert found.ids["almost"][0] == "graduate_allowance-tuition-subsidy"
    assert "42,000元" in done.text and "在大连连续缴纳社保满24个月" in done.text
    assert "housing_purchase-voucher-2024" not in found.ids["almost"]  # closed: not "within reach"
    assert "origin" not in asked  # not certified: local or introduced changes nothing


def test_a_bachelor_without_hukou_sees_what_is_missing(benefits: list[Benefit]) -> None:
    done, _ = answer(checkup(benefits), BACHELOR, "en")
    found = done.assessment
    assert found is not None
    assert found.ids["applies"] == ("hukou_registration-graduate",)
    assert "rental_housing-graduate-subsidy" in found.ids["almost"]
    assert "Graduate housing subsidy: 1,000 yuan a month" in done.text
    assert "What is missing: registering your household in Dalian" in done.text  # the rule's own words


def test_pending_and_closed_windows_are_shown(benefits: list[Benefit]) -> None:
    profile = Profile((("degree", "master"), ("double_first_class", False), ("graduation_year", 2026),
                       ("work", "employed"), ("district", "zhuanghe"), ("hukou", True), ("insurance_months", 2),
                       ("housing", "buy"), ("tier", "none"), ("foreign", False)))
    found = assess(benefits, profile, TODAY)
    assert found.ids["applies"] == ("rental_housing-graduate-subsidy",)
    assert found.ids["closed"] == ("housing_purchase-voucher-2024",)
    text = render(found, "zh", Composer([], []))
    assert "注意：社保满6个月后按月发放" in text and "申领已于2025年10月30日截止" in text
    assert "1,500元/月" in text and "50,000元" in text


# ---------------------------------------------------------------- asking only what matters


def test_the_check_asks_only_what_can_change_the_result(benefits: list[Benefit]) -> None:
    check = checkup(benefits)
    _, asked = answer(check, ["其他", "不在大连工作", "否", "尚未认定", "是"])
    assert "double_first_class" not in asked and "graduation_year" not in asked  # no degree: no graduate rule
    assert "district" not in asked and "insurance_months" not in asked  # not working in Dalian
    assert "housing" not in asked  # the only rule on housing needs a degree
    assert next_field(benefits, Profile((("foreign", True),)), TODAY) == "degree"


def test_answers_already_given_are_not_asked_again(benefits: list[Benefit]) -> None:
    facts = {"degree": "phd", "district": "ganjingzi", "double_first_class": True, "tier": "young", "age": 30}
    first = checkup(benefits).begin(facts, "zh")
    assert first.field == "first_class_university" and "第5问" in first.text


def test_back_and_the_state_in_the_buttons(benefits: list[Benefit]) -> None:
    check = checkup(benefits)
    first = check.begin({}, "zh")
    second = check.typed(first, "1")
    assert second is not None and second.field == "double_first_class"
    back = next(b for b in second.buttons if "上一步" in b.label)
    again = check.press(back.value, "zh")
    assert again is not None and again.field == "degree"
    assert check.typed(second, "b") == again
    profile = Profile((("degree", "phd"), ("graduation_year", 2025), ("insurance_months", 7), ("hukou", True)))
    assert decode(encode(profile)) == profile
    for forged in ("d9", "d0d1", "q1", "y1800", "d0x"):
        assert decode(forged) is None, forged
    assert check.press("zz", "zh") is None


def test_month_buttons_follow_the_rules_thresholds(benefits: list[Benefit]) -> None:
    check = checkup(benefits)
    prompt = check.step(Profile((("degree", "phd"), ("double_first_class", False), ("graduation_year", 2025),
                                 ("work", "employed"), ("district", "xigang"), ("hukou", True))), "zh")
    assert prompt.field == "insurance_months"
    assert [v for _, v in prompt.options] == [0, 1, 6, 24]  # the thresholds 1, 6 and 24 of the rules


# ---------------------------------------------------------------- the rule language


@pytest.mark.parametrize("rule, field, words", [
    ({"requires": {"degre": "phd"}}, "eligibility.requires.degre", "unknown field"),
    ({"requires": {"degree": "doctor"}}, "eligibility.requires.degree", "not one of"),
    ({"requires": {"insurance_months": {"atleast": 6}}}, "eligibility.requires.insurance_months.atleast",
     "unknown key"),
    ({"requires": {"hukou": {"min": 1}}}, "eligibility.requires.hukou", "numbers only"),
    ({"requires": {"degree": "phd"}, "amount": {"value": 1}}, "eligibility.amount.unit", "unit"),
    ({"requires": {"degree": "phd"}, "amont": {}}, "eligibility.amont", "unknown key"),
    ({"requires": {"degree": "phd"}, "pending": [{"unless": {"hukou": True}, "zh": "x"}]},
     "eligibility.pending[0].en", "missing"),
    ({"requires": {"degree": "phd"}, "almost": {"tier": {"zh": "认定后", "en": "once certified"}}},
     "eligibility.almost.tier", "does not test"),
])
def test_a_bad_rule_is_named_with_file_row_and_field(rule: dict[str, object], field: str, words: str) -> None:
    row = {"id": "x-rule", "intent": "rental_housing", "title": {"zh": "标题", "en": "Title"},
           "answer": {"zh": "答案", "en": "Answer"}, "eligibility": rule}
    with pytest.raises(ValidationError) as caught:
        parse_entry(SeedRow("entries/rental_housing.yaml", 3, 12, row))
    assert caught.value.field == field and words in caught.value.message
    assert "entries/rental_housing.yaml" in str(caught.value) and "row 3" in str(caught.value)


def test_a_rule_is_data_and_round_trips() -> None:
    rule = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))[1]["eligibility"]
    parsed = parse_eligibility(rule)
    assert parse_eligibility(dict(parsed.raw)) == parsed
    assert parsed.keys() >= {"degree", "graduation_year", "graduated_within_years", "insurance_months", "district"}


def test_the_console_runs_the_same_check(db_path: Path) -> None:
    """``/eligibility`` in the console chat: the same questions, answers typed one a line."""
    with KnowledgeBase.open(db_path) as kb:
        for row in yaml.safe_load(FIXTURE.read_text(encoding="utf-8")):
            row.pop("_window", None)
            if any(e.id == row["id"] for e in kb.entries(active_only=False)):  # the seed has an entry of that id: use the fixture's rules
                changes.replace_entry(kb, row["id"], row, "test")
            else:
                changes.add_entry(kb, row, "test")
    out = io.StringIO()
    lines = "/eligibility\nbachelor\nb\nmaster\nno\n2025\nemployed\nxigang\nyes\n3\nnone\nrent\nno\n"
    assert main(["--db", str(db_path), "console"], stdin=io.StringIO(lines), stdout=out) == 0
    text = out.getvalue()
    assert "您的回答：硕士 · 非双一流 · 2025年毕业" in text
    assert "1. 高校毕业生住房补贴：1,500元/月" in text and "注意：社保满6个月后按月发放" in text


def test_the_conversation_fills_in_what_the_person_said_until_it_expires(assistant: Assistant) -> None:
    key = assistant.kb.pseudonym("telegram", "session:77")
    person = {"person": {"values": {"degree": "master", "tier": "young", "origin": "introduced"}}}
    assistant.kb.save_session(key, {"dialogue": person, "saved_at": datetime.now(timezone.utc).isoformat()})
    assert session_facts(assistant, "77", "telegram") == {"degree": "master", "tier": "young", "origin": "introduced"}
    old = datetime.now(timezone.utc) - timedelta(minutes=assistant.settings.context_minutes + 1)
    assistant.kb.save_session(key, {"dialogue": person, "saved_at": old.isoformat()})
    assert session_facts(assistant, "77", "telegram") == {}
