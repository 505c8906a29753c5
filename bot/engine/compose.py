"""Composing Replies: the answer in the user's language with its source, contact and buttons."""

from __future__ import annotations

from bot.engine.reply import ASK, FEEDBACK, HUMAN, Button, Reply
from bot.engine.texts import t
from intents.classifier import Prediction
from knowledge.models import Contact, Entry, Intent
from knowledge.provenance import Register

MAX_RELATED = 2


class Composer:
    def __init__(self, intents: list[Intent], contacts: list[Contact], register: Register | None = None):
        self.intents = {i.id: i for i in intents}
        self.contacts = {c.id: c for c in contacts}
        self.register = register or Register((), ())
        # what an entry's answer always shows, made once per entry, language and topic (a reload makes a new
        # Composer): the contact's lines and the follow-up buttons
        self._contact_lines: dict[tuple[str | None, str], tuple[str, ...]] = {}
        self._buttons: dict[tuple[str, str, str | None], tuple[Entry, tuple[Button, ...]]] = {}

    def label(self, intent: str, lang: str) -> str:
        known = self.intents.get(intent)
        return known.label.get(lang) if known else intent

    def contact_lines(self, contact_id: str | None, lang: str) -> tuple[str, ...]:
        known = self._contact_lines.get((contact_id, lang))
        if known is None:
            known = self._contact_lines[(contact_id, lang)] = self._contact_lines_of(contact_id, lang)
        return known

    def _contact_lines_of(self, contact_id: str | None, lang: str) -> tuple[str, ...]:
        contact = self.contacts.get(contact_id or "")
        if contact is None:
            return ()
        parts = [contact.name.get(lang)]
        if contact.phone:
            parts.append(f"{t('phone', lang)} {contact.phone}")
        if contact.address.get(lang):
            parts.append(contact.address.get(lang))
        if contact.hours.get(lang):
            parts.append(contact.hours.get(lang))
        if contact.url:
            parts.append(contact.url)
        return (t("contact", lang) + ", ".join(parts),)

    def answer(self, entry: Entry, lang: str, prediction: Prediction, candidates: tuple[tuple[str, float], ...],
               topic: str | None, topic_entry: Entry | None, outcome: str = "answer", body: str | None = None) -> Reply:
        """The entry's answer; with ``body`` (a catalogue look-up), that text instead, with the entry's contact."""
        sources = self.register.sources_for(entry) if body is None else ()
        body = entry.answer.get(lang) if body is None else body
        contact_id = entry.contact
        if topic and entry.conditions.get("topic") != topic:
            # A general how-to-apply or contacts answer, asked about one benefit.
            body = t("about_topic", lang, topic=self.label(topic, lang)) + "\n" + body
            contact_id = (topic_entry.contact if topic_entry else None) or contact_id
        return Reply(
            text=body, lang=lang, intent=prediction.intent, confidence=prediction.confidence, outcome=outcome,
            entry_id=entry.id, candidates=candidates, sources=sources,
            contact=self.contact_lines(contact_id, lang), buttons=self.followup_buttons(entry, lang, topic),
            feedback=outcome == "answer", topic=topic,
        )

    def followup_buttons(self, entry: Entry, lang: str, topic: str | None) -> tuple[Button, ...]:
        known = self._buttons.get((entry.id, lang, topic))
        if known is not None and (known[0] is entry or known[0] == entry):
            return known[1]
        buttons = self._followup_buttons(entry, lang, topic)
        self._buttons[(entry.id, lang, topic)] = (entry, buttons)
        return buttons

    def _followup_buttons(self, entry: Entry, lang: str, topic: str | None) -> tuple[Button, ...]:
        kind = self.intents.get(entry.intent)
        if kind is None or kind.kind != "policy":
            return ()
        subject = topic or (entry.intent if entry.intent not in ("application_process", "service_contacts") else None)
        buttons = []
        if entry.intent != "application_process":
            buttons.append(Button(t("apply", lang), ASK, f"application_process:{subject or ''}"))
        if entry.intent != "service_contacts":
            buttons.append(Button(t("contacts", lang), ASK, f"service_contacts:{subject or ''}"))
        for related in entry.followups[:MAX_RELATED]:
            if related not in ("application_process", "service_contacts"):
                buttons.append(Button(self.label(related, lang), ASK, related))
        return tuple(buttons)

    def clarify(self, lang: str, prediction: Prediction, options: tuple[Prediction, ...],
                candidates: tuple[tuple[str, float], ...]) -> Reply:
        buttons = tuple(Button(self.label(p.intent, lang), ASK, p.intent) for p in options)
        buttons += (Button(t("none_of_these", lang), HUMAN, ""),)
        return Reply(text=t("clarify", lang), lang=lang, intent=prediction.intent,
                     confidence=prediction.confidence, outcome="clarify", candidates=candidates, buttons=buttons)

    def conversation(self, entry: Entry | None, lang: str, prediction: Prediction, outcome: str,
                     candidates: tuple[tuple[str, float], ...], menu: tuple[str, ...] = ()) -> Reply:
        text = entry.answer.get(lang) if entry else t("clarify", lang)
        buttons = tuple(Button(self.label(i, lang), ASK, i) for i in menu)
        if outcome in ("fallback", "handoff"):
            buttons += (Button(t("human", lang), HUMAN, ""),) if outcome == "fallback" else ()
        return Reply(text=text, lang=lang, intent=prediction.intent, confidence=prediction.confidence,
                     outcome=outcome, entry_id=entry.id if entry else None, candidates=candidates,
                     contact=self.contact_lines(entry.contact if entry else None, lang), buttons=buttons)

    @staticmethod
    def feedback_buttons(query_id: int) -> tuple[Button, Button]:
        return (Button("👍", FEEDBACK, f"{query_id}:1"), Button("👎", FEEDBACK, f"{query_id}:0"))
