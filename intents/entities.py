"""Entity extraction: what a message says about a case or a person.

Degree, talent tier (by every name in use: 尖端/领军/高端/青年才俊/紧缺, A–E类,
top/leading/high-end/young/shortage talent), district, Dalian itself or another
city, local or introduced talent, employer or individual, nationality, age,
graduation year, a Double First-Class degree and the occupations and industries
of the shortage catalogue. Entities pick the specific knowledge-base entry
("博士: ...") and let a follow-up name only what changed ("那硕士呢", "C类呢").
Patterns run on normalised text (simplified, lower case). Each pattern table is
data: the value an entity takes, and the words that name it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, Iterable

from .homophones import sounds_like

DEGREES: dict[str, tuple[str, ...]] = {
    "phd": (r"博士(?!后)", r"\bph\.?\s?d(?:'?s)?\b", r"\bdphil\b", r"doctora(?:te|l)", r"\bdoctor'?s degree", r"读博"),
    "master": (r"硕士", r"研究生", r"\bmaster(?:'?s)?\b", r"\bmsc\b", r"\bmba\b", r"\bmeng\b"),
    "bachelor": (r"本科", r"学士", r"\bbachelor(?:'?s)?\b", r"\bundergrad(?:uate)?s?\b", r"\bbsc\b",
                 r"\bba degree\b"),
    "college": (r"大专", r"专科", r"高职", r"中专", r"中职", r"技校", r"职校", r"junior college", r"\bvocational\b",
                r"associate degree", r"technical school"),
}
# Categories A–E of the high-level talent catalogue name the tiers in the order of the
# taxonomy (shared/spec/intents.md): A top, B leading, C high-end, D young, E shortage.
_CLASS = r"(?<![a-z0-9])(?:{0}\s?类|{0}\s?级人才|(?:category|class|tier|type)\s{0})(?![a-z])"
TIERS: dict[str, tuple[str, ...]] = {
    "top": (r"尖端", r"顶尖人才", r"\btop[- ]?(?:tier|level)? talents?\b", r"\btop[- ]tier\b", _CLASS.format("a")),
    "leading": (r"领军", r"\bleading talents?\b", r"\bleading[- ]level\b", r"\bleaders?\b(?= talent)",
                _CLASS.format("b")),
    "high_end": (r"高端人才", r"高端呢", r"高端的", r"\bhigh[- ]end talents?\b", r"\bhigh[- ]end\b",
                 _CLASS.format("c")),
    "young": (r"青年才俊", r"\byoung talents?\b", r"\byoung high[- ]?flyers?\b", r"\byoung (?:tier|category)\b",
              _CLASS.format("d")),
    "shortage": (r"紧缺人才", r"急需紧缺", r"紧缺型人才", r"\bshortage talents?\b", r"\bshortage[- ](?:list|catalogue)\b",
                 r"\burgently[- ]needed talents?\b", r"\bin[- ]shortage\b", _CLASS.format("e")),
}
ORIGINS: dict[str, tuple[str, ...]] = {
    "local": (r"本地的?(?=尖端|领军|高端|青年才俊|高层次|人才)",
              r"本土人才", r"本地培养", r"\blocal(?:ly[- ]grown)? (?:high[- ]level )?talents?\b",
              r"\bi'?m local\b"),
    "introduced": (r"引进的?(?=尖端|领军|高端|青年才俊|高层次|紧缺|人才)",
                   r"新引进", r"外地引进", r"从外地来", r"\bintroduced\b", r"\brecruited from\b",
                   r"\bbrought in from\b", r"\bmoving to dalian\b", r"\brelocat\w*"),
}
ROLES: dict[str, tuple[str, ...]] = {
    "employer": (r"我们(?:这家|这个|的)?(?:小微|中小|民营|国有|私营|科技|创业)?(?:公司|单位|企业|学校|医院)",
                 r"我司", r"本公司", r"用人单位", r"作为企业", r"企业hr", r"\bhr\b",
                 r"\bour (?:company|firm|employer|organi[sz]ation|university|hospital)\b", r"\bwe are (?:a|an) (?:company|firm|employer)\b",
                 r"\bas an employer\b", r"\bhire\b", r"\bhiring\b"),
    "individual": (r"我个人", r"以个人(?:名义|身份)", r"个人申请", r"\bas an individual\b", r"\bmyself\b", r"\bself[- ]employed\b",
                   r"自由职业", r"个体户"),
}
NATIONALITIES: dict[str, tuple[str, ...]] = {
    "korean": (r"韩国", r"\bkorean\b"), "japanese": (r"日本", r"\bjapanese\b"), "russian": (r"俄罗斯", r"\brussian\b"),
    "american": (r"美国", r"\bamerican\b", r"\bus citizen\b"), "german": (r"德国", r"\bgerman\b"),
    "british": (r"英国", r"\bbritish\b", r"\buk citizen\b"), "french": (r"法国", r"\bfrench\b"),
    "canadian": (r"加拿大", r"\bcanadian\b"), "australian": (r"澳大利亚", r"\baustralian\b"), "indian": (r"印度", r"\bindian\b"),
    "italian": (r"意大利", r"\bitalian\b"), "spanish": (r"西班牙", r"\bspanish\b"), "ukrainian": (r"乌克兰", r"\bukrainian\b"),
    "pakistani": (r"巴基斯坦", r"\bpakistani\b"), "singaporean": (r"新加坡籍", r"\bsingaporean\b"),
}
DOUBLE_FIRST_CLASS = re.compile(r"双一流|985|211(?:高校|大学|院校|学校|毕业)|一流(?:大学|学科)|\bdouble[- ]first[- ]class\b|"
                                r"\btop[- ]?200 (?:university|universities|school)\b|\bqs top[- ]?200\b")
_AGE = re.compile(r"(?<![0-9])([1-9][0-9])\s?(?:周岁|岁)(?!以[上下内])|今年([1-9][0-9])(?![0-9年届])|"
                  r"\b(?:i'?m|i am|aged?)\s([1-9][0-9])\b(?! (?:months?|years? (?:of|in|ago)))|\b([1-9][0-9]) years? old\b")
_YEAR = re.compile(r"(20[0-9]{2})\s?(?:年)?\s?(?:(?:本科|硕士|研究生|博士|大专|专科)\s?)?(?:毕业|届)|(?<![0-9])([0-9]{2})届|"
                   r"(?<![0-9])([0-9]{2})年(?:(?:本科|硕士|研究生|博士|大专|专科)\s?)?毕业|\b(?:graduated?|graduating|class of)"
                   r"(?: in)?\s(20[0-9]{2})\b|\b(20[0-9]{2}) graduate\b")
_RELATIVE_YEAR = {r"应届|今年毕业|刚毕业|\bthis year'?s graduate|\bgraduat\w* this year\b": 0,
                  r"去年毕业|往届|\bgraduated last year\b": -1, r"前年毕业|\bgraduated two years ago\b": -2,
                  r"明年毕业|\bgraduat\w* next year\b": 1}
_RELATIVE_YEARS = tuple((re.compile(pattern), delta) for pattern, delta in _RELATIVE_YEAR.items())
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
DALIAN = re.compile(r"大连|(?<![a-z0-9])dalian(?![a-z0-9])")
# A place named as where the person comes from ("we are moving from Beijing", "从上海调来的博士") is not the place
# the question is about: the question is Dalian's.
_FROM_BEFORE = re.compile(r"(?:\bfrom|\bleaving|\bleft|从|来自|離開|离开)\s*(?:the\s+city\s+of\s+)?$")
_FROM_AFTER = re.compile(r"^\s*(?:市)?(?:调|搬|迁|过|回)?(?:过)?来(?!说)")
# Another place compared with Dalian ("沈阳的人才政策和大连比哪个好") is still another city's policy asked about.
_COMPARED = re.compile(r"比(?!较|如|例)|犹豫|之间|哪个好|哪里好|哪个更|\bcompared?\b|\bcomparison\b|\bvs\.?\b|\bversus\b|\bbetter than\b")
# First person: the message says something about the asker, not only about a case.
_SELF = re.compile(r"我(?!想问|想知道|想了解|想咨询|问一?下|咨询|请问)|本人|\bi'?m\b|\bi am\b|\bi have\b|\bi've\b|\bmy\b|"
                   r"\bwe\b|\bour\b|\bme\b")


# An English word ends where letters and digits end, also next to Chinese ("PhD呢", "master的"): Python's \b
# counts Chinese characters as word characters.
_ASCII_BOUNDARY = r"(?:(?<![a-z0-9])(?=[a-z0-9])|(?<=[a-z0-9])(?![a-z0-9]))"


# Beside a Latin letter or digit of the pattern itself, a boundary is a one-sided look, which a regular expression
# reads several times faster than the two-sided one above.
_BEFORE_LETTER = re.compile(r"\\b(?=[a-z0-9](?![?*]|\{0))")  # \b, then a letter that is not optional
_AFTER_LETTER = re.compile(r"(?<=[a-z0-9])(?<!\\[a-z0-9])\\b")  # a letter (not an escape such as \s), then \b


def _bounded(pattern: str) -> str:
    pattern = _BEFORE_LETTER.sub(r"(?<![a-z0-9])", pattern)
    pattern = _AFTER_LETTER.sub(r"(?![a-z0-9])", pattern)
    return pattern.replace(r"\b", _ASCII_BOUNDARY)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[a-z0-9]")
_DIGIT = re.compile(r"[0-9]")  # every pattern of an age or a year in figures (_AGE, _YEAR) has one
pinyin_typos = True  # read homophone typos of degrees and tiers (``benchmarks.dev_dialogues --homophones``)


@dataclass(frozen=True)
class Words:
    """The words naming one value, compiled twice: all of them, and those naming it in Chinese.

    A pattern without a Chinese character names the value in English: each of
    them needs a Latin letter or digit (a word of letters, or the ASCII word
    boundary, which holds only beside one; ``tests/test_understanding_steps.py``
    checks).
    In a message with none, only the Chinese patterns can match, and they match
    exactly as the whole alternation would; they are read alone because the
    English patterns' boundaries make a regular expression several times slower.
    """

    every: re.Pattern[str]
    chinese: re.Pattern[str]

    @classmethod
    def of(cls, patterns: Iterable[str]) -> "Words":
        patterns = tuple(patterns)
        chinese = [p for p in patterns if _CJK.search(p)]
        return cls(re.compile(_bounded("|".join(patterns))),
                   re.compile(_bounded("|".join(chinese))) if chinese else re.compile(r"(?!)"))

    def read(self, latin: bool) -> re.Pattern[str]:
        """The pattern to read a message with: ``latin`` when it has a Latin letter or digit."""
        return self.every if latin else self.chinese


@dataclass(frozen=True)
class Table:
    """One pattern table compiled: the words of each value, and all of them together (most messages name
    none of a table's values, which one search tells)."""

    values: tuple[tuple[str, Words], ...]
    any: Words


def _compile(table: dict[str, tuple[str, ...]]) -> Table:
    return Table(tuple((value, Words.of(patterns)) for value, patterns in table.items()),
                 Words.of(p for patterns in table.values() for p in patterns))


_DEGREE_RE = _compile(DEGREES)
_TIER_RE = _compile(TIERS)
_DISTRICT_RE = _compile(DISTRICTS)
_ORIGIN_RE = _compile(ORIGINS)
_ROLE_RE = _compile(ROLES)
_NATIONALITY_RE = _compile(NATIONALITIES)
_FOREIGN_RE = Words.of(FOREIGN)
_CHINESE_CITIZEN = re.compile(r"中国籍|中国国籍|中国公民|中国护照|\bchinese (?:citizen|national|nationality|passport)\b")
_OTHER_PLACE_RE = Words.of(OTHER_PLACES)


@dataclass(frozen=True)
class Entities:
    degree: str | None = None
    tier: str | None = None
    district: str | None = None
    occupation: str | None = None
    foreign: bool = False
    other_place: str | None = None  # another city named without Dalian: its policies are not ours
    spans: tuple[tuple[int, int], ...] = ()
    origin: str | None = None  # local | introduced
    role: str | None = None  # employer | individual
    nationality: str | None = None
    age: int | None = None
    graduation_year: int | None = None
    double_first_class: bool = False
    dalian: bool = False  # Dalian named: "大连呢" after a question about another city
    about_self: bool = False  # said in the first person ("我是硕士"), not only asked about ("硕士租房补贴")
    denied: tuple[str, ...] = ()  # facts said not to hold ("学校不是双一流", "I'm not a foreigner"): a correction

    def __bool__(self) -> bool:
        return bool(self.as_dict()) or bool(self.other_place) or self.dalian or bool(self.denied)

    def merged_over(self, previous: "Entities") -> "Entities":
        """These entities, with the gaps filled from ``previous`` (what is said now wins)."""
        return replace(self, **self._filled_from(previous))

    def facts_over(self, previous: "Entities") -> "Entities":
        """Only the facts of :meth:`merged_over`: the rest (spans, places, first person) describes one message and
        is left at its default (one construction, for the dialogue state)."""
        return Entities(**self._filled_from(previous))

    def _filled_from(self, previous: "Entities") -> dict[str, Any]:
        return {name: getattr(self, name) or getattr(previous, name) for name in FACTS}

    def without(self, *names: str) -> "Entities":
        emptied: dict[str, Any] = {name: _EMPTY[name] for name in names}
        return replace(self, **emptied)

    def as_dict(self) -> dict[str, object]:
        """The facts named, by name (the keys of entry conditions); empty values left out."""
        return {name: getattr(self, name) for name in FACTS if getattr(self, name)}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "Entities":
        values: dict[str, object] = {}
        for name in FACTS:
            raw = data.get(name)
            kind = _KIND[name]
            values[name] = (bool(raw) if kind is bool else int(raw) if kind is int and raw else  # type: ignore[call-overload]
                            str(raw) if raw else None)
        return cls(**values)  # type: ignore[arg-type]


# The facts an Entities carries from turn to turn (spans, other_place, dalian and
# about_self describe one message only).
FACTS: tuple[str, ...] = ("degree", "tier", "district", "occupation", "foreign", "origin", "role", "nationality", "age",
                          "graduation_year", "double_first_class")
_KIND: dict[str, type] = {f.name: (bool if f.default is False else int if f.name in ("age", "graduation_year") else str)
                          for f in fields(Entities)}
_EMPTY: dict[str, object] = {f.name: f.default for f in fields(Entities)}


# A value said not to hold ("不是博士，是硕士", "not a PhD but a master's") is a mention, not the value.
_NEGATED = re.compile(r"(?:不是|并非|而非|并不是|\bnot(?: an?)?|\bisn'?t(?: an?)?|\bno longer(?: an?)?)\s*$")


def negated_at(text: str, start: int) -> bool:
    """Whether the words just before ``start`` say that what is named there does not hold ("不是双一流")."""
    return _NEGATED.search(text[max(0, start - 12):start]) is not None


def _stated(pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]]) -> tuple[bool, bool]:
    """Whether ``pattern`` is named as holding, and whether it is named as not holding ("不是双一流")."""
    holds = said_not = False
    for match in pattern.finditer(text):
        spans.append(match.span())
        if negated_at(text, match.start()):
            said_not = True
        else:
            holds = True
    return holds, said_not


