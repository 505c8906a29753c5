"""Entity extraction: degree, talent tier, district, occupation, foreign national.

Entities pick the specific knowledge-base entry ("博士: ...") and carry over to
follow-ups ("那硕士呢"). Patterns run on normalised text (simplified, lower case).
Each pattern table is data: the value an entity takes, and the words that name it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable

DEGREES: dict[str, tuple[str, ...]] = {
    "phd": (r"博士(?!后)", r"\bph\.?\s?d\b", r"\bdphil\b", r"doctora(?:te|l)", r"\bdoctor'?s degree", r"读博"),
    "master": (r"硕士", r"研究生", r"\bmasters?\b", r"\bmaster'?s", r"\bmsc\b", r"\bmba\b", r"\bmeng\b"),
    "bachelor": (r"本科", r"学士", r"\bbachelors?\b", r"\bbachelor'?s", r"\bundergrad(?:uate)?s?\b", r"\bbsc\b",
                 r"\bba degree\b"),
    "college": (r"大专", r"专科", r"高职", r"中专", r"技校", r"职校", r"junior college", r"\bvocational\b",
                r"associate degree", r"technical school"),
}
TIERS: dict[str, tuple[str, ...]] = {
    "top": (r"尖端人才", r"顶尖人才", r"\btop[- ]?(?:tier|level)? talents?\b", r"\btop[- ]tier\b"),
    "leading": (r"领军", r"\bleading talents?\b", r"\bleading[- ]level\b"),
    "high_end": (r"高端人才", r"\bhigh[- ]end talents?\b", r"\bhigh[- ]end\b"),
    "young": (r"青年才俊", r"\byoung talents?\b", r"\byoung high[- ]?flyers?\b"),
    "shortage": (r"紧缺人才", r"急需紧缺", r"\bshortage talents?\b", r"\bshortage[- ](?:list|catalogue)\b"),
}
DISTRICTS: dict[str, tuple[str, ...]] = {
    "zhongshan": (r"中山区", r"\bzhongshan\b"),
    "xigang": (r"西岗", r"\bxigang\b"),
    "shahekou": (r"沙河口", r"\bshahekou\b"),
    "ganjingzi": (r"甘井子", r"\bganjingzi\b"),
    "lushunkou": (r"旅顺", r"\bl[uü]shun(?:kou)?\b", r"\blvshun(?:kou)?\b"),
    "jinpu": (r"金普", r"金州", r"开发区", r"\bjinpu\b", r"\bjinzhou\b"),
    "pulandian": (r"普兰店", r"\bpulandian\b"),
    "wafangdian": (r"瓦房店", r"\bwafangdian\b"),
    "zhuanghe": (r"庄河", r"\bzhuanghe\b"),
    "changhai": (r"长海", r"\bchanghai\b"),
    "hightech": (r"高新区", r"高新园区", r"高新技术产业园", r"\bhigh[- ]?tech (?:zone|park)\b", r"\bhi[- ]?tech zone\b"),
}
FOREIGN: tuple[str, ...] = (r"外籍", r"外国人", r"外国专家", r"老外", r"\bforeigners?\b", r"\bforeign (?:national|expert|talent|citizen)s?\b",
                            r"\bexpats?\b", r"\bnon[- ]chinese\b", r"\bi'?m (?:a )?foreign\b", r"\bare foreign\b")

# Places whose talent policies are not Dalian's: a question about them is out of scope.
OTHER_PLACES: tuple[str, ...] = (
    r"北京", r"上海", r"天津", r"重庆", r"深圳", r"广州", r"杭州", r"南京", r"苏州", r"无锡", r"宁波", r"武汉", r"成都",
    r"西安", r"长沙", r"郑州", r"合肥", r"济南", r"青岛", r"烟台", r"厦门", r"福州", r"东莞", r"佛山", r"珠海", r"昆明",
    r"贵阳", r"南宁", r"海口", r"三亚", r"沈阳", r"长春", r"哈尔滨", r"鞍山", r"丹东", r"锦州", r"营口", r"盘锦",
    r"抚顺", r"本溪", r"辽阳", r"铁岭", r"葫芦岛", r"朝阳市", r"阜新", r"石家庄", r"太原", r"呼和浩特", r"兰州", r"乌鲁木齐",
    r"南昌", r"温州", r"嘉兴", r"常州", r"徐州", r"香港", r"澳门", r"台湾", r"台北", r"新加坡",
    r"\bbeijing\b", r"\bshanghai\b", r"\btianjin\b", r"\bchongqing\b", r"\bshenzhen\b", r"\bguangzhou\b",
    r"\bhangzhou\b", r"\bnanjing\b", r"\bsuzhou\b", r"\bwuhan\b", r"\bchengdu\b", r"\bxi'?an\b",
    r"\bchangsha\b", r"\bqingdao\b", r"\bxiamen\b", r"\bshenyang\b", r"\bchangchun\b", r"\bharbin\b",
    r"\bhong kong\b", r"\bmacau\b", r"\bsingapore\b", r"\bdongguan\b", r"\bhefei\b", r"\bjinan\b",
)
DALIAN = re.compile(r"大连|\bdalian\b")


def _compile(table: dict[str, tuple[str, ...]]) -> list[tuple[str, re.Pattern[str]]]:
    return [(value, re.compile("|".join(patterns))) for value, patterns in table.items()]


_DEGREE_RE = _compile(DEGREES)
_TIER_RE = _compile(TIERS)
_DISTRICT_RE = _compile(DISTRICTS)
_FOREIGN_RE = re.compile("|".join(FOREIGN))
_OTHER_PLACE_RE = re.compile("|".join(OTHER_PLACES))


@dataclass(frozen=True)
class Entities:
    degree: str | None = None
    tier: str | None = None
    district: str | None = None
    occupation: str | None = None
    foreign: bool = False
    other_place: str | None = None  # another city named without Dalian: its policies are not ours
    spans: tuple[tuple[int, int], ...] = ()

    def __bool__(self) -> bool:
        return any((self.degree, self.tier, self.district, self.occupation, self.foreign))

    def merged_over(self, previous: "Entities") -> "Entities":
        """These entities, with the gaps filled from the previous turn's."""
        return replace(
            self, degree=self.degree or previous.degree, tier=self.tier or previous.tier,
            district=self.district or previous.district, occupation=self.occupation or previous.occupation,
            foreign=self.foreign or previous.foreign,
        )

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in (("degree", self.degree), ("tier", self.tier), ("district", self.district),
                                  ("occupation", self.occupation), ("foreign", self.foreign or None)) if v}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "Entities":
        return cls(degree=_str(data.get("degree")), tier=_str(data.get("tier")), district=_str(data.get("district")),
                   occupation=_str(data.get("occupation")), foreign=bool(data.get("foreign")))


