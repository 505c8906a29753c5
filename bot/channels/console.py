"""The console channel: chat in a terminal, or answer standard input line by line.

Each reply is shown with numbered buttons; a line that is just the number of a
button presses it (on a terminal and with piped input alike), and a number no
button has gets a hint instead of being read as a question. On a terminal it
greets first and stops at "quit"; with piped input it answers each line and
exits at its end.
"""

from __future__ import annotations

from typing import TextIO

from bot.engine.assistant import Assistant
from bot.engine.reply import ASK, FEEDBACK, HUMAN, Reply, plain
from bot.settings import Settings
from bot.staff.training import open_assistant

SESSION = "console"
QUIT = {"quit", "exit", "退出", ":q"}
NO_BUTTON = {"zh": "没有第 {n} 个按钮：请输入 1 到 {last} 之间的数字，或直接输入问题。",
             "en": "There is no button {n}: type a number from 1 to {last}, or ask a question."}


def run_console(settings: Settings, stdin: TextIO, out: TextIO) -> int:
    assistant = open_assistant(settings)
    interactive = stdin.isatty()
    try:
        shown: Reply | None = None
        if interactive:
            shown = assistant.choose("greeting", SESSION)
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
            reply = _press(assistant, shown, text.strip())
            reply = reply if reply is not None else assistant.handle(text, SESSION)
            if isinstance(reply, str):
                print(reply + ("" if interactive else "\n"), file=out, flush=True)
                continue
            shown = reply
            print(_show(reply) + ("" if interactive else "\n"), file=out, flush=True)
    finally:
        assistant.close()
    return 0


def _press(assistant: Assistant, shown: Reply | None, text: str) -> Reply | str | None:
    """The answer to pressing button ``text`` of the reply on show; None when ``text`` is no button number."""
    if shown is None or not shown.buttons or not text.isdigit() or len(text) > 3:
        return None
    if not 1 <= int(text) <= len(shown.buttons):
        return NO_BUTTON.get(shown.lang, NO_BUTTON["zh"]).format(n=text, last=len(shown.buttons))
    button = shown.buttons[int(text) - 1]
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
