"""The dialogue state of one session, and its one owner.

What the assistant remembers in a chat, typed:

- the person's stated facts (degree, talent tier, local or introduced, district,
  nationality, employer or individual, age, graduation year, ...): said in the
  first person ("我是硕士", "I'm a PhD"), they last for the session;
- the current topic: the benefit the thread is about, the last intent answered,
  the question that opened it and the facts of the case asked about ("那硕士呢"),
  which end with the topic;
- the language and script of the conversation, and a hand-off state.

Rules (each one a test in ``tests/test_session.py``):

1. a value the person states now replaces the old one;
2. facts about the person persist through the session, facts about a topic end with it;
3. nothing carries over between sessions, runs or people (the key is the session's
   pseudonym; the console and ``ask`` make a new session per run);
4. the state expires ``TALENTBOT_CONTEXT_MINUTES`` after the last turn; an open
   hand-off lasts until staff reply or the person cancels, at most ``HANDOFF_HOURS``.

Only the language chosen with /lang outlives the state: it is a preference, not
something said in the conversation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from bot.engine.reply import copied
from intents.entities import FACTS, Entities
from knowledge import KnowledgeBase

HANDOFF_HOURS = 24.0
TRANSCRIPT_LINES = 10  # the conversation so far that a hand-off shows staff
COMPETING = ("degree", "tier")  # both pick the case of an entry: the one stated last wins

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Facts:
    """Entities with the turn each one was stated in."""

    values: Entities = field(default_factory=Entities)
    turns: tuple[tuple[str, int], ...] = ()

    def stated(self, entities: Entities, turn: int, named: bool = True) -> "Facts":
        """These facts with ``entities`` stated at ``turn`` replacing the old values, and without those the
        message says do not hold ("学校不是双一流"); with ``named`` False only the latter."""
        values = entities.as_dict() if named else {}
        denied = [name for name in entities.denied if getattr(self.values, name)]
        if not values and not denied:
            return self
        turns = {**dict(self.turns), **{name: turn for name in values}}
        kept = entities.facts_over(self.values) if values else self.values
        for name in denied:
            turns.pop(name, None)
        return Facts(kept.without(*denied) if denied else kept, tuple(sorted(turns.items())))

    def to_dict(self) -> dict[str, Any]:
        return {"values": self.values.as_dict(), "turns": dict(self.turns)}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Facts":
        data = data or {}
        turns = {str(k): int(v) for k, v in dict(data.get("turns") or {}).items() if k in FACTS}
        return cls(Entities.from_dict(dict(data.get("values") or {})), tuple(sorted(turns.items())))


@dataclass(frozen=True)
class Topic:
    """The thread the conversation is on."""

    intent: str  # the intent last answered in this thread (may be a how-to-apply or contacts question)
    subject: str | None  # the benefit the thread is about
    case: Facts  # facts of the case asked about: they end with the topic
    text: str  # the question that opened the topic, to read follow-ups in its light
    confidence: float
    turn: int
    elsewhere: bool = False  # the question was about another city ("青岛…"): answered as out of scope
    asked: str = ""  # the last question asked in the thread, without its entities: "那硕士呢" asks it again
    entry: str = ""  # the entry that answered it: "那硕士呢" after the doctor's voucher is the master's voucher

    def to_dict(self) -> dict[str, Any]:
        return {"intent": self.intent, "subject": self.subject, "case": self.case.to_dict(), "text": self.text,
                "confidence": self.confidence, "turn": self.turn, "elsewhere": self.elsewhere, "asked": self.asked,
                "entry": self.entry}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Topic | None":
        if not data or "intent" not in data:
            return None
        return cls(str(data["intent"]), data.get("subject"), Facts.from_dict(data.get("case")),
                   str(data.get("text") or ""), float(data.get("confidence") or 0.0), int(data.get("turn") or 0),
                   bool(data.get("elsewhere")), str(data.get("asked") or ""), str(data.get("entry") or ""))


@dataclass(frozen=True)
class Handoff:
    """A request for a person: while open, what the person writes goes to staff."""

    open: bool = False
    opened_at: str = ""
    ticket: int | None = None  # the channel's hand-off record, once it has one
    relayed: int = 0  # messages passed on to staff so far

    def to_dict(self) -> dict[str, Any]:
        return {"open": self.open, "opened_at": self.opened_at, "ticket": self.ticket, "relayed": self.relayed}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "Handoff":
        data = data or {}
        ticket = data.get("ticket")
        return cls(bool(data.get("open")), str(data.get("opened_at") or ""), int(ticket) if ticket else None,
                   int(data.get("relayed") or 0))


@dataclass(frozen=True)
class DialogueState:
    turn: int = 0
    person: Facts = field(default_factory=Facts)
    topic: Topic | None = None
    lang: str | None = None  # the language chosen with /lang
    spoken: str | None = None  # the language the person last wrote in
    script: str = "hans"  # hans | hant: the Chinese script the person writes in
    handoff: Handoff = field(default_factory=Handoff)
    transcript: tuple[tuple[str, str], ...] = ()  # (who, text): "person" or "bot"

    # ---- the rules

    def next_turn(self) -> "DialogueState":
        return dataclasses.replace(self, turn=self.turn + 1)

    def said(self, text: str, spoken: str, script: str) -> "DialogueState":
        """The next turn, in which the person said ``text`` in language ``spoken`` and Chinese script ``script``
        (one copy of the state)."""
        return copied(self, turn=self.turn + 1, spoken=spoken, script=script,
                      transcript=self._transcript("person", text))

    def told(self, entities: Entities) -> "DialogueState":
        """Facts said in the first person become the person's, replacing what they said before; a fact said not
        to hold ("学校不是双一流") is no longer the person's, however it is said."""
        if not entities.about_self and not entities.denied:
            return self
        person = self.person.stated(entities, self.turn, named=entities.about_self)
        return self if person is self.person else dataclasses.replace(self, person=person)

    def on_topic(self, topic: Topic | None) -> "DialogueState":
        return copied(self, topic=topic)

    def effective(self, case: Facts) -> Entities:
        """The facts an answer uses: the case's over the person's, newest first; of a degree and a
        tier stated in different turns only the later one (what is said now wins)."""
        turns = {**dict(self.person.turns), **dict(case.turns)}
        if not case.turns:  # (facts without turns have no values: nothing to merge)
            values = self.person.values
        elif not self.person.turns:
            values = case.values
        else:
            values = case.values.merged_over(self.person.values)
        named = [n for n in COMPETING if getattr(values, n)]
        if len(named) == 2 and turns.get(named[0]) != turns.get(named[1]):
            older = min(named, key=lambda n: turns.get(n, -1))
            values = values.without(older)
        return values

    def carried(self, case: Facts, effective: Entities | None = None) -> dict[str, object]:
        """The facts of :meth:`effective` (given, when the caller has them) that were stated before this turn
        (the answer shows them)."""
        values = (self.effective(case) if effective is None else effective).as_dict()
        turns = {**dict(self.person.turns), **dict(case.turns)}
        return {name: value for name, value in values.items() if turns.get(name, self.turn) < self.turn}

    def heard(self, who: str, text: str) -> "DialogueState":
        return copied(self, transcript=self._transcript(who, text))

    def _transcript(self, who: str, text: str) -> tuple[tuple[str, str], ...]:
        return (*self.transcript, (who, text[:300]))[-TRANSCRIPT_LINES:]

    # ---- storage

    def to_dict(self) -> dict[str, Any]:
        return {"turn": self.turn, "person": self.person.to_dict(),
                "topic": self.topic.to_dict() if self.topic else None, "script": self.script,
                "handoff": self.handoff.to_dict(), "transcript": [list(line) for line in self.transcript]}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, lang: str | None = None,
                  spoken: str | None = None) -> "DialogueState":
        data = data or {}
        transcript = tuple((str(w), str(t)) for w, t in (data.get("transcript") or ()))
        return cls(int(data.get("turn") or 0), Facts.from_dict(data.get("person")), Topic.from_dict(data.get("topic")),
                   lang, spoken, str(data.get("script") or "hans"), Handoff.from_dict(data.get("handoff")), transcript)