def _str(value: object) -> str | None:
    return str(value) if value else None


def _first(table: list[tuple[str, re.Pattern[str]]], text: str, spans: list[tuple[int, int]]) -> str | None:
    best: tuple[int, str] | None = None
    for value, pattern in table:
        for match in pattern.finditer(text):
            spans.append(match.span())
            if best is None or match.start() < best[0]:
                best = (match.start(), value)
    return best[1] if best else None


def extract_entities(text: str, occupations: Iterable[str] = ()) -> Entities:
    """Entities named in normalised ``text``; the first mention wins when two are named."""
    spans: list[tuple[int, int]] = []
    degree = _first(_DEGREE_RE, text, spans)
    tier = _first(_TIER_RE, text, spans)
    district = _first(_DISTRICT_RE, text, spans)
    foreign = False
    for match in _FOREIGN_RE.finditer(text):
        spans.append(match.span())
        foreign = True
    other = _OTHER_PLACE_RE.search(text)
    other_place = other.group(0) if other and not DALIAN.search(text) else None
    occupation = None
    for name in occupations:
        start = text.find(name.casefold())
        if name and start >= 0:
            spans.append((start, start + len(name)))
            occupation = name
            break
    return Entities(degree, tier, district, occupation, foreign, other_place, tuple(sorted(spans)))


def without_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the entity mentions blanked out."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)
