"""Retrieval: the best knowledge-base entry inside an intent for one reading.

Entries are ranked with BM25F over their segmented fields, each field weighted:
the question variants and the title (how people ask for exactly this entry)
highest, then the names and aliases of the entry's contact, then the answer.
Chinese is indexed by jieba words and, at a lower weight, by character pairs,
so that a word jieba cuts differently in the question still meets the entry.
The index is built per intent: a question costs the postings of its own
intent's entries only, whatever the size of the others.

Conditions (degree, tier, district, foreign, Double First-Class, topic) work
with the ranking: an entry whose condition contradicts what the person said is
left out; an entry that needs a condition the person did not state is used
only when no other entry matches the question at all; every matched condition
raises an entry's score. With nothing to go on (a button press), the entry
matching most conditions wins, and the intent's general entry (id ending in
``-general``) wins a tie. The weights were chosen on held-out question variants
(``tools/retrieval_eval.py``), not on the judged questions.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import sys
from array import array
from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from typing import AbstractSet, Callable, Iterable, cast

from intents.entities import Entities, negated_at
from intents.segment import Segmenter
from knowledge.models import Contact, Entry

# (field, weight): how much a word in that field says about the entry
FIELDS: tuple[tuple[str, float], ...] = (("questions", 3.0), ("title", 3.0), ("contact", 2.0), ("answer", 1.0))
PAIR_WEIGHT = 1.0  # a Chinese character pair counts this much of a word
CHAR_WEIGHT = 0.15  # a single Chinese character (outside the commonest ones) counts this much of a word
K1, B = 2.0, 0.5
CONDITION_BOOST = 1.0  # each matched condition multiplies the text score by 1 + this
KIND_BOOST = 0.25  # the entry answers the kind of question asked (an amount, a duration, a date, a place)
GENERAL_PENALTY = 1.0  # an overview entry, when the question asks for something specific (0.8 lost on the dev sets)
TOPIC_UNSTATED = 0.8  # a how-to / contacts entry about a benefit the question did not name, found by its words
GRADUATED_BOOST = 1.0  # a stated time of graduation, for an entry about graduation years: as a matched condition
# A matched condition on an entry that does not give the kind of answer asked for, when a sibling entry does:
# the condition only breaks ties ("博士…咋申请" is about applying, not the doctor's amount).
CONDITION_OFF_KIND = 0.1
PROCEDURAL_KINDS = frozenset({"how", "when", "duration"})  # (an amount or a graduation year is the condition's own)
VARIANT_BOOST = 3.0  # the question is one of the entry's own question variants (words aside from 大连, 吗, ...)
# How much better one uncertain intent's entries must match the question for it to be answered without asking.
# On the development and tuning questions (840), 3.0 settles 4 clarifications, all rightly; 1.1 settles 21, 15
# rightly (judged 0.836 -> 0.846), but a wrong answer costs more than a clarification (bot/staff/evaluation.py:
# answering pays only from 85% right).
SETTLE_LEAD = 3.0
UNSTATED, CONTRADICTED = "unstated", "contradicted"
_SCORE = itemgetter(0)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,}")
_CJK_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# characters that say nothing about which entry is meant
_COMMON_CHARS = frozenset("的了吗呢吧啊是我你他她们在有和与及或也都就还要会能可以这那个一不没么什怎哪谁多少几"
                          "请问给对把被从到为之其所以如果么呀哦嘛")
# English words that say nothing about which entry is meant ("what about renting?" is about renting)
_STOPWORDS = frozenset("a an the of to in on at for from by with and or is are was be been do doe does did i me my "
                       "you your we our it its this that what which who how about can could will would should "
                       "there here any get got much many if as so than then".split())
DOUBLE_FIRST_CLASS = re.compile(r"双一流|一流大学|一流学科|double[- ]first[- ]class")

# The kind of question asked, read from its words, and the kind of answer an entry gives, read from its id and
# title: soft cues that break ties between sibling entries ("多少" -> the amount, "多久" -> the duration).
KINDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "amount": (re.compile(r"多少钱|多少万|金额|标准|能拿多少|给多少|补多少|贷多少|多少$|多少[?？,，。、]|几万|"
                          r"\bhow much\b|\bamount\b|\bworth\b"),
               re.compile(r"amount|多少|金额|标准|how much|\bworth\b|ceiling|上限|最高")),
    "duration": (re.compile(r"多久|多长时间|几年|几个月|多少个月|\bhow long\b|how many (?:months|years)"),
                 re.compile(r"duration|多久|几年|期限|多长|how long|年限")),
    "when": (re.compile(r"什么时候|何时|截止|哪天|几号|哪一天|开始申报|申报时间|\bwhen\b|deadline"),
             re.compile(r"window|deadline|when|时间|截止|何时|什么时候|status")),
    "graduated": (re.compile(r"毕业(?:了|都|已经|快|有|才|满|超过)?(?:[一二两三四五六七八九十几多半0-9]+|好几|很多)(?:个)?(?:年|月)|"
                             r"[0-9]{2}(?:年|届).{0,4}毕业|[0-9]{2}届|graduated (?:in|\d|\w+ years? ago)|years? (?:after|since) graduat"),
                  re.compile(r"graduated|graduation|毕业(?:年|很多年|几年|时间)|before-20|long-ago")),
    "how": (re.compile(r"(?:怎么|咋|怎样|如何)(?:申请|申报|办理|领)|在哪申请|哪个平台|什么渠道|在哪(?:里|儿)?(?:办|申请|领)|"
                       r"流程|\bhow (?:do|can|to) (?:i )?(?:apply|claim)|\bwhere\b"),
            re.compile(r"how-apply|how-to|apply|claim|procedure|流程|怎么|如何|在哪|渠道|how to|where")),
}


_PLACE_WORDS = frozenset({"大连", "大连市", "dalian", "dalian's"})


# spoken forms written as the entries write them ("咋申请" asks what "怎么申请" asks)
_COLLOQUIAL = re.compile(r"咋(?=申请|办|领|弄|报|交|算|查|样)|咋么")


def _colloquial(text: str) -> str:
    return _COLLOQUIAL.sub("怎么", text)


def _term_weight(term: str) -> float:
    return PAIR_WEIGHT if term.startswith("§") else CHAR_WEIGHT if term.startswith("¶") else 1.0


def _pairs(text: str) -> list[str]:
    """Character pairs, except those of two common characters ("能不", "什么"), which say nothing of the entry."""
    pairs = [run[i:i + 2] for run in _CJK.findall(text) for i in range(len(run) - 1)]
    return ["§" + p for p in pairs if not (p[0] in _COMMON_CHARS and p[1] in _COMMON_CHARS)]


def _stem(word: str) -> str:
    """An English plural as its singular ("districts" finds "district"); other words as they are."""
    if len(word) > 3 and word.isascii() and word.isalpha():
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith("s") and not word.endswith(("ss", "us", "is")):
            return word[:-1]
    return word


def _words_key(words: Iterable[str]) -> str:
    """The words of a question that say something of the entry, as one string (see :meth:`Retriever.variant_key`)."""
    return " ".join(filter(None, map(_key_word, words)))


@functools.lru_cache(maxsize=4096)
def _key_word(word: str) -> str:
    """A word as :func:`_words_key` keeps it, or "" when it says nothing of the entry (remembered: the same words
    come back in every question)."""
    if not word.strip() or word in _STOPWORDS or word in _PLACE_WORDS or not any(c.isalnum() for c in word) \
            or all(c in _COMMON_CHARS for c in word):
        return ""
    return _stem(word)


def _chars(text: str) -> list[str]:
    return ["¶" + c for c in _CJK_CHAR.findall(text) if c not in _COMMON_CHARS]


def condition_weight(asked: AbstractSet[str], gives: AbstractSet[str], kind_answered: bool) -> float:
    """How much a matched condition raises an entry: fully, unless the question asks a kind of answer (how, when,
    how long) that this entry does not give and a sibling entry matching the question does."""
    procedural = asked & PROCEDURAL_KINDS
    return CONDITION_OFF_KIND if procedural and kind_answered and not asked & gives else CONDITION_BOOST


def _tier_amount(entry: Entry) -> set[str]:
    """An entry for one degree or tier gives that degree's or tier's amount, whatever its title says."""
    return {"amount"} if {"degree", "tier"} & set(entry.conditions) else set()


def question_kinds(text: str) -> set[str]:
    """What the question asks for: an amount, a duration, a date or window, or how and where to apply."""
    return {kind for kind, (asked, _) in KINDS.items() if asked.search(text)}


def entry_kinds(entry: Entry) -> set[str]:
    label = f"{entry.id} {entry.title.zh} {entry.title.en}".lower()
    known = _ENTRY_KINDS.get(label)
    if known is None:
        known = _ENTRY_KINDS[label] = frozenset(kind for kind, (_, gives) in KINDS.items() if gives.search(label))
    return set(known)


_ENTRY_KINDS: dict[str, frozenset[str]] = {}
"""Answer kinds by label: an entry's are read once, not at every question (ranking reads every entry's)."""


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the ranking reads of one entry besides its conditions, read once when the index is built."""

    kinds: frozenset[str]  # the kinds of answer it gives (:func:`entry_kinds`)
    gives: frozenset[str]  # those, and the amount of a degree or tier it is for (:func:`_tier_amount`)
    general: bool  # the intent's general entry (id ending in ``-general``)
    topic_only: bool  # its one condition is the benefit it is about (a how-to or contacts entry)

    @classmethod
    def of(cls, entry: Entry) -> "_Reading":
        kinds = frozenset(entry_kinds(entry))
        return cls(kinds, kinds | _tier_amount(entry), entry.id.endswith("-general"), set(entry.conditions) == {"topic"})


