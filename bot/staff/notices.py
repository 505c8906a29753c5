"""Notices for people who follow a topic: drafting, preview and confirmation by staff, and the
words of a notice. Shared by the command line and Telegram; sending is the channel's job.

Nothing reaches anyone until a staff member confirms a draft after seeing its preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

from knowledge import KnowledgeBase
from knowledge import notices as store
from knowledge.notices import Notice

PROCESS = frozenset(store.PROCESS_INTENTS)

TEXTS: dict[str, dict[str, str]] = {
    "change": {"zh": "📢 您关注的「{topic}」有更新：{title}",
               "en": "📢 News on {topic}, which you follow: {title}"},
    "window": {"zh": "📢 开始申报：{title}（{dates}）。您关注了「{topic}」。",
               "en": "📢 Applications are open: {title} ({dates}). You follow {topic}."},
    "dates": {"zh": "{opens}起，{closes}截止", "en": "from {opens} to {closes}"},
    "from": {"zh": "{opens}起", "en": "from {opens}"},
    "footer": {"zh": "点“问问这个”看详情；发送 /unsubscribe 退订。",
               "en": "Tap \"Ask about it\" for details; send /unsubscribe to stop."},
    "ask": {"zh": "问问这个", "en": "Ask about it"},
    "preview": {"zh": "通知 #{id} · {kind} · 主题 {topic} · 条目 {entry} · 发给 {n} 位关注者",
                "en": "Notice #{id} · {kind} · topic {topic} · entry {entry} · to {n} followers"},
}


def say(key: str, lang: str, **values: object) -> str:
    entry = TEXTS[key]
    return (entry.get(lang) or entry["zh"]).format(**values)


@dataclass(frozen=True)
class Draft:
    notice: Notice
    followers: int


class NoticeDesk:
    """Blocking staff verbs over the knowledge base's notices (call them from a thread in Telegram)."""

    def __init__(self, kb: KnowledgeBase, label: Callable[[str, str], str],
                 today: Callable[[], date] = date.today):
        self.kb, self.label, self.today = kb, label, today

    def topics(self) -> list[str]:
        """The topics one can follow: the policy intents, except how-to-apply and contacts."""
        return [i.id for i in self.kb.intents() if i.kind == "policy" and i.id not in PROCESS]

    def scan(self) -> list[Notice]:
        """Draft notices for what changed since the last scan (and windows that opened)."""
        return store.scan(self.kb, self.topics(), self.today())

    def drafts(self) -> list[Draft]:
        """Every draft waiting for staff, after a scan, with how many people it would reach."""
        self.scan()
        return [Draft(n, store.followers(self.kb, n.topic)) for n in store.drafts(self.kb)]

    def text(self, notice: Notice, lang: str) -> str:
        """What a follower reads."""
        topic, title = self.label(notice.topic, lang), notice.title.get(lang)
        if notice.kind == "window":
            dates = say("dates", lang, opens=notice.opens, closes=notice.closes) if notice.closes \
                else say("from", lang, opens=notice.opens)
            body = say("window", lang, title=title, dates=dates, topic=topic)
        else:
            body = say("change", lang, topic=topic, title=title)
        return body + "\n" + say("footer", lang)

    def preview(self, draft: Draft, staff_lang: str = "zh") -> str:
        """A draft as staff see it before confirming: both languages and its reach (the heading in ``staff_lang``)."""
        n = draft.notice
        head = say("preview", staff_lang, id=n.id, kind=n.kind, topic=n.topic, entry=n.entry_id, n=draft.followers)
        return "\n\n".join([head, self.text(n, "zh"), self.text(n, "en")])

    def confirm(self, notice_id: int, who: str) -> int:
        return store.confirm(self.kb, notice_id, who)

    def discard(self, notice_id: int, who: str) -> None:
        store.discard(self.kb, notice_id, who)

    def question(self, notice_id: int, lang: str) -> str | None:
        """What the notice's button asks (its title), or None for an unknown notice."""
        try:
            return store.notice(self.kb, notice_id).title.get(lang) or None
        except store.NoticeError:
            return None
