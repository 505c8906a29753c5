"""Hand-off as a state of the dialogue: after a request for a person, the person's words go to staff.

``request`` opens it (``/human``, "转人工", the "talk to a person" button); while it
is open every message is passed on (``pass_on``) until staff reply (``close``,
called by the channel that delivered the reply) or the person cancels
("取消", "cancel"). The channel delivers each ``Relay``: Telegram posts it to the
staff chat, the console prints what would be sent. See ``bot/channels/tg/handoff.mmd``.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone

from bot.engine.reply import Relay
from bot.engine.session import DialogueState, Handoff

CANCEL = re.compile(r"^\s*/?(?:取消|取消转人工|不用了|不用转了|算了|撤销|cancel|stop|never ?mind|no thanks)[\s!！。.~]*$",
                    re.IGNORECASE)


def is_cancel(text: str) -> bool:
    return bool(CANCEL.match(text))


def request(state: DialogueState, question: str = "") -> tuple[DialogueState, Relay]:
    """Open the hand-off; staff learn of it with the person's latest question and the conversation so far."""
    latest = question or _latest_question(state)
    opened = Handoff(True, datetime.now(timezone.utc).isoformat(timespec="seconds"), state.handoff.ticket
                     if state.handoff.open else None, state.handoff.relayed if state.handoff.open else 0)
    return dataclasses.replace(state, handoff=opened), Relay("open", latest, state.transcript, opened.ticket)


def pass_on(state: DialogueState, text: str) -> tuple[DialogueState, Relay]:
    """The person wrote while the hand-off is open: the message goes to staff."""
    handoff = dataclasses.replace(state.handoff, relayed=state.handoff.relayed + 1)
    relay = Relay("message", text, state.transcript, handoff.ticket, first=handoff.relayed == 1)
    return dataclasses.replace(state, handoff=handoff), relay


def cancel(state: DialogueState) -> tuple[DialogueState, Relay]:
    relay = Relay("cancel", "", (), state.handoff.ticket)
    return dataclasses.replace(state, handoff=Handoff()), relay


def _latest_question(state: DialogueState) -> str:
    """The person's last message before this request (the request itself is the last line)."""
    said = [text for who, text in state.transcript[:-1] if who == "person"]
    return said[-1] if said else ""
