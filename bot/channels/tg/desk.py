"""The Telegram channel's service desk: the Assistant and the hand-off records, channel-free.

Handlers call these blocking methods through ``asyncio.to_thread``: each one
may read or write SQLite. The exception is ``handle`` while the assistant is
``current``: answering then reads and writes memory only (the log, the link to
the update and the dialogue state are written behind, by the knowledge base's
writer thread), so it runs on the event loop. Nothing here imports
``telegram``; a ``Who`` names the person and chat an update came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.tg.ledger import current
from bot.engine.assistant import MENU, Assistant
from bot.engine.checkup import Prompt, open_checkup, session_facts
from bot.engine.reply import ASK, Button, Relay, Reply
from bot.settings import Settings
from knowledge import privacy
from knowledge.errors import NotFound
from knowledge.store import Handoff

CHANNEL = "telegram"
CONTEXT_TURNS = 5
DEEP_LINKS = {  # /start <topic> → intent (also any intent id itself)
    "housing": "housing_purchase", "rent": "rental_housing", "allowance": "settlement_allowance",
    "recognition": "talent_recognition", "hukou": "hukou_registration", "foreign": "foreign_talent",
    "policy": "policy_overview", "startup": "startup_support", "school": "children_education",
    "medical": "medical_care", "loan": "provident_fund_loan", "catalogue": "shortage_catalogue",
}


@dataclass(frozen=True)
class Who:
    """Where an update came from. Groups keep one session per member."""

    chat_id: int
    user_id: int
    private: bool = True

    @property
    def session(self) -> str:
        return str(self.chat_id) if self.private else f"{self.chat_id}:{self.user_id}"

    @property
    def user(self) -> str:
        return str(self.user_id)


@dataclass(frozen=True)
class Ticket:
    """A hand-off just opened: what staff should see."""

    id: int
    lang: str
    question: str
    context: tuple[str, ...]


class Desk:
    def __init__(self, assistant: Assistant, settings: Settings):
        self.assistant = assistant
        self.settings = settings
        self.kb = assistant.kb
        self.checkup = open_checkup(assistant.kb, lambda: assistant.composer)

    # ---- the Assistant, for one Telegram user

    def handle(self, text: str, who: Who) -> Reply:
        return self._linked(self.assistant.handle(text, who.session, who.user, CHANNEL))

    def current(self) -> bool:
        """True when ``handle`` will not reload the knowledge base first (it may run on the event loop)."""
        return self.assistant.current()

    def _linked(self, reply: Reply) -> Reply:
        """Tie the logged query to the update being handled (a retry after a crash replaces its row)."""
        ledger = current()
        if ledger is not None and ledger.post is not None and reply.query_id is not None:
            ledger.post.link_query(ledger.update_id, reply.query_id)
        return reply

    def choose(self, intent: str, topic: str | None, who: Who, hint: str | None = None) -> Reply:
        """A button or command with no text to read the language from: ``hint`` (the Telegram
        client's language) is used for a person the assistant has not talked with yet."""
        if hint:
            self._hint_language(who, hint)
        return self._linked(self.assistant.choose(intent, who.session, who.user, CHANNEL, topic=topic or None))

    def feedback(self, query_id: int, helpful: bool, who: Who) -> str | None:
        """Record 👍/👎 on the user's own query; None when the query is not theirs (a forged button)."""
        try:
            row = self.kb.query_row(query_id)
        except NotFound:
            return None
        if row.get("user") != self._user_key(who):
            return None
        return self.assistant.feedback(query_id, who.user, helpful, CHANNEL)

    def language(self, who: Who, fallback: str) -> str:
        """The language chosen with /lang, else the one last spoken, else ``fallback`` (Telegram's language_code)."""
        state = self.kb.load_session(self.kb.pseudonym(CHANNEL, f"session:{who.session}"))
        return str(state.get("lang") or state.get("last_lang") or fallback)

    def _hint_language(self, who: Who, lang: str) -> None:
        key = self.kb.pseudonym(CHANNEL, f"session:{who.session}")
        state = self.kb.load_session(key)
        if not state.get("lang") and not state.get("last_lang"):
            self.kb.save_session(key, {**state, "last_lang": lang})

    def set_language(self, who: Who, lang: str) -> None:
        self.assistant.set_language(who.session, lang, CHANNEL)

    def forget(self, who: Who) -> dict[str, int]:
        """Remove everything derived from the person; the rows removed, per kind of record."""
        keys = (self._user_key(who), self.kb.pseudonym(CHANNEL, f"session:{who.session}"))
        return privacy.forget(self.kb, keys).counts

    def begin_check(self, who: Who, lang: str) -> Prompt:
        """The eligibility check's first question, with what the person already said filled in
        (the language is kept for the check's later steps, as for any button)."""
        self._hint_language(who, lang)
        return self.checkup.begin(session_facts(self.assistant, who.session, CHANNEL), lang)

    def menu(self, lang: str) -> tuple[Button, ...]:
        return tuple(Button(self.assistant.composer.label(i, lang), ASK, i) for i in MENU)

    def known(self, intent: str) -> bool:
        return intent in self.assistant.composer.intents

    def deep_link(self, arg: str) -> str | None:
        intent = DEEP_LINKS.get(arg.lower(), arg.lower())
        return intent if self.known(intent) else None

    # ---- hand-offs

    def request_person(self, who: Who, hint: str | None = None) -> Reply:
        """The "talk to a person" button: the same as asking for one."""
        return self.choose("human_agent", None, who, hint)

    def open_handoff(self, who: Who, lang: str, query_id: int | None = None, relay: Relay | None = None) -> Ticket | None:
        """Record a hand-off of the user's question ``query_id`` (else their latest question), with the
        conversation so far (the relay's transcript, else their recent questions) as context; None while an
        earlier hand-off still waits for staff."""
        staff_chat = self.settings.staff_chat_id
        if staff_chat is None:
            raise NotFound("no staff chat configured")
        if self.kb.open_handoff_of(self._user_key(who)) is not None:
            return None
        recent = self.kb.recent_questions(self._user_key(who), CONTEXT_TURNS)
        asked = [q for q in recent if q["outcome"] != "handoff" and not str(q["text"]).startswith("[")]
        chosen = [q for q in recent if q["id"] == query_id]
        latest = chosen[-1] if chosen else asked[-1] if asked else None
        # the question the engine named (the request itself when it says what it is about) unless a button chose one
        question = relay.text if relay is not None and relay.text and not chosen else str(latest["text"]) if latest else ""
        query_id = int(latest["id"]) if latest else None
        session_key = self.assistant.session_key(who.session, CHANNEL)
        handoff_id = self.kb.open_handoff(staff_chat, who.chat_id, self._user_key(who), lang, question, query_id,
                                          session_key)
        if relay is not None and relay.transcript:
            context = tuple(f"{'👤' if speaker == 'person' else '🤖'} {said}" for speaker, said in relay.transcript)
        else:
            context = tuple(f"{q['ts'][11:16]} {q['text']} → {q['intent']} ({q['outcome']})" for q in recent)
        self.assistant.attach_ticket(who.session, handoff_id, CHANNEL)
        return Ticket(handoff_id, lang, question, context)

    def waiting_for_staff(self, who: Who) -> bool:
        """The person has a hand-off that still waits for a staff reply."""
        return self.kb.open_handoff_of(self._user_key(who)) is not None

    def end_handoff(self, who: Who) -> None:
        """The hand-off could not reach staff: the person talks to the assistant again."""
        self.assistant.close_handoff(self.assistant.session_key(who.session, CHANNEL))

    def attach(self, handoff_id: int, staff_message_id: int) -> None:
        self.kb.attach_handoff_message(handoff_id, staff_message_id)

    def handoff_for(self, staff_message_id: int) -> Handoff | None:
        if self.settings.staff_chat_id is None:
            return None
        return self.kb.handoff_by_message(self.settings.staff_chat_id, staff_message_id)

    def record_reply(self, handoff_id: int, text: str, staff_id: int) -> None:
        """Staff replied: recorded, and the person's next messages go to the assistant again."""
        self.kb.record_handoff_reply(handoff_id, text, f"{CHANNEL}:{staff_id}")
        session_key = self.kb.handoff(handoff_id).session
        if session_key:
            self.assistant.close_handoff(session_key)

    def propose(self, handoff_id: int, staff_id: int) -> int | None:
        """Queue the hand-off as a proposed answer; None when staff have not replied yet."""
        try:
            return self.kb.propose_from_handoff(handoff_id, f"{CHANNEL}:{staff_id}")
        except NotFound:
            return None

    def _user_key(self, who: Who) -> str:
        return self.kb.pseudonym(CHANNEL, who.user)