SPAN_BITS = 24  # an intent's postings of one term: up to 16,777,215 documents (its distinct texts)
SPAN_MASK = (1 << SPAN_BITS) - 1

_Row = tuple[int, Entry, bool, frozenset[str], bool, bool, frozenset[str], str, tuple[float, float, Entry]]
"""One entry as the ranking reads it: its position, the entry, whether it has conditions, the kinds of answer it
gives, whether it is general, whether its one condition is its benefit, what it gives (:class:`_Reading`), its id,
and its score when the question's words do not match it and it has no conditions (0; 0.01 for a general entry)."""


@dataclass
class _Index:
    """BM25F postings of one intent's entries (the postings are those of its documents, see :class:`_Layout`)."""

    entries: list[Entry]
    postings: dict[str, int]
    """term -> where its postings are in ``documents`` and ``gains``: their start and count as one int
    (``start << SPAN_BITS | count``). Two flat arrays for the whole intent, not two arrays per term: the index is
    the largest thing a serving process builds after jieba's dictionary, and most terms are in one text."""
    documents: array[int]  # per posting: its document
    gains: array[float]  # per posting: what the term adds to the document's score
    idf: dict[str, float]
    layout: "_Layout"
    readings: list[_Reading]  # per entry position
    rows: tuple[list[_Row], list[_Row]] = dataclasses.field(default_factory=lambda: ([], []))
    """What the ranking reads of each entry, as one tuple per entry (see :data:`_Row`): of every entry, and of
    the first entry of each kind (:meth:`_Layout.scanned`); made once, read at every question."""

    def __post_init__(self) -> None:
        if not self.rows[0]:
            def rows(every: bool) -> list[_Row]:
                return [(position, entry, bool(entry.conditions), reading.kinds, reading.general, reading.topic_only,
                         reading.gives, entry.id, (0.01 if reading.general else 0.0, 0.0, entry))
                        for position, entry in self.layout.scanned(self.entries, every)
                        for reading in (self.readings[position],)]
            self.rows = (rows(True), rows(False))

    @classmethod
    def build(cls, entries: list[Entry], fields_of: Callable[[Entry], dict[str, str]],
              tokens: Callable[[str], list[str]]) -> "_Index":
        layout = _Layout.of(entries, fields_of)
        per_document: list[dict[str, Counter[str]]] = []
        for texts in layout.texts:
            per_document.append({name: Counter(tokens(texts.get(name, ""))) for name, _ in FIELDS})
        lengths = [{name: sum(fields[name].values()) for name, _ in FIELDS} for fields in per_document]
        average = {name: max(1.0, sum(n * length[name] for n, length in zip(layout.copies, lengths))
                             / max(1, len(entries))) for name, _ in FIELDS}
        postings: dict[str, list[tuple[int, float]]] = {}
        hits: dict[str, int] = {}  # term -> the distinct texts (documents) that have it
        for document, fields in enumerate(per_document):
            weighted: dict[str, float] = {}
            for name, weight in FIELDS:
                norm = 1 - B + B * lengths[document][name] / average[name]
                for term, count in fields[name].items():
                    weighted[term] = weighted.get(term, 0.0) + weight * count / norm
            for term, value in weighted.items():
                postings.setdefault(term, []).append((document, value))
                hits[term] = hits.get(term, 0) + 1
        # the idf counts distinct texts, not entries: entries that read alike say no more about a term than one
        # does, and the same knowledge base copied 20 times scores as the original (BM25's smoothing would not)
        total = len(per_document)
        # one float per number of texts, shared by its terms (most terms are in one text: a float each was 1 MiB)
        by_count = {n: math.log(1 + (total - n + 0.5) / (n + 0.5)) for n in set(hits.values())}
        idf = {term: by_count[n] for term, n in hits.items()}
        layout.texts.clear()  # read
        # a term's BM25 share of a document's score, computed here once rather than at every question
        where: dict[str, int] = {}
        documents, gains = array("i"), array("d")
        for term, found in postings.items():
            where[term] = len(documents) << SPAN_BITS | len(found)
            documents.extend([document for document, _ in found])
            gains.extend([_term_weight(term) * idf[term] * tf * (K1 + 1) / (tf + K1) for _, tf in found])
        return cls(entries, where, documents, gains, idf, layout, [_Reading.of(entry) for entry in entries])

    def posting(self, term: str) -> list[tuple[int, float]]:
        """The documents a term is in, with what it adds to each one's score (none for an unknown term)."""
        packed = self.postings.get(term)
        if packed is None:
            return []
        start = packed >> SPAN_BITS
        end = start + (packed & SPAN_MASK)
        return list(zip(self.documents[start:end], self.gains[start:end]))

    def scores(self, query: Iterable[str], every: bool = True) -> dict[int, float]:
        """Entry position -> text score (``every``: of every entry; else of the first entry of each kind, see
        :meth:`_Layout.scanned`)."""
        totals = [0.0] * len(self.layout.copies)  # per document (a list: cheaper to add to than a dictionary)
        documents, gains, postings = self.documents, self.gains, self.postings
        for term in set(query):
            packed = postings.get(term)
            if packed is not None:
                start = packed >> SPAN_BITS
                count = packed & SPAN_MASK
                if count == 1:  # most terms
                    totals[documents[start]] += gains[start]
                else:
                    for document, gain in zip(documents[start:start + count], gains[start:start + count]):
                        totals[document] += gain
        return self.layout.per_entry(totals, every)


