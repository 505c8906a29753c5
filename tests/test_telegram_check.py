"""The eligibility check end to end: Telegram through the loopback Bot API server, the same
profiles through ``run_bot.py eligibility``, and a ``kb edit`` of a rule that shows in the next
check without a restart."""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Union

import pytest
import yaml
from telegram.ext import Application

from benchmarks.loopback import TOKEN, BotApiServer, Call
from bot.cli.main import main
from bot.engine.assistant import Assistant
from bot.engine.checkup import decode
from bot.settings import Settings
from knowledge import SEED_DIR, changes
from knowledge.errors import NotFound
from tests.test_telegram import press, say, start_bot, stop_bot

pytestmark = pytest.mark.timeout(60)

Pick = Union[str, tuple[str, int]]  # a button's label, or (field, number): the range holding the number
DOCTOR: list[Pick] = ["博士", "是", "一流大学建设高校", "2025年", "在大连的单位工作", "甘井子区", "是",
                      ("insurance_months", 7), "尚未认定", "租房", "否"]
DOCTOR_TYPED = "phd\nyes\nyes\n2025\nemployed\nganjingzi\nyes\n7\nnone\nrent\nno\n"
BACHELOR: list[Pick] = ["Bachelor's", "No", "2025", "Employed in Dalian", "Ganjingzi", "No",
                        ("insurance_months", 7), "Not certified", "Renting", "No"]
BACHELOR_TYPED = "bachelor\nno\n2025\nemployed\nganjingzi\nno\n7\nnone\nrent\nno\n"


@pytest.fixture
async def bot(settings: Settings, assistant: Assistant, server: BotApiServer) -> AsyncIterator[Application]:
    app = await start_bot(dataclasses.replace(settings, token=TOKEN, api_base_url=server.base_url, send_rate=0),
                          assistant)
    yield app
    await stop_bot(app, server)


@pytest.fixture
def rules(assistant: Assistant) -> list[str]:
    """The knowledge base's entries that carry a rule or an offer, as the seed files hold them
    (added or replaced as staff would; unchanged where the database already has them)."""
    ids = []
    for path in sorted((SEED_DIR / "entries").glob("*.yaml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8")):
            if "eligibility" not in row:
                continue
            try:
                changes.replace_entry(assistant.kb, row["id"], row, "test")
            except NotFound:
                changes.add_entry(assistant.kb, row, "test")
            ids.append(row["id"])
    assistant.refresh()
    return ids


def _data(call: Call, pick: Pick) -> str:
    if isinstance(pick, str):
        found = [b["callback_data"] for b in call.buttons() if b["text"] == pick]
        assert found, (pick, call.text, [b["text"] for b in call.buttons()])
        return found[0]
    name, number = pick
    options = []
    for button in call.buttons():
        profile = decode(button["callback_data"].split("|")[2])
        if profile is not None and profile.get(name) is not None and profile.get(name) <= number:
            options.append((profile.get(name), button["callback_data"]))
    return max(options)[1]


async def walk(server: BotApiServer, chat: int, picks: list[Pick], lang: str = "zh-hans") -> Call:
    """/eligibility, then a press for each pick; returns the result message."""
    mark = len(server.calls)
    server.message(chat, "/eligibility", lang=lang)
    current = await server.wait_message(chat, since=mark)
    for pick in picks:
        if current.method == "sendMessage" and current.text.startswith(("资格自测结果", "Your eligibility")):
            break  # the check ended early: the remaining answers could not change the result
        mark, _ = await press(server, current, _data(current, pick), user_id=chat)
        current = await server.wait_for(lambda c: c.chat_id == chat and c.method in ("editMessageText",
                                                                                     "sendMessage"), mark)
    assert current.method == "sendMessage", current.text
    return current


def listed(text: str) -> list[str]:
    """The numbered lines of a result (the benefits), as plain text."""
    return re.findall(r"^[0-9]+\. .+$", html.unescape(text), flags=re.MULTILINE)


def typed(db: Path, answers: str, *extra: str) -> str:
    out = io.StringIO()
    assert main(["--db", str(db), "eligibility", *extra], stdin=io.StringIO(answers), stdout=out) == 0
    return out.getvalue()


