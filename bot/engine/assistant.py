"""The Assistant: text and session in, Reply out. No channel, no network.

One Assistant is built from Settings and a knowledge base and passed to the
console, ``ask`` and Telegram alike. ``handle`` runs the whole answer path:
load the session's dialogue state (``session``), read the message, resolve it
against the conversation (``dialogue``: a follow-up is read in the light of the
topic), decide by confidence, retrieve the entry for the person's case, compose
the Reply in the person's language and script, log the query (queueing it for
review when the assistant could not answer) and save the state. While a
hand-off is open (``handoff``), the person's words go to staff instead.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from pathlib import Path
from typing import Callable

from bot.engine import catalogue, handoff, term_cache
from bot.engine.compose import Composer
from bot.engine.dialogue import PROCESS_INTENTS, Resolution, named_topic, resolve
from bot.engine.refresh import Stamp, live_stamp
from bot.engine.reply import Reply, copied
from bot.engine.retrieve import Retriever
from bot.engine.script import Scripts
from bot.engine.session import DialogueState, Facts, Handoff, Sessions, Topic
from bot.engine.summary import with_offer
from bot.engine.texts import facts_label, t
from bot.engine.understanding import Understanding
from bot.settings import Settings
from intents.classifier import Prediction
from intents.decide import OUT_OF_SCOPE, Decision, Thresholds, confident, decide
from intents.entities import Entities, without_spans
from intents.lexicon import too_general
from intents.normalize import MAX_CHARS, detect_lang, has_words
from intents.reading import HUMAN, Reading
from knowledge import SEED_DIR, KnowledgeBase, read_dir
from knowledge.models import Entry, QueryRecord
from knowledge.provenance import Register

log = logging.getLogger(__name__)

SMALLTALK = frozenset({"greeting", "thanks", "goodbye", "bot_capabilities"})
MENU = ("housing_purchase", "rental_housing", "settlement_allowance", "talent_recognition", "hukou_registration",
        "foreign_talent")
MAX_LOGGED = 10_000  # characters of one message kept in the log
AGAIN = ("entity", "detail")  # turns that ask the thread's last question again, for another case


APPLICATION = "application_process"
# a message's sentences, and the words that make one a question
_SENTENCES = re.compile(r"[。！？?!；;\n]+|(?<=[a-z0-9])\.\s+", re.IGNORECASE)
_ASKS = re.compile(r"[?？]|吗|么|多少|几|怎么|如何|哪|什么|是否|能否|可否|有没有|\b(?:how|what|which|when|where|who|can|could|do|does|is|are)\b",
                   re.IGNORECASE)
ONE_GENERAL_WORD = "one general word"  # the reason a lone "人才" or "政策" is asked about (intents.lexicon.too_general)
STAMP_EVERY = 1.0  # seconds between looks at the database's content version on the answer path


class Assistant:
    def __init__(self, kb: KnowledgeBase, settings: Settings, understanding: Understanding | None = None):
        stamp = live_stamp(kb)
        self._refresh_lock = threading.Lock()
        self.kb = kb
        self.settings = settings
        self.understanding = understanding or Understanding.from_kb(kb)
        self.thresholds = Thresholds(settings.answer_threshold, settings.clarify_threshold, settings.margin)
        self.sessions = Sessions(kb, settings.context_minutes)
        self.scripts = Scripts()
        self.learned_followups = True
        """Use the learned follow-up reading (``bot.engine.followups``) when the stored model has one."""
        self.reload_content()
        self._loaded_stamp: Stamp = stamp
        self._stamp_due, self._stamp_written = 0.0, -1  # when current() looks at the database again
        self.on_stale: Callable[[], None] | None = None
        """Called when a reload finds the stored model older than the examples (to retrain in the background)."""

    @classmethod
    def open(cls, settings: Settings, seed_dir: Path = SEED_DIR) -> "Assistant":
        """Open the database of ``settings``, loading the seed into it when it is empty."""
        kb = KnowledgeBase.open(settings.db_path)
        if kb.is_empty():
            log.info("empty knowledge base: loading the seed from %s", seed_dir)
            kb.replace_content(read_dir(seed_dir))
        return cls(kb, settings)

    def reload_content(self) -> None:
        """Re-read entries, contacts and intents (after an edit or import)."""
        intents = self.kb.intents()
        self.policy_intents = frozenset(i.id for i in intents if i.kind == "policy")
        contacts, entries = self.kb.contacts(), self.kb.entries()
        self._entries = {e.id: e for e in entries}  # the active entries, read at each reload (no disk on the answer path)
        self.catalogue = catalogue.Catalogue(self.kb.catalogue(), entries)
        self.composer = Composer(intents, contacts, Register(self.kb.sources(), self.kb.facts()))
        segmenter, normalizer = self.understanding.segmenter, self.understanding.normalizer
        previous: Retriever | None = getattr(self, "retriever", None)
        reading = term_cache.key(segmenter, normalizer)
        stored = term_cache.load(self.kb, reading) if previous is None else None  # a reload: previous lends
        self.retriever = Retriever(entries, segmenter, normalizer, contacts, previous=previous,
                                   stored=stored[0] if stored else None)
        self._terms_kept = term_cache.keep(self.kb, reading, self.retriever,
                                           stored[1] if stored else getattr(self, "_terms_kept", None))

    # ------------------------------------------------------------ the answer path

    def handle(self, text: str, session: str, user: str | None = None, channel: str = "console") -> Reply:
        started = time.perf_counter()
        if not self.current():
            self.refresh()
        raw = (text if isinstance(text, str) else "").encode("utf-8", "replace").decode("utf-8")
        user_key, session_key = self._keys(channel, session, user)
        state = self.sessions.load(session_key)
        reading = self.understanding.read(raw, self.thresholds)
        lang = state.lang or detect_lang(reading.normalized, default=state.spoken or "zh")
        state = state.said(raw, lang, self.scripts.of(raw, state.script))
        if state.handoff.open:
            reply, state = self._pass_on(raw, lang, state)
        elif not has_words(reading.core):
            reply = Reply(text=t("empty", lang), lang=lang, intent=OUT_OF_SCOPE, confidence=0.0, outcome="fallback")
        else:
            state = state.told(reading.entities)
            resolution = resolve(reading, state, self.understanding.segmenter.tokens, self.understanding.rank,
                                 self.thresholds, self.policy_intents, self._learned())
            decision = resolution.decision or decide(resolution.ranking, self.thresholds)
            if decision.action != "fallback" and resolution.kind == "new" and too_general(reading.core):
                decision = dataclasses.replace(decision, action="clarify", reason=ONE_GENERAL_WORD)
            log.debug("turn %s: %s, %s %s (%.2f: %s)", state.turn, resolution.kind, decision.action, decision.intent,
                      decision.confidence, decision.reason)
            reply, state = self._respond(decision, resolution, reading, lang, state)
        if len(raw) > MAX_CHARS:
            reply = dataclasses.replace(reply, notice=t("long", lang))
        return self._finish(reply, raw, user_key, session_key, channel, started, state)

    def choose(self, intent: str, session: str, user: str | None = None, channel: str = "console",
               topic: str | None = None) -> Reply:
        """A button press: answer ``intent`` (about ``topic``) as if the person had asked it plainly."""
        started = time.perf_counter()
        user_key, session_key = self._keys(channel, session, user)
        state = self.sessions.load(session_key)
        lang = state.lang or state.spoken or "zh"
        label = self.composer.label(intent, lang)
        state = state.said(f"[{label}]", lang, state.script)
        previous = state.topic
        case = previous.case if previous and (not topic or topic == previous.subject) else Facts()
        if intent in self.policy_intents and (topic or previous is None or intent not in PROCESS_INTENTS):
            subject = topic or (intent if intent in self.policy_intents and intent not in PROCESS_INTENTS else None)
            subject = subject or (previous.subject if previous else None)
            same = previous is not None and subject == previous.subject
            text, asked = (previous.text, previous.asked) if previous is not None and same else ("", "")
            state = state.on_topic(Topic(intent, subject, case, text, 1.0, state.turn, asked=asked))
        decision = Decision("answer", intent, 1.0, "chosen", (Prediction(intent, 1.0),))
        subject = state.topic.subject if state.topic else None
        resolution = Resolution("chosen", [Prediction(intent, 1.0)], case, decision, subject)
        reading = Reading("", "", case.values, [Prediction(intent, 1.0)])
        reply, state = self._respond(decision, resolution, reading, lang, state)
        return self._finish(reply, f"[{label}]", user_key, session_key, channel, started, state)

    def _respond(self, decision: Decision, resolution: Resolution, reading: Reading, lang: str,
                 state: DialogueState) -> tuple[Reply, DialogueState]:
        cands = tuple((p.intent, round(p.confidence, 4)) for p in decision.candidates)
        top = Prediction(decision.intent, decision.confidence)
        if decision.action == "clarify":
            options = tuple(p for p in decision.candidates if p.intent != OUT_OF_SCOPE)
            settled, reason = self._settled(options, reading, decision.reason)
            if settled is None:
                return self.composer.clarify(lang, top, options, cands), state
            decision = dataclasses.replace(decision, action="answer", intent=settled.intent,
                                           confidence=settled.confidence, reason=reason)
        if decision.action == "fallback":
            entry = self.retriever.general(OUT_OF_SCOPE)
            reply = self.composer.conversation(entry, lang, top, "fallback", cands)
            return reply, self._elsewhere(state, resolution, reading)
        intent = decision.intent
        if intent == HUMAN:
            return self._request_person(decision, lang, state, cands)
        if intent not in self.policy_intents:
            entry = self.retriever.best(intent, resolution.case.values, reading.core)
            menu = MENU if intent in ("greeting", "bot_capabilities") else ()
            return self.composer.conversation(entry, lang, top, "smalltalk", cands, menu), state
        return self._answer(decision, resolution, reading, lang, state, cands)

    def _settled(self, options: tuple[Prediction, ...], reading: Reading, why: str) -> tuple[Prediction | None, str]:
        """An unsure reading answered after all, and why: by the entries, else by the question sentence alone; a
        lone general word is always asked about (nothing in it to settle by)."""
        if why == ONE_GENERAL_WORD:
            return None, why
        settled = self._settle(options, reading)
        if settled is not None:
            return settled, "settled by the entries"
        return self._focus(options, reading), "settled by its question sentence"

    def _settle(self, options: tuple[Prediction, ...], reading: Reading) -> Prediction | None:
        """Unsure between benefits: the one whose entries clearly answer the question (retrieve.Retriever.settle)."""
        policy = [p for p in options if p.intent in self.policy_intents and p.intent not in PROCESS_INTENTS]
        if policy and options[0] == policy[0] and {p.intent for p in options[1:]} <= {APPLICATION, policy[0].intent}:
            return policy[0]  # a benefit named, and how to apply for it: the benefit's (specs/intents.md, rule 1)
        if not reading.core or len(policy) != len(options):
            return None
        chosen = self.retriever.settle(((p.intent, p.confidence) for p in policy), reading.core)
        return next((p for p in policy if p.intent == chosen), None)

    def _focus(self, options: tuple[Prediction, ...], reading: Reading) -> Prediction | None:
        """Unsure on a message of several sentences, the context first and the question last ("My wife is a leading
        talent and we move to Dalian in March. Which school can our daughter go to?"): the option the question
        sentence is about, when the model is sure of that sentence alone. (On the 1,507 development and tuning
        questions it settles 2 clarifications, both rightly; overruling a confident answer the same way gained
        nothing there.)"""
        parts = [p for p in _SENTENCES.split(reading.core) if has_words(p)]
        if len(parts) < 2:
            return None
        asked = [p for p in parts if _ASKS.search(p)] or parts[-1:]
        ranking = self.understanding.rank(asked[-1])
        top = ranking[0]
        if not confident(ranking, self.thresholds) or top.intent not in self.policy_intents:
            return None
        return next((p for p in options if p.intent == top.intent), None)

    def _answer(self, decision: Decision, resolution: Resolution, reading: Reading, lang: str,
                state: DialogueState, cands: tuple[tuple[str, float], ...]) -> tuple[Reply, DialogueState]:
        intent = decision.intent
        top = Prediction(intent, decision.confidence)
        subject = self._subject(intent, resolution, decision)
        case = resolution.case
        entities = state.effective(case)
        topic = subject if intent in PROCESS_INTENTS else None
        query = resolution.query or reading.core
        again = self._same_for(state.topic, entities, intent) if resolution.kind in AGAIN else \
            self._counterpart(state.topic, intent) if resolution.kind == "correction" else None
        entry = again or self.retriever.best(intent, entities, query, topic) or self.retriever.general(intent)
        if entry is None:
            fallback = self.retriever.general(OUT_OF_SCOPE)
            return self.composer.conversation(fallback, lang, top, "fallback", cands), state
        topic_entry = self.retriever.best(topic, entities, "") if topic else None
        listed = self.catalogue.answer(reading.core, entities, lang) if intent == catalogue.INTENT else None
        if listed is not None:  # an occupation named: the imported list says, or the honest entry does
            entry = listed.entry or entry
        reply = self.composer.answer(entry, lang, top, cands, topic, topic_entry, body=listed.text if listed else None)
        reply = with_offer(reply, entry, lambda: list(self._entries.values()), self.composer)
        reply = self._with_assumptions(reply, entry, state.carried(case, entities), lang)
        previous = state.topic
        text = previous.text if previous and resolution.continued and previous.subject == subject else reading.core
        return reply, state.on_topic(Topic(intent, subject, case, text, decision.confidence, state.turn,
                                           asked=_asked(previous, resolution, reading), entry=entry.id))

    def _counterpart(self, previous: Topic | None, intent: str) -> Entry | None:
        """The entry of ``intent`` that answers what the thread's last entry answered ("rental_housing-phd" ->
        "housing_purchase-phd"), when a correction moves the question to that benefit; None if it has none."""
        before = self._entries.get(previous.entry) if previous is not None and previous.entry else None
        if before is None or not before.id.startswith(f"{before.intent}-"):
            return None
        return self._entries.get(f"{intent}-{before.id[len(before.intent) + 1:]}")

    def _same_for(self, previous: Topic | None, entities: Entities, intent: str) -> Entry | None:
        """The entry that answered the thread's last question, for the case now named: its sibling whose id and
        conditions differ only in the values that changed ("-voucher-phd" -> "-voucher-master"); None if none."""
        before = self._entries.get(previous.entry) if previous is not None else None
        if before is None or before.intent != intent or not before.conditions:
            return None
        named = entities.as_dict()
        wanted = {key: named.get(key, value) for key, value in before.conditions.items()}
        if wanted == dict(before.conditions):
            return None
        sibling_id = before.id
        for key, value in before.conditions.items():
            if wanted[key] != value:
                sibling_id = sibling_id.replace(f"-{value}", f"-{wanted[key]}")
        sibling = self._entries.get(sibling_id)
        return sibling if sibling is not None and dict(sibling.conditions) == wanted else None

    def _learned(self) -> Callable[[str], float] | None:
        """The learned probability that a message leans on the topic, trained and stored with the intent
        classifier; None (the rules alone) when turned off or when the stored model predates it."""
        return self.understanding.classifier.model.followups if self.learned_followups else None

    def _subject(self, intent: str, resolution: Resolution, decision: Decision) -> str | None:
        """The benefit this answer is about: the intent itself, or for a process question the one it names
        or the conversation's."""
        if intent not in PROCESS_INTENTS:
            return intent
        if resolution.subject:
            return resolution.subject
        return named_topic(decision.candidates, self.policy_intents) or named_topic(resolution.ranking,
                                                                                    self.policy_intents)

    @staticmethod
    def _with_assumptions(reply: Reply, entry: Entry, carried: dict[str, object], lang: str) -> Reply:
        """Name the facts from earlier turns that chose this entry ("按您说的硕士学历："), so they can be corrected."""
        used = {k: v for k, v in carried.items() if k in entry.conditions}
        label = facts_label(used, lang) if used else ""
        if not label:
            return reply
        return dataclasses.replace(reply, text=t("assumed", lang, facts=label) + reply.text)

    def _elsewhere(self, state: DialogueState, resolution: Resolution, reading: Reading) -> DialogueState:
        """Out of scope because of another city: keep the benefit, so that "大连呢" can answer it for Dalian."""
        if not reading.entities.other_place:
            return state
        # the benefit is read from the question without the other city, which alone makes it out of scope
        ranking = self.understanding.rank(reading.core.replace(str(reading.entities.other_place), " "))
        subject = resolution.subject or next((p.intent for p in ranking if p.intent in self.policy_intents
                                              and p.intent not in PROCESS_INTENTS), None)
        if subject is None:
            return state
        confidence = next((p.confidence for p in ranking if p.intent == subject), 0.0)
        text = state.topic.text if state.topic and resolution.kind == "elsewhere" else reading.core
        return state.on_topic(Topic(OUT_OF_SCOPE, subject, resolution.case, text, confidence, state.turn,
                                    elsewhere=True, asked=_asked(state.topic, resolution, reading)))

    # ---- hand-off

    def _request_person(self, decision: Decision, lang: str, state: DialogueState,
                        cands: tuple[tuple[str, float], ...]) -> tuple[Reply, DialogueState]:
        state, relay = handoff.request(state)
        entry = self.retriever.general(HUMAN)
        reply = self.composer.conversation(entry, lang, Prediction(HUMAN, decision.confidence), "handoff", cands)
        text = "\n\n".join(p for p in (reply.text, t("handoff_open", lang)) if p)
        return dataclasses.replace(reply, text=text, relay=relay), state

    def _pass_on(self, raw: str, lang: str, state: DialogueState) -> tuple[Reply, DialogueState]:
        if handoff.is_cancel(raw):
            state, relay = handoff.cancel(state)
            reply = Reply(text=t("handoff_cancelled", lang), lang=lang, intent=HUMAN, confidence=1.0,
                          outcome="handoff", relay=relay)
            return reply, state
        state, relay = handoff.pass_on(state, raw)
        reply = Reply(text=t("handoff_passed", lang), lang=lang, intent=HUMAN, confidence=1.0, outcome="handoff",
                      relay=relay)
        return reply, state

    def attach_ticket(self, session: str, ticket: int, channel: str = "console") -> None:
        """The channel recorded the hand-off as ``ticket``: later messages are passed on under it."""
        key = self._keys(channel, session, None)[1]
        state = self.sessions.load(key)
        if state.handoff.open:
            self.sessions.update_handoff(key, dataclasses.replace(state.handoff, ticket=ticket))

    def close_handoff(self, session_key: str) -> None:
        """Staff replied (or the hand-off could not be delivered): the person talks to the assistant again."""
        self.sessions.update_handoff(session_key, Handoff())

    def session_key(self, session: str, channel: str = "console") -> str:
        return self._keys(channel, session, None)[1]

    # ---- logging and the state

    def _keys(self, channel: str, session: str, user: str | None) -> tuple[str, str]:
        user_key = self.kb.pseudonym(channel, user if user is not None else session)
        return user_key, self.kb.pseudonym(channel, f"session:{session}")

    def _finish(self, reply: Reply, raw: str, user_key: str, session_key: str, channel: str, started: float,
                state: DialogueState) -> Reply:
        reply = self.scripts.apply(reply, state.script)
        review = None
        if reply.outcome == "fallback" and has_words(raw):
            review = "fallback"
        elif reply.outcome == "handoff" and reply.relay is not None and (reply.relay.kind == "open" or reply.relay.first):
            review = "handoff"
        latency = (time.perf_counter() - started) * 1000
        record = QueryRecord(user=user_key, session=session_key, text=raw[:MAX_LOGGED], lang=reply.lang,
                             intent=reply.intent, confidence=reply.confidence, outcome=reply.outcome,
                             entry_id=reply.entry_id, latency_ms=latency, candidates=reply.candidates,
                             channel=channel)
        query_id = self.kb.log_query(record, review)
        state = state.heard("bot", f"{reply.intent} ({reply.outcome}): {reply.text.splitlines()[0] if reply.text else ''}")
        self.sessions.save(session_key, state)
        buttons = reply.buttons + (self.composer.feedback_buttons(query_id) if reply.feedback else ())
        return copied(reply, query_id=query_id, buttons=buttons)

    # ------------------------------------------------------------ other verbs

    def feedback(self, query_id: int, user: str, helpful: bool, channel: str = "console") -> str:
        """Record 👍/👎; a 👎 puts the question into the review queue. Returns the text to show."""
        user_key = self.kb.pseudonym(channel, user)
        row = self.kb.query_row(query_id)
        lang = row.get("lang") or "zh"
        if self.kb.feedback_given(query_id, user_key):  # an old button pressed again
            return t("feedback_already", lang)
        self.kb.record_feedback(query_id, user_key, helpful)
        if helpful:
            return t("feedback_thanks", lang)
        self.kb.enqueue_review(query_id, "not helpful")
        return t("feedback_sorry", lang)

    def set_language(self, session: str, lang: str, channel: str = "console") -> None:
        self.sessions.prefer(self.session_key(session, channel), lang)

    def forget(self, user: str, session: str, channel: str = "console") -> int:
        removed = self.kb.forget_user(self.kb.pseudonym(channel, user))
        return removed + self.kb.forget_user(self.kb.pseudonym(channel, f"session:{session}"))

    def close(self) -> None:
        self.kb.close()

    # ---- staying current (reload)
    # Staff change the database from other processes (kb edits, review decisions,
    # train). refresh() notices with one indexed look-up (meta content_version and
    # the id of the stored model) and reloads content and classifier.

    def current(self) -> bool:
        """True when content and model are those of the database, so ``handle`` will not reload first
        (the Telegram layer then answers on its event loop: the answer path never waits for the disk).

        The database is looked at when this process wrote to it since, else at most every
        ``STAMP_EVERY`` seconds (a change another process makes is seen within that time);
        :meth:`refresh` always looks."""
        now, written = time.monotonic(), self.kb.own_changes()
        if now < self._stamp_due and written == self._stamp_written:
            return True
        if live_stamp(self.kb) != self._loaded_stamp:
            return False
        self._stamp_due, self._stamp_written = now + STAMP_EVERY, written
        return True

    def refresh(self) -> bool:
        """Reload content and the classifier if the database changed since they were loaded.

        Returns True when it reloaded. Cheap when nothing changed; a reload never
        trains (the stored model keeps answering, see ``on_stale``) but reads the
        database, so the Telegram layer calls it from a worker thread; a second
        caller does not wait for a reload in progress.
        """
        before = live_stamp(self.kb)
        if before == self._loaded_stamp:
            return False
        lock = self._refresh_lock
        if not lock.acquire(blocking=False):
            return False
        try:
            understanding = Understanding.from_kb(self.kb, previous=self.understanding)
            self.understanding = understanding
            self.reload_content()
            self._loaded_stamp = before
            log.info("reloaded the knowledge base (content version %s)", before.content_version)
        finally:
            lock.release()
        if understanding.stale and self.on_stale is not None:
            self.on_stale()
        return True


def _asked(previous: Topic | None, resolution: Resolution, reading: Reading) -> str:
    """The question the thread asks now, without its entities: a case alone ("那硕士呢") or a detail keeps the
    previous one, so that the next case named asks it again."""
    if previous is not None and previous.asked and resolution.kind in ("entity", "detail", "elsewhere"):
        return previous.asked
    return without_spans(reading.core, reading.entities.spans)
