"""Is an occupation on the shortage-talent catalogue? A look-up in the list staff imported.

The catalogue table holds the published list once staff import it (``kb catalogue
import FILE.csv``). When a shortage-catalogue question names an occupation:
listed -> its industry, stars or level, edition and source; not listed -> we say
we did not find it in the edition we hold; no list loaded -> the knowledge base's
honest entry ("the public sources do not list the occupations; ask ..."), or
the fallback text of ``texts.py`` when there is no such entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from bot.engine.texts import t
from intents.entities import Entities
from knowledge.models import Entry

INTENT = "shortage_catalogue"
# ids of the entry that answers "is X on the list?" honestly while no list is loaded (first found wins)
HONEST_IDS = re.compile(r"occupation-list-unknown|list-unknown|check-my-post|occupation-check|is-my-job")

_ZH_NAMED = (
    re.compile(r"(?:我是|我做|做)(?:一名|一个|个)?(?P<occ>[\u4e00-\u9fffa-z]{1,12}?)(?:的)?[，,。 ]"),
    re.compile(r"^(?:请问)?(?P<occ>[\u4e00-\u9fffa-z]{1,12}?)(?:这个|这一|这种)?(?:职业|岗位|工种|专业)?"
               r"(?:在不在|在|属于|算不算|算|是不是|是|有没有|能不能|进了|列入|入选|有)(?:没有)?(?:在)?"
               r"(?:大连)?(?:的)?(?:城市发展)?(?:紧缺|目录|名单|清单)"),
)
_EN_NAMED = re.compile(
    r"\b(?:is|are|am i)(?: an?| the)? (?P<occ>[a-z][a-z \-]{1,40}?)s? (?:job |occupation |post )?"
    r"(?:on|in|listed|part of|included in|covered by) (?:the |your |dalian'?s? )?"
    r"(?:shortage|catalogue|catalog|list)")
_ASKS_MEMBERSHIP = re.compile(r"(?:目录|名单|清单|紧缺).*(?:吗|么|不在|没有|是否)|(?:在不在|算不算|是不是|属于|列入|入选|是否)"
                              r".*(?:目录|名单|清单|紧缺)|\b(?:on|in|listed|included)\b.*\b(?:list|catalog)")
_NOT_NAMES = {"博士", "硕士", "研究生", "本科", "本科生", "大专", "专科", "毕业生", "应届生", "留学生", "外国人", "外籍",
              "高层次人才", "青年才俊", "领军人才", "高端人才", "尖端人才", "我", "我的", "我的职业", "我的岗位",
              "我的工作", "我的专业", "哪些", "什么", "哪个", "哪些岗位", "什么岗位",
              "什么职业", "哪些职业", "它", "这个", "紧缺人才", "人才", "my job", "my occupation", "my post", "it",
              "which jobs", "what jobs", "who", "there", "this", "that"}


@dataclass(frozen=True)
class Answer:
    """What the catalogue says for one question: a text to answer with, or an entry (the honest one)."""

    text: str | None = None
    entry: Entry | None = None


class Catalogue:
    def __init__(self, rows: Iterable[dict[str, Any]], entries: Iterable[Entry] = ()):
        self.rows = list(rows)
        self._by_name: dict[str, dict[str, Any]] = {}
        for row in self.rows:
            for name in [row.get("occupation"), row.get("occupation_en"), *(row.get("aliases") or [])]:
                if name:
                    self._by_name.setdefault(str(name).strip().casefold(), row)
        self.honest = next((e for e in entries if e.intent == INTENT and HONEST_IDS.search(e.id)), None)

    @property
    def loaded(self) -> bool:
        return bool(self.rows)

    def names(self) -> tuple[str, ...]:
        """Every name of a listed occupation, longest first (for entity extraction)."""
        return tuple(sorted(self._by_name, key=lambda n: (-len(n), n)))

    def find(self, name: str) -> dict[str, Any] | None:
        key = name.strip().casefold()
        found = self._by_name.get(key)
        if found is None and key.endswith("s"):
            found = self._by_name.get(key[:-1])
        return found

    def named(self, core: str, entities: Entities) -> str | None:
        """The occupation the question asks about: a listed one it names, the words before "在目录里吗",
        or one named in an earlier turn."""
        for name in self.names():
            if name and name in core:
                return name
        if _ASKS_MEMBERSHIP.search(core):
            for pattern in _ZH_NAMED:
                match = pattern.search(core)
                if match and match.group("occ") not in _NOT_NAMES:
                    return match.group("occ")
            match = _EN_NAMED.search(core)
            if match and match.group("occ").strip() not in _NOT_NAMES:
                return match.group("occ").strip()
        return entities.occupation  # named in an earlier turn ("那它在目录里吗")

    def answer(self, core: str, entities: Entities, lang: str) -> Answer | None:
        """The catalogue's answer when the question names an occupation; None when it names none."""
        name = self.named(core, entities)
        if name is None:
            return None
        row = self.find(name)
        if row is not None:
            return Answer(text=t("catalogue_listed", lang, occupation=_label(row, lang), details=_details(row, lang),
                                 edition=row.get("edition") or "", source=row.get("source") or ""))
        if self.loaded:
            editions = "、".join(sorted({str(r.get("edition")) for r in self.rows if r.get("edition")}))
            return Answer(text=t("catalogue_not_listed", lang, name=name, edition=editions))
        if self.honest is not None:
            return Answer(entry=self.honest)
        return Answer(text=t("catalogue_unknown", lang, name=name))


def _label(row: dict[str, Any], lang: str) -> str:
    if lang == "en" and row.get("occupation_en"):
        return f"{row['occupation_en']} ({row['occupation']})"
    return str(row["occupation"])


def _details(row: dict[str, Any], lang: str) -> str:
    parts = []
    if row.get("industry"):
        parts.append(t("catalogue_industry", lang, value=row["industry"]))
    if row.get("stars"):
        parts.append(t("catalogue_stars", lang, value="★" * int(row["stars"])))
    if row.get("level"):
        parts.append(t("catalogue_level", lang, value=row["level"]))
    return ("；" if lang == "zh" else "; ").join(parts)
