"""The console channel: chat in a terminal, or answer standard input line by line.

On a terminal it greets, shows each reply with numbered buttons (type the number
to press one) and stops at "quit" or end of input. When standard input is not a
terminal it answers each line and exits at its end.
"""

from __future__ import annotations

from typing import TextIO

from bot.engine.assistant import Assistant
from bot.engine.reply import ASK, FEEDBACK, HUMAN, Button, Reply, plain
from bot.settings import Settings

SESSION = "console"
QUIT = {"quit", "exit", "退出", ":q"}


def run_console(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    assistant = Assistant.open(settings)
    interactive = stdin.isatty()
    try:
        if interactive:
            print(_show(assistant.choose("greeting", SESSION)), file=out)
        buttons: tuple[Button, ...] = ()
        while True:
            if interactive:
                print("\n> ", end="", file=out, flush=True)
            line = stdin.readline()
            if not line:
                break
            text = line.rstrip("\n")
            if text.strip().lower() in QUIT:
                break
            reply = _press(assistant, buttons, text.strip()) if interactive else None
            reply = reply if reply is not None else assistant.handle(text, SESSION)
            if isinstance(reply, str):
                print(reply, file=out)
                continue
            buttons = reply.buttons
            print(_show(reply) + ("" if interactive else "\n"), file=out, flush=True)
    finally:
        assistant.close()
    return 0


def _press(assistant: Assistant, buttons: tuple[Button, ...], text: str) -> Reply | str | None:
    if not text.isdigit() or not 1 <= int(text) <= len(buttons):
        return None
    button = buttons[int(text) - 1]
    if button.action == ASK:
        intent, _, topic = button.value.partition(":")
        return assistant.choose(intent, SESSION, topic=topic or None)
    if button.action == FEEDBACK:
        query_id, _, helpful = button.value.partition(":")
        return assistant.feedback(int(query_id), SESSION, helpful == "1")
    if button.action == HUMAN:
        return assistant.handle("转人工", SESSION)
    return None


def _show(reply: Reply) -> str:
    text = plain(reply)
    if reply.buttons:
        text += "\n" + "  ".join(f"[{i}] {b.label}" for i, b in enumerate(reply.buttons, start=1))
    return text
