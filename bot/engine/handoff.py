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
from intents.reading import weight

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


# Words that only ask for a person: a request made of these alone carries no question of its own.
REQUEST_WORDS = re.compile(
    r"转接人工|转人工|人工客服|人工服务|人工|客服|真人|工作人员|找人|联系|投诉|反映|我要|我想|想要|请|帮我|给我|麻烦|一下|吧|啊|呢|"
    r"谢谢|好的|/human|\b(?:human|agent|person|someone|somebody|staff|operator|real|talk|speak|to|with|a|an|i|i'd|want|"
    r"need|would|like|please|can|could|connect|me|let|transfer|complain|complaint|member|of|the|now|hi|hello)\b",
    re.IGNORECASE)
MORE_THAN_A_REQUEST = 4  # Chinese characters plus English words left: the request says what it is about
SELF_CONTAINED = 6  # a message this long says what it asks on its own; a shorter one ("那博士呢") leans on an earlier one


def _latest_question(state: DialogueState) -> str:
    """What staff should read first: the request itself when it says what it is about ("补贴三个月没到账，我要投诉，
    转人工"), else the person's message before it (a button press, "[…]", is no message), after the question it
    leans on when it is a short follow-up ("那硕士呢")."""
    lines = state.transcript
    request = lines[-1][1] if lines and lines[-1][0] == "person" and not lines[-1][1].startswith("[") else ""
    if request and weight(REQUEST_WORDS.sub(" ", request.casefold())) >= MORE_THAN_A_REQUEST:
        return request
    said = [text for who, text in lines[:-1] if who == "person" and not text.startswith("[")]
    if not said or weight(said[-1]) >= SELF_CONTAINED:
        return said[-1] if said else ""
    earlier = next((text for text in reversed(said[:-1]) if weight(text) >= SELF_CONTAINED), None)
    return f"{earlier} → {said[-1]}" if earlier else said[-1]  # "博士学费补助多少 → 那硕士呢": staff read it whole
