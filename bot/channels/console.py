"""The console channel: chat in a terminal, or answer standard input line by line.

On a terminal it greets, shows each reply with numbered buttons (type the number
to press one) and stops at "quit" or end of input. When standard input is not a
terminal it answers each line and exits at its end. Each run is a new session:
nothing said in an earlier run is remembered. There is no staff chat here, so a
hand-off prints what would be sent to staff.
"""

from __future__ import annotations

import uuid
from typing import TextIO

from bot.channels.guided import run_check
from bot.engine.assistant import Assistant
from bot.engine.checkup import decode, open_checkup, session_facts
from bot.engine.reply import ASK, CHECK, FEEDBACK, HUMAN, Button, Relay, Reply, plain
from bot.settings import Settings

CHANNEL = "console"
QUIT = {"quit", "exit", "退出", ":q"}
CHECK_COMMANDS = {"/eligibility", "资格自测"}


def run_console(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    assistant = Assistant.open(settings)
    interactive = stdin.isatty()
    session = f"console:{uuid.uuid4().hex[:12]}"  # a new conversation every run
    try:
        if interactive:
            print(_show(assistant.choose("greeting", session)), file=out)
        buttons: tuple[Button, ...] = ()
        lang = "zh"
        while True:
            if interactive:
                print("\n> ", end="", file=out, flush=True)
            line = stdin.readline()
            if not line:
                break
            text = line.rstrip("\n")
            if text.strip().lower() in QUIT:
                break
            state = _check_state(buttons, text.strip(), interactive)
            if state is not None:
                _check(assistant, session, state, lang, stdin, out)
                continue
            reply = _press(assistant, session, buttons, text.strip()) if interactive else None
            reply = reply if reply is not None else assistant.handle(text, session)
            if isinstance(reply, str):
                print(reply, file=out)
                continue
            buttons, lang = reply.buttons, reply.lang
            print(_show(reply) + ("" if interactive else "\n"), file=out, flush=True)
    finally:
        assistant.close()
    return 0


def _check_state(buttons: tuple[Button, ...], text: str, interactive: bool) -> str | None:
    """The state to start the eligibility check from: "" for /eligibility, a check button's state."""
    if text.lower() in CHECK_COMMANDS:
        return ""
    if interactive and text.isdigit() and 1 <= int(text) <= len(buttons) and buttons[int(text) - 1].action == CHECK:
        return buttons[int(text) - 1].value
    return None


def _check(assistant: Assistant, session: str, state: str, lang: str, stdin: TextIO, out: TextIO) -> None:
    checkup = open_checkup(assistant.kb, lambda: assistant.composer)
    profile = decode(state) if state else None
    first = checkup.step(profile, lang) if profile is not None else \
        checkup.begin(session_facts(assistant, session, CHANNEL), lang)
    run_check(checkup, first, stdin, out)
    print(file=out)


def _press(assistant: Assistant, session: str, buttons: tuple[Button, ...], text: str) -> Reply | str | None:
    if not text.isdigit() or not 1 <= int(text) <= len(buttons):
        return None
    button = buttons[int(text) - 1]
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