def condition_match(entry: Entry, entities: Entities, topic: str | None, query: str = "",
                    have: dict[str, object] | None = None) -> int | str:
    """How many of the entry's conditions the person's statements meet; or why it does not apply.

    Returns the number of matched conditions, ``CONTRADICTED`` when the person
    said something else, or ``UNSTATED`` when a condition is not known.
    """
    matched, unstated = 0, False
    if have is None:  # ranking passes the facts it read once for all entries
        have = entities.as_dict()
    for key, wanted in entry.conditions.items():
        if key == "topic":
            got: object = topic
        elif key == "foreign":
            if not wanted:
                continue
            got = True if entities.foreign else None
        elif key == "double_first_class":
            if not wanted:
                continue
            # named in the words of the question, and not as what does not hold ("学校不是双一流")
            got = True if any(not negated_at(query, m.start()) for m in DOUBLE_FIRST_CLASS.finditer(query)) else None
        else:
            got = have.get(key)
        if got is None:
            unstated = True
        elif got != wanted:
            return CONTRADICTED
        else:
            matched += 1
    return UNSTATED if unstated else matched


Read = tuple[dict[str, list[str]], dict[str, str]]
"""What a retriever read: the terms of each field text, the words of each question variant."""


class Retriever:
    def __init__(self, entries: list[Entry], segmenter: Segmenter, normalize: Callable[[str], str],
                 contacts: Iterable[Contact] = (), previous: "Retriever | None" = None, stored: Read | None = None):
        """``previous`` (the retriever being replaced) lends the terms of the texts it read, when it read them
        with the same segmenter and normaliser: a reload segments only new and changed texts. Else ``stored``
        lends them (read with an equal segmenter and normaliser, kept between starts: ``bot.engine.term_cache``)."""
        self.segmenter = segmenter
        self.normalize = normalize
        self._read: dict[str, list[str]] = {}  # text of a field -> its terms
        lent = previous.read() if previous is not None and previous.segmenter is segmenter \
            and previous.normalize is normalize else stored or ({}, {})
        self._before = lent[0]
        contacts = list(contacts)
        names = {c.id: " ".join([c.name.zh, c.name.en, *c.aliases]) for c in contacts}
        self._offices = {c.id: tuple(n.lower() for n in (c.name.zh, c.name.en, *c.aliases) if len(n) > 1)
                         for c in contacts}

        def fields_of(entry: Entry) -> dict[str, str]:
            return {"questions": " ".join(entry.questions), "title": f"{entry.title.zh} {entry.title.en}",
                    "contact": names.get(entry.contact or "", ""),
                    "answer": f"{entry.answer.zh} {entry.answer.en}"}

        by_intent: dict[str, list[Entry]] = {}
        for entry in entries:
            by_intent.setdefault(entry.intent, []).append(entry)
        self._by_intent = {intent: _Index.build(items, fields_of, self._tokens) for intent, items in by_intent.items()}
        self._before = {}
        self._variants: dict[str, set[str]] = {}  # an entry's question variant, as words -> the entries asked so
        self._keys: dict[str, str] = {}  # a question variant -> its words (kept, like the terms, for a reload)
        known = lent[1]
        for entry in entries:
            for variant in entry.questions:
                key = self._keys[variant] = known[variant] if variant in known else self.variant_key(variant)
                self._variants.setdefault(key, set()).add(entry.id)
        self._variants.pop("", None)

    def read(self) -> Read:
        """The terms of every field text and the words of every question variant (lent to the next build)."""
        return self._read, self._keys

    def variant_key(self, text: str) -> str:
        """A question as its words, without punctuation, the city's name and words that say nothing of the entry:
        "What is the Dalian shortage talent catalogue?" and "what is the shortage talent catalogue" meet."""
        return _words_key(self.segmenter.tokens(self.normalize(text).lower()))

    def _tokens(self, text: str) -> list[str]:
        terms = self._before.get(text)
        if terms is None:
            normalized = self.normalize(text)
            terms = [sys.intern(term) for term in self._terms(normalized)]  # kept: one string per term
        self._read[text] = terms
        return terms

    def _terms(self, text: str) -> list[str]:
        text = _colloquial(text)
        words = [w for w in self.segmenter.tokens(text) if w not in _STOPWORDS]
        words = [_stem(w) for w in words]
        return words + _pairs(text) + _chars(text)

    def names_office(self, entry: Entry, core: str) -> bool:
        """The question names the entry's office ("科技局在哪"): the benefit is as good as stated."""
        text = core.lower()
        return any(name in text for name in self._offices.get(entry.contact or "", ()))

    def has_intent(self, intent: str) -> bool:
        return intent in self._by_intent

    def match(self, intent: str, core: str) -> float:
        """How much of the question the intent's best entry matches, from 0 to 1 (comparable across intents):
        its BM25 score over the most the question's terms could score in that intent's index."""
        index = self._by_intent.get(intent)
        terms = set(self._terms(core)) if core else set()
        if index is None or not terms:
            return 0.0
        unseen = math.log(1 + (len(index.layout.copies) + 0.5) / 0.5)  # the IDF of a term no text has
        most = sum(_term_weight(t) * index.idf.get(t, unseen) * (K1 + 1) for t in terms)
        return max(index.scores(terms).values(), default=0.0) / most

    def settle(self, candidates: Iterable[tuple[str, float]], core: str) -> str | None:
        """Of intents the classifier could not choose between, the one to answer without asking: the best by
        confidence times match, when its entries match the question SETTLE_LEAD times better than any other's
        ("人才" matches every intent's entries alike: still asked); else None."""
        confidences = dict(candidates)
        matches = {intent: self.match(intent, core) for intent in confidences}
        chosen = max(confidences, key=lambda intent: confidences[intent] * matches[intent], default=None)
        if chosen is None or not matches[chosen]:
            return None
        others = max((m for intent, m in matches.items() if intent != chosen), default=0.0)
        return chosen if matches[chosen] >= SETTLE_LEAD * others else None

    def ranked(self, intent: str, entities: Entities, core: str, topic: str | None = None,
               every: bool = True) -> list[tuple[float, Entry]]:
        """The entries that may answer, best first, with their scores (for tests and staff tools); without
        ``every``, only the first entry of each kind of entry (see :class:`_Layout`), which keeps the first place."""
        index = self._by_intent.get(intent)
        if index is None:
            return []
        text = self._terms(core) if core else []
        scores = index.scores(text, every)
        asked = question_kinds(core)
        if entities.graduation_year:
            asked.add("graduated")
        have = entities.as_dict()
        specific = bool(asked) or bool(have)
        top = max(scores.values(), default=0.0) or 1.0
        # the variant the question is, read from its words as segmented already (it is normalised: not again)
        asked_so = self._variants.get(_words_key(self.segmenter.tokens(core)), set()) if core else set()
        procedural = asked & PROCEDURAL_KINDS  # the entries the text matched only, not every entry of the intent
        kind_answered = bool(procedural) and any(score and procedural & index.readings[position].kinds
                                                 for position, score in scores.items())
        stated: list[tuple[float, float, Entry]] = []  # (score, text score, entry)
        needing: list[tuple[float, float, Entry]] = []
        penalised = GENERAL_PENALTY if specific else 1.0
        for position, entry, conditioned, kinds, general, topic_only, gives, entry_id, unmatched in \
                index.rows[0 if every else 1]:
            found = scores.get(position)
            if conditioned:
                match = condition_match(entry, entities, topic, core, have)
                if match is CONTRADICTED:
                    continue
            elif found is None:  # most entries: no condition to match, no word of the question
                stated.append(unmatched)
                continue
            else:
                match = 0
            relevance = found / top if found is not None else 0.0
            if relevance:
                if asked and asked & kinds:
                    relevance *= 1 + (GRADUATED_BOOST if "graduated" in asked & kinds else KIND_BOOST)
                if asked_so and entry_id in asked_so:
                    relevance *= 1 + VARIANT_BOOST
                if general:
                    relevance *= penalised
            if match is UNSTATED:
                if topic is None and topic_only and relevance:
                    # a how-to or contacts entry about a benefit: its words (an office's name) may find it
                    relevance *= 1.0 if self.names_office(entry, core) else TOPIC_UNSTATED
                    stated.append((relevance, relevance, entry))
                else:
                    needing.append((relevance, relevance, entry))
                continue
            matched = cast(int, match)
            # no condition matched: the score is the text score (relevance * (1 + boost * 0) + 0.05 * 0)
            score = relevance * (1 + condition_weight(asked, gives, kind_answered) * matched) + 0.05 * matched \
                if matched else relevance
            if general:
                score += 0.01
            stated.append((score, relevance, entry))
        stated.sort(key=_SCORE, reverse=True)  # stable: equal scores stay in entry order
        if topic is not None:  # how to apply for / whom to call about one benefit: that benefit's own entries first
            stated.sort(key=lambda item: item[2].conditions.get("topic") != topic)
        needing.sort(key=_SCORE, reverse=True)
        if needing and (not stated or (needing[0][1] > 0 and not any(text > 0 for _, text, _ in stated))):
            order = needing + stated  # nothing the person's case allows matches: an entry for a case they did not state
        else:
            order = stated + needing
        return [(score, entry) for score, _, entry in order]

    def best(self, intent: str, entities: Entities, core: str, topic: str | None = None) -> Entry | None:
        ranked = self.ranked(intent, entities, core, topic, every=False)
        return ranked[0][1] if ranked else None

    def general(self, intent: str) -> Entry | None:
        index = self._by_intent.get(intent)
        if index is None:
            return None
        for entry in index.entries:
            if entry.id.endswith("-general"):
                return entry
        items = [e for e in index.entries if e.is_general]
        return items[0] if items else None


