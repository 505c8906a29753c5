"""The console channel: chat in a terminal, or answer standard input line by line.

Each reply is shown with numbered buttons; a line that is just the number of a
button presses it (on a terminal and with piped input alike), and a number no
button has gets a hint instead of being read as a question. On a terminal it
greets first and stops at "quit"; with piped input it answers each line and
exits at its end. Each run is a new session: nothing said in an earlier run is
remembered. There is no staff chat here, so a hand-off prints what would be
sent to staff.
"""

from __future__ import annotations

import uuid
from typing import TextIO

from bot.channels.guided import run_check
from bot.engine.assistant import Assistant
from bot.engine.checkup import decode, open_checkup, session_facts
from bot.engine.reply import ASK, CHECK, FEEDBACK, HUMAN, Relay, Reply, plain
from bot.settings import Settings
from bot.staff.training import open_assistant

CHANNEL = "console"
QUIT = {"quit", "exit", "退出", ":q"}
CHECK_COMMANDS = {"/eligibility", "资格自测"}
NO_BUTTON = {"zh": "没有第 {n} 个按钮：请输入 1 到 {last} 之间的数字，或直接输入问题。",
             "en": "There is no button {n}: type a number from 1 to {last}, or ask a question."}


def run_console(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    assistant = open_assistant(settings)
    interactive = stdin.isatty()
    session = f"console:{uuid.uuid4().hex[:12]}"  # a new conversation every run
    try:
        shown: Reply | None = None
        if interactive:
            shown = assistant.choose("greeting", session)
            print(_show(shown), file=out)
        while True:
            if interactive:
                print("\n> ", end="", file=out, flush=True)
            line = stdin.readline()
            if not line:
                break
            text = line.rstrip("\n")
            if text.strip().lower() in QUIT:
                break
            state = _check_state(shown, text.strip())
            if state is not None:
                _check(assistant, session, state, shown.lang if shown is not None else "zh", stdin, out)
                continue
            reply = _press(assistant, session, shown, text.strip())
            reply = reply if reply is not None else assistant.handle(text, session)
            if isinstance(reply, str):
                print(reply + ("" if interactive else "\n"), file=out, flush=True)
                continue
            shown = reply
            print(_show(reply) + ("" if interactive else "\n"), file=out, flush=True)
    finally:
        assistant.close()
    return 0


def _check_state(shown: Reply | None, text: str) -> str | None:
    """The state to start the eligibility check from: "" for /eligibility, a check button's state."""
    if text.lower() in CHECK_COMMANDS:
        return ""
    buttons = shown.buttons if shown is not None else ()
    if text.isdigit() and 1 <= int(text) <= len(buttons) and buttons[int(text) - 1].action == CHECK:
        return buttons[int(text) - 1].value
    return None


def _check(assistant: Assistant, session: str, state: str, lang: str, stdin: TextIO, out: TextIO) -> None:
    checkup = open_checkup(assistant.kb, lambda: assistant.composer)
    profile = decode(state) if state else None
    first = checkup.step(profile, lang) if profile is not None else \
        checkup.begin(session_facts(assistant, session, CHANNEL), lang)
    run_check(checkup, first, stdin, out)
    print(file=out)


def _press(assistant: Assistant, session: str, shown: Reply | None, text: str) -> Reply | str | None:
    """The answer to pressing button ``text`` of the reply on show; None when ``text`` is no button number."""
    if shown is None or not shown.buttons or not text.isdigit() or len(text) > 3:
        return None
    if not 1 <= int(text) <= len(shown.buttons):
        return NO_BUTTON.get(shown.lang, NO_BUTTON["zh"]).format(n=text, last=len(shown.buttons))
    button = shown.buttons[int(text) - 1]
    if button.action == ASK:
        intent, _, topic = button.value.partition(":")
        return assistant.choose(intent, session, topic=topic or None)
    if button.action == FEEDBACK:
        query_id, _, helpful = button.value.partition(":")
        return assistant.feedback(int(query_id), session, helpful == "1")
    if button.action == HUMAN:
        return assistant.choose("human_agent", session)
    return None


def _show(reply: Reply) -> str:
    text = plain(reply)
    if reply.buttons:
        text += "\n" + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1))
    if reply.relay is not None:
        text += "\n" + to_staff(reply.relay)
    return text


def to_staff(relay: Relay) -> str:
    """What a hand-off would send to the staff chat (the console has none)."""
    lines = [f"[to staff: {relay.kind}] {relay.text or '-'}"]
    if relay.kind == "open" or relay.first:
        lines += [f"  {who}: {said}" for who, said in relay.transcript]
    return "\n".join(lines)