def _first(table: Table, text: str, spans: list[tuple[int, int]], latin: bool) -> str | None:
    if not table.any.read(latin).search(text):
        return None
    best: tuple[int, str] | None = None
    for value, words in table.values:
        for match in words.read(latin).finditer(text):
            spans.append(match.span())
            if negated_at(text, match.start()):
                continue
            if best is None or match.start() < best[0]:
                best = (match.start(), value)
    return best[1] if best else None


def extract_entities(text: str, occupations: Iterable[str] = (), today: date | None = None) -> Entities:
    """Entities named in normalised ``text``; the first mention wins when two are named."""
    spans: list[tuple[int, int]] = []
    latin = _LATIN.search(text) is not None
    degree = _first(_DEGREE_RE, text, spans, latin)
    tier = _first(_TIER_RE, text, spans, latin)
    if pinyin_typos:
        degree = degree or sounds_like("degree", text, spans)
        tier = tier or sounds_like("tier", text, spans)
    district = _first(_DISTRICT_RE, text, spans, latin)
    nationality = _first(_NATIONALITY_RE, text, spans, latin)
    named_foreign, foreign_denied = _stated(_FOREIGN_RE.read(latin), text, spans)
    chinese, _ = _stated(_CHINESE_CITIZEN, text, spans)  # "不对，我是中国籍": not a foreigner
    foreign, foreign_denied = bool(nationality) or named_foreign, foreign_denied or chinese
    other = _other_place(text, latin)
    dalian = _spanned(DALIAN, text, spans)
    other_place = other.group(0) if other and (not dalian or _COMPARED.search(text)) else None
    if other_place and other:
        spans.append(other.span())
    occupation = None
    for name in occupations:
        start = text.find(name.casefold())
        if name and start >= 0:
            spans.append((start, start + len(name)))
            occupation = name
            break
    origin, role = _first(_ORIGIN_RE, text, spans, latin), _first(_ROLE_RE, text, spans, latin)
    digits = _DIGIT.search(text) is not None  # an age and a year in figures need one
    age = _age(text, spans) if digits else None
    graduation_year = _graduation_year(text, spans, today, digits)
    double_first_class, first_class_denied = _stated(DOUBLE_FIRST_CLASS, text, spans)
    denied = tuple(name for name, said_not in (("foreign", foreign_denied and not foreign),
                                               ("double_first_class", first_class_denied and not double_first_class))
                   if said_not)
    return Entities(
        degree, tier, district, occupation, foreign, other_place, tuple(sorted(spans)), origin=origin, role=role,
        nationality=nationality, age=age, graduation_year=graduation_year, double_first_class=double_first_class,
        dalian=dalian, about_self=bool(_SELF.search(text)), denied=denied,
    )