@dataclass(frozen=True)
class Kept:
    """A stored dialogue state as the answer path reads it: typed, with the moment it was saved."""

    state: DialogueState  # with the language chosen with /lang and the one last spoken
    saved: datetime | None


class Sessions:
    """Loads and saves the dialogue state of a session (by its pseudonymous key), with expiry.

    The state lives in memory, typed (``KnowledgeBase.session_view``): a turn reads it without decoding
    anything, and a save hands its encoding to the background writer, which writes it behind (a clean stop
    writes everything; a restart reads the states back). What is kept is exactly what reading the stored
    state back gives, so a conversation goes on the same whether its state came from memory or from disk.
    """

    def __init__(self, kb: KnowledgeBase, minutes: float, clock: Clock = _utc_now):
        self.kb = kb
        self.minutes = minutes
        self.clock = clock

    def load(self, key: str) -> DialogueState:
        kept: Kept | None = self.kb.session_view(key, _decode)
        if kept is None:
            return DialogueState()
        state, age = kept.state, self.clock() - kept.saved if kept.saved else None
        if age is None or age > timedelta(minutes=self.minutes):
            keep = state.handoff.open and age is not None and age <= timedelta(hours=HANDOFF_HOURS)
            state = DialogueState(lang=state.lang, spoken=state.spoken, handoff=state.handoff,
                                  transcript=state.transcript) if keep else DialogueState(lang=state.lang,
                                                                                          spoken=state.spoken)
        return state

    def save(self, key: str, state: DialogueState) -> None:
        stored = self.kb.load_session(key)
        stored.pop("context", None)  # the untyped context of earlier versions
        now, dialogue = self.clock(), state.to_dict()
        stored.update({"dialogue": dialogue, "saved_at": now.isoformat()})
        if state.spoken:
            stored["last_lang"] = state.spoken
        lang, spoken = stored.get("lang"), stored.get("last_lang")
        if (lang, spoken) != (state.lang, state.spoken):
            state = dataclasses.replace(state, lang=lang, spoken=spoken)
        # the state itself is kept: it is what reading ``dialogue`` back gives (tests/test_session.py checks)
        self.kb.save_session(key, stored, Kept(state, now))

    def preference(self, key: str) -> str | None:
        """The language chosen with /lang, if any."""
        return self.kb.load_session(key).get("lang")

    def prefer(self, key: str, lang: str) -> None:
        stored = self.kb.load_session(key)
        stored["lang"] = lang
        self.kb.save_session(key, stored)

    def update_handoff(self, key: str, handoff: Handoff) -> None:
        """Change only the hand-off of a stored state (a staff reply closes it, a channel attaches its ticket)."""
        state = self.load(key)
        self.save(key, dataclasses.replace(state, handoff=handoff))


def _decode(stored: dict[str, Any]) -> Kept:
    """A stored state, typed (once per save: ``KnowledgeBase.session_view`` keeps it)."""
    return Kept(DialogueState.from_dict(dict(stored.get("dialogue") or {}), stored.get("lang"), stored.get("last_lang")),
                _parse(stored.get("saved_at")))


def _parse(value: object) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
