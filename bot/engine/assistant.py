"""The Assistant: text and session in, Reply out. No channel, no network.

One Assistant is built from Settings and a knowledge base and passed to the
console, ``ask`` and Telegram alike. ``handle`` runs the whole answer path:
read the message, resolve follow-ups from the session's context, decide by
confidence, retrieve the entry, compose the Reply, log the query (and queue it
for review when the assistant could not answer).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from pathlib import Path
from typing import Callable

from bot.engine.compose import Composer
from bot.engine.dialogue import PROCESS_INTENTS, Context, resolve, topic_of
from bot.engine.refresh import Stamp, live_stamp
from bot.engine.reply import Reply
from bot.engine.retrieve import Retriever
from bot.engine.texts import t
from bot.engine.understanding import Understanding
from bot.settings import Settings
from intents.classifier import Prediction
from intents.decide import Decision, Thresholds, decide
from intents.entities import Entities
from intents.normalize import MAX_CHARS, detect_lang, has_words
from knowledge import SEED_DIR, KnowledgeBase, read_dir
from knowledge.models import QueryRecord

log = logging.getLogger(__name__)

SMALLTALK = frozenset({"greeting", "thanks", "goodbye", "bot_capabilities"})
MENU = ("housing_purchase", "rental_housing", "settlement_allowance", "talent_recognition", "hukou_registration",
        "foreign_talent")
MAX_LOGGED = 10_000  # characters of one message kept in the log


class Assistant:
    def __init__(self, kb: KnowledgeBase, settings: Settings, understanding: Understanding | None = None):
        stamp = live_stamp(kb)
        self._refresh_lock = threading.Lock()
        self.kb = kb
        self.settings = settings
        self.understanding = understanding or Understanding.from_kb(kb)
        self.thresholds = Thresholds(settings.answer_threshold, settings.clarify_threshold, settings.margin)
        self.reload_content()
        self._loaded_stamp: Stamp = stamp
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
        self.composer = Composer(intents, self.kb.contacts())
        self.retriever = Retriever(self.kb.entries(), self.understanding.segmenter, self.understanding.normalizer)

    # ------------------------------------------------------------ the answer path

    def handle(self, text: str, session: str, user: str | None = None, channel: str = "console") -> Reply:
        started = time.perf_counter()
        self.refresh()
        raw = (text if isinstance(text, str) else "").encode("utf-8", "replace").decode("utf-8")
        user_key = self.kb.pseudonym(channel, user if user is not None else session)
        session_key = self.kb.pseudonym(channel, f"session:{session}")
        state = self.kb.load_session(session_key, self.settings.context_minutes)
        reading = self.understanding.read(raw)
        lang = state.get("lang") or detect_lang(reading.normalized, default=state.get("last_lang", "zh"))
        if not has_words(reading.core):
            reply = self._nothing_to_read(lang)
            return self._finish(reply, raw, user_key, session_key, channel, started, state, None)
        context = Context.from_dict(state.get("context"))
        resolution = resolve(reading.core, reading.entities, reading.ranking, context, self.understanding.segmenter,
                             self.policy_intents)
        if resolution.continued and context is not None:
            decision = Decision("answer", context.intent, context.confidence, "continues previous turn",
                                tuple(resolution.ranking[:3]))
        elif resolution.leaning and resolution.ranking[0].confidence >= self.thresholds.clarify:
            top = resolution.ranking[0]
            decision = Decision("answer", top.intent, top.confidence, "follow-up topic", tuple(resolution.ranking[:3]))
        else:
            decision = decide(resolution.ranking, self.thresholds)
        reply, new_context = self._respond(decision, resolution.entities, reading.core, lang, context)
        if len(raw) > MAX_CHARS:
            reply = dataclasses.replace(reply, notice=t("long", lang))
        return self._finish(reply, raw, user_key, session_key, channel, started, state, new_context)

    def choose(self, intent: str, session: str, user: str | None = None, channel: str = "console",
               topic: str | None = None) -> Reply:
        """A button press: answer ``intent`` (about ``topic``) as if the person had asked it plainly."""
        started = time.perf_counter()
        user_key = self.kb.pseudonym(channel, user if user is not None else session)
        session_key = self.kb.pseudonym(channel, f"session:{session}")
        state = self.kb.load_session(session_key, self.settings.context_minutes)
        lang = state.get("lang") or state.get("last_lang", "zh")
        context = Context.from_dict(state.get("context"))
        if topic and context is not None:
            context = dataclasses.replace(context, topic=topic)
        elif topic:
            context = Context(topic, topic, Entities(), 1.0)
        entities = context.entities if context else Entities()
        decision = Decision("answer", intent, 1.0, "chosen", (Prediction(intent, 1.0),))
        reply, new_context = self._respond(decision, entities, "", lang, context)
        label = self.composer.label(intent, lang)
        return self._finish(reply, f"[{label}]", user_key, session_key, channel, started, state, new_context)

    def _respond(self, decision: Decision, entities: Entities, core: str, lang: str,
                 context: Context | None) -> tuple[Reply, Context | None]:
        cands = tuple((p.intent, round(p.confidence, 4)) for p in decision.candidates)
        top = Prediction(decision.intent, decision.confidence)
        if decision.action == "clarify":
            options = tuple(p for p in decision.candidates if p.intent != "out_of_scope")
            return self.composer.clarify(lang, top, options, cands), context
        if decision.action == "fallback":
            entry = self.retriever.general("out_of_scope")
            return self.composer.conversation(entry, lang, top, "fallback", cands), context
        intent = decision.intent
        if intent not in self.policy_intents:
            outcome = "handoff" if intent == "human_agent" else "smalltalk"
            entry = self.retriever.best(intent, entities, core)
            menu = MENU if intent in ("greeting", "bot_capabilities") else ()
            return self.composer.conversation(entry, lang, top, outcome, cands, menu), context
        topic = topic_of(decision.candidates, self.policy_intents, context) if intent in PROCESS_INTENTS else None
        entry = self.retriever.best(intent, entities, core, topic) or self.retriever.general(intent)
        if entry is None:
            fallback = self.retriever.general("out_of_scope")
            return self.composer.conversation(fallback, lang, top, "fallback", cands), context
        topic_entry = self.retriever.best(topic, entities, "") if topic else None
        reply = self.composer.answer(entry, lang, top, cands, topic, topic_entry)
        subject = topic or (intent if intent not in PROCESS_INTENTS else None)
        return reply, Context(intent, subject, entities, decision.confidence)

    def _nothing_to_read(self, lang: str) -> Reply:
        return Reply(text=t("empty", lang), lang=lang, intent="out_of_scope", confidence=0.0, outcome="fallback")

    def _finish(self, reply: Reply, raw: str, user_key: str, session_key: str, channel: str, started: float,
                state: dict, context: Context | None) -> Reply:
        review = None
        if reply.outcome == "fallback" and has_words(raw):
            review = "fallback"
        elif reply.outcome == "handoff":
            review = "handoff"
        latency = (time.perf_counter() - started) * 1000
        record = QueryRecord(user=user_key, session=session_key, text=raw[:MAX_LOGGED], lang=reply.lang,
                             intent=reply.intent, confidence=reply.confidence, outcome=reply.outcome,
                             entry_id=reply.entry_id, latency_ms=latency, candidates=reply.candidates,
                             channel=channel)
        query_id = self.kb.log_query(record, review)
        state = dict(state)
        state["last_lang"] = reply.lang
        if context is not None:
            state["context"] = context.to_dict()
        self.kb.save_session(session_key, state)
        buttons = reply.buttons + (self.composer.feedback_buttons(query_id) if reply.feedback else ())
        return dataclasses.replace(reply, query_id=query_id, buttons=buttons)

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
        session_key = self.kb.pseudonym(channel, f"session:{session}")
        state = self.kb.load_session(session_key)
        state["lang"] = lang
        self.kb.save_session(session_key, state)

    def forget(self, user: str, session: str, channel: str = "console") -> int:
        removed = self.kb.forget_user(self.kb.pseudonym(channel, user))
        return removed + self.kb.forget_user(self.kb.pseudonym(channel, f"session:{session}"))

    def close(self) -> None:
        self.kb.close()

    # ---- staying current (reload)
    # Staff change the database from other processes (kb edits, review decisions,
    # train). refresh() notices with one indexed look-up (meta content_version and
    # the id of the stored model) and reloads content and classifier.

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
            understanding = Understanding.from_kb(self.kb)
            self.understanding = understanding
            self.reload_content()
            self._loaded_stamp = before
            log.info("reloaded the knowledge base (content version %s)", before.content_version)
        finally:
            lock.release()
        if understanding.stale and self.on_stale is not None:
            self.on_stale()
        return True