def _other_place(text: str, latin: bool) -> re.Match[str] | None:
    """The first other place named that is not only where the person comes from."""
    for match in _OTHER_PLACE_RE.read(latin).finditer(text):
        if not (_FROM_BEFORE.search(text, 0, match.start()) or _FROM_AFTER.match(text[match.end():match.end() + 6])):
            return match
    return None


def _spanned(pattern: re.Pattern[str], text: str, spans: list[tuple[int, int]]) -> bool:
    found = False
    for match in pattern.finditer(text):
        spans.append(match.span())
        found = True
    return found


def _age(text: str, spans: list[tuple[int, int]]) -> int | None:
    match = _AGE.search(text)
    if match is None:
        return None
    spans.append(match.span())
    return int(next(g for g in match.groups() if g))


def _graduation_year(text: str, spans: list[tuple[int, int]], today: date | None = None,
                     digits: bool = True) -> int | None:
    """The year of graduation named, in figures or relative to ``today`` (the date is read only then)."""
    match = _YEAR.search(text) if digits else None
    if match is not None:
        spans.append(match.span())
        year = next(g for g in match.groups() if g)
        return int(year) if len(year) == 4 else 2000 + int(year)
    for pattern, delta in _RELATIVE_YEARS:
        relative = pattern.search(text)
        if relative is not None:
            spans.append(relative.span())
            return (today or date.today()).year + delta
    return None


def without_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with the entity mentions blanked out."""
    chars = list(text)
    for start, end in spans:
        for i in range(start, min(end, len(chars))):
            chars[i] = " "
    return "".join(chars)