# ---------------------------------------------------------------- the index's layout
# Which entries the ranking above must score for one question. Nothing here scores: it only says which
# entries read alike, so that a knowledge base of many entries costs a question its distinct ones.


@dataclass
class _Layout:
    """One intent's entries grouped twice.

    - Documents: entries whose searched fields are the same text share one
      document, segmented and posted once (``copies`` counts its entries, for
      the average field lengths, which stay those of the entries; the idf
      counts documents).
    - Kinds: entries the ranking cannot tell apart (same document, conditions,
      answer kinds and general flag: everything it reads of an entry, see
      :func:`_read_alike`) always score alike, so the first of each kind ranks
      before the others, and the best entry is among the first entries of the
      kinds (``firsts``, in position order).
    """

    texts: list[dict[str, str]]  # per document: its fields
    copies: list[int]  # per document: how many entries have it
    document_of: list[int]  # per entry position
    firsts: list[int]  # the position of the first entry of each kind, ascending
    positions: list[list[int]]  # per document: the positions of its entries
    first_positions: list[list[int]]  # per document: the positions among ``firsts`` of its entries

    @classmethod
    def of(cls, entries: list[Entry], fields_of: Callable[[Entry], dict[str, str]]) -> "_Layout":
        documents: dict[tuple[str, ...], int] = {}
        texts: list[dict[str, str]] = []
        document_of: list[int] = []
        kinds: list[list[Entry]] = []  # per document: the first entry of each of its kinds
        firsts: list[int] = []
        for position, entry in enumerate(entries):
            fields = fields_of(entry)
            key = tuple(fields.get(name, "") for name, _ in FIELDS)
            document = documents.setdefault(key, len(documents))
            if document == len(texts):
                texts.append(fields)
                kinds.append([])
            document_of.append(document)
            if not any(_read_alike(entry, first) for first in kinds[document]):
                kinds[document].append(entry)
                firsts.append(position)
        copies = [0] * len(texts)
        positions: list[list[int]] = [[] for _ in texts]
        for position, document in enumerate(document_of):
            copies[document] += 1
            positions[document].append(position)
        first_positions: list[list[int]] = [[] for _ in texts]
        for position in firsts:
            first_positions[document_of[position]].append(position)
        return cls(texts, copies, document_of, firsts, positions, first_positions)

    def per_entry(self, totals: list[float], every: bool) -> dict[int, float]:
        """Document scores as entry scores, of the documents the question matched (every term's gain is
        positive): of every entry, or of the first entries of the kinds."""
        spread = self.positions if every else self.first_positions
        return {position: score for document, score in enumerate(totals) if score for position in spread[document]}

    def scanned(self, entries: list[Entry], every: bool) -> Iterable[tuple[int, Entry]]:
        """(position, entry) of every entry, or of the first entry of each kind."""
        return enumerate(entries) if every else ((position, entries[position]) for position in self.firsts)


_BUT_ID = tuple(f.name for f in dataclasses.fields(Entry) if f.name != "id")


def _read_alike(entry: Entry, other: Entry) -> bool:
    """Whether the ranking cannot tell the two entries apart: everything but their ids is equal, and so is
    what the ranking reads of the ids (the answer kinds, whether it is the intent's general entry). A feature
    that reads more of the id must be added here."""
    return all(getattr(entry, name) == getattr(other, name) for name in _BUT_ID) \
        and entry.id.endswith("-general") == other.id.endswith("-general") and entry_kinds(entry) == entry_kinds(other)