async def test_two_profiles_on_telegram_and_on_the_command_line(
        bot: Application, server: BotApiServer, rules: list[str], db_path: Path) -> None:
    doctor = await walk(server, 4001, DOCTOR)
    assert "1. 高校毕业生住房补贴：2,750元/月（含上浮10%），最长36个月" in listed(doctor.text)  # 2,500 +10%
    bachelor = await walk(server, 4002, BACHELOR, lang="en")
    assert "What is missing: Dalian household registration (open to graduates since 2022)" in \
        html.unescape(bachelor.text)
    assert listed(typed(db_path, DOCTOR_TYPED)) == listed(doctor.text)
    assert listed(typed(db_path, BACHELOR_TYPED, "--lang", "en")) == listed(bachelor.text)
    found = json.loads(typed(db_path, DOCTOR_TYPED, "--json"))
    assert {b["id"] for b in found["applies"]} == {"rental_housing-how-to-apply", "talent_recognition-phd-young"}
    assert {b["id"]: b["missing"] for b in found["almost"]}["graduate_allowance-tuition-subsidy"] == \
        ["在大连连续缴纳社保满24个月"]
    assert {b["id"]: b["amount"] for b in found["almost"]}["graduate_allowance-tuition-subsidy"].startswith(
        "42,000元")  # 30,000 +40% for a first-class university
    found = json.loads(typed(db_path, BACHELOR_TYPED, "--lang", "en", "--json"))
    assert [b["id"] for b in found["applies"]] == ["hukou_registration-general"]
    assert {b["id"]: b["amount"] for b in found["almost"]}["rental_housing-how-to-apply"] == \
        "1,000 yuan a month; for up to 36 months"


async def test_what_am_i_entitled_to_offers_the_check(bot: Application, server: BotApiServer,
                                                      rules: list[str]) -> None:
    await say(server, 4005, "我是博士，在甘井子区工作，博士租房补贴多少")  # said once in the conversation
    answer = await say(server, 4005, "我能享受哪些政策")
    start = next(b["callback_data"] for b in answer.buttons() if "资格自测" in b["text"])
    mark, _ = await press(server, answer, start)
    first = await server.wait_message(4005, since=mark)
    assert "双一流" in first.text and "最高学历" not in first.text  # the degree is not asked again
    steps = await say(server, 4005, "我刚来大连工作，要办哪些事")
    assert re.search(r"1\. 落户大连.+\n(.|\n)+2\. 高校毕业生住房补贴", html.unescape(steps.text))


async def test_back_cancel_and_a_stale_state(bot: Application, server: BotApiServer, rules: list[str]) -> None:
    mark = len(server.calls)
    server.message(4003, "/eligibility")
    first = await server.wait_message(4003, since=mark)
    mark, _ = await press(server, first, _data(first, "硕士"))
    second = await server.wait_for(lambda c: c.method == "editMessageText" and c.chat_id == 4003, mark)
    mark, _ = await press(server, second, _data(second, "⬅ 上一步"))
    back = await server.wait_for(lambda c: c.method == "editMessageText" and c.chat_id == 4003, mark)
    assert "最高学历" in back.text
    mark, forged = await press(server, back, "v1|e|d0d0")
    assert forged.params.get("show_alert")
    mark, _ = await press(server, back, _data(back, "✖ 取消"))
    await server.wait_for(lambda c: c.method == "editMessageText" and "已取消" in c.text, mark)


async def test_a_kb_edit_of_a_rule_shows_in_the_next_check(
        bot: Application, server: BotApiServer, rules: list[str], db_path: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = await walk(server, 4004, BACHELOR, lang="en")
    assert not [line for line in listed(before.text.split("Almost")[0]) if "Graduate housing subsidy" in line]
    editor = tmp_path / "editor.sh"  # staff open the entry in $EDITOR and no longer require hukou
    editor.write_text("#!/bin/sh\nsed -i 's/^    hukou: true$/    hukou: false/' \"$1\"\n", encoding="utf-8")
    editor.chmod(0o755)
    monkeypatch.setenv("VISUAL", str(editor))
    assert main(["--db", str(db_path), "kb", "edit", "rental_housing-how-to-apply", "--who", "staff"]) == 0
    after = await walk(server, 4004, BACHELOR, lang="en")
    assert any("Graduate housing subsidy: 1,000 yuan a month" in line for line in listed(after.text.split("Almost")[0]))
