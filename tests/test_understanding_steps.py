"""Each understanding step as a table: text in, what it should become out."""

from __future__ import annotations

import dataclasses
import pickle
import re
from pathlib import Path
from re import _constants as constants  # to read a pattern's structure
from re import _parser as parser

import pytest

from intents import entities
from intents.entities import extract_entities
from intents.lexicon import is_correction, is_detail_only, meant_instead, strip_filler
from intents.normalize import Normalizer, detect_lang, has_words
from intents.segment import Segmenter

normalizer = Normalizer({"补帖": "补贴", "落护": "落户", "subsidey": "subsidy"})
segmenter = Segmenter(["安家费", "青年才俊", "购房券", "5+22"])


@pytest.mark.parametrize("raw, expected", [
    ("博士買房補貼多少", "博士买房补贴多少"),                  # traditional -> simplified
    ("ＰｈＤ　ｈｏｕｓｉｎｇ", "phd housing"),                    # full-width -> half-width, case-folded
    ("租房补帖  每月\t多少", "租房补贴 每月 多少"),              # typo table, whitespace collapsed
    ("本科生落护大连", "本科生落户大连"),
    ("Rent SUBSIDEY for master", "rent subsidy for master"),
    ("a\x00b\u200bc", "a b c"),                                 # control and zero-width characters
    ("硕士2500元", "硕士2500元"),                                # numbers kept
])
def test_normalize(raw: str, expected: str) -> None:
    assert normalizer(raw) == expected


@pytest.mark.parametrize("text, lang", [
    ("博士买房补贴", "zh"), ("rent subsidy for phd", "en"), ("PhD 买房补贴", "zh"),
    ("what is the 5+22 policy", "en"), ("🙏🙏", "zh"),
])
def test_detect_lang(text: str, lang: str) -> None:
    assert detect_lang(text) == lang


@pytest.mark.parametrize("text, tokens", [
    ("青年才俊安家费怎么发", ["青年才俊", "安家费", "怎么", "发"]),
    ("renting subsidies for phds", ["rent", "subsidy", "for", "phd"]),
    ("5+22人才政策", ["5+22", "人才", "政策"]),
    ("phd 购房券", ["phd", "购房券"]),
])
def test_segment(text: str, tokens: list[str]) -> None:
    assert segmenter.tokens(text) == tokens


def test_segmenter_survives_pickling_with_its_terms() -> None:
    copy = pickle.loads(pickle.dumps(segmenter))
    assert copy.tokens("青年才俊安家费") == ["青年才俊", "安家费"]


@pytest.mark.parametrize("text, expected", [
    ("博士买房有补贴吗", {"degree": "phd"}),
    ("博士后有什么资助", {}),
    ("i'm a master's graduate working in the high-tech zone", {"degree": "master", "district": "hightech"}),
    ("领军人才安家费多少", {"tier": "leading"}),
    ("青年才俊", {"tier": "young"}),
    ("大专生在金普新区能落户吗", {"degree": "college", "district": "jinpu"}),
    ("my kids are foreign, can they attend school", {"foreign": True}),
    ("本科 bachelor", {"degree": "bachelor"}),
    ("phd呢", {"degree": "phd"}),  # an English word next to Chinese
    ("sorry, actually i have a master's", {"degree": "master"}),
    ("不是博士，是硕士", {"degree": "master"}),  # a value said not to hold is no value
    ("i'm not a phd but a master", {"degree": "master"}),
    ("c类呢", {"tier": "high_end"}),
    ("那朔士呢", {"degree": "master"}),  # homophone typos, read by their pinyin
    ("领君人才呢", {"tier": "leading"}),
    ("青年才骏的安家费", {"tier": "young"}),
    ("说是可以申请", {}),  # sounds like 硕士 but shares no character: no typo
    ("本可以早点申请", {}),
    ("博士后有什么资助", {}),
    ("是以我们小微企业的名义贷", {"role": "employer"}),  # the company a person speaks for, with a word for its kind
    ("我们想去大医院看病", {}),
])
def test_entities(text: str, expected: dict[str, object]) -> None:
    assert extract_entities(text).as_dict() == expected


def _needs_latin(items: list[tuple[object, object]]) -> bool:
    """Whether every match of a parsed pattern has a Latin letter or digit: a mandatory one of its own, or a
    word boundary (which ``entities._bounded`` makes one that holds only beside a Latin letter or digit)."""
    for op, arg in items:
        if op is constants.LITERAL and chr(arg).isascii() and chr(arg).isalnum():
            return True
        if op is constants.AT and arg is constants.AT_BOUNDARY:
            return True
        if op is constants.SUBPATTERN and _needs_latin(list(arg[-1])):
            return True
        if op is constants.BRANCH and all(_needs_latin(list(branch)) for branch in arg[1]):
            return True
        if op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and arg[0] >= 1 \
                and _needs_latin(list(arg[2])):
            return True
    return False


@pytest.mark.parametrize("text, place", [
    ("北京的人才政策怎么样", "北京"),
    ("沈阳的人才政策和大连比哪个好", "沈阳"),  # compared with Dalian: still the other city's policy
    ("沈阳的租房补贴多少？我在沈阳和大连之间犹豫", "沈阳"),
    ("we are moving from beijing. can my child choose a school?", None),  # where the person comes from
    ("我从上海调来的博士，能拿安家费吗", None),
    ("深圳过来的硕士有住房补贴吗", None),
    ("上海人在大连比较关心什么补贴", None),
])
def test_a_place_one_comes_from_is_not_the_place_asked_about(text: str, place: str | None) -> None:
    assert extract_entities(text).other_place == place


def test_english_entity_words_need_a_latin_letter() -> None:
    """A message without Latin letters or digits is read with the Chinese patterns alone (``entities.Words``):
    right only while every pattern without a Chinese character needs a Latin letter or digit to match."""
    tables = [entities.DEGREES, entities.TIERS, entities.DISTRICTS, entities.ORIGINS, entities.ROLES,
              entities.NATIONALITIES, {"foreign": entities.FOREIGN}, {"elsewhere": entities.OTHER_PLACES}]
    english = [p for table in tables for patterns in table.values() for p in patterns if not entities._CJK.search(p)]
    assert english and all(_needs_latin(list(parser.parse(p))) for p in english)


@pytest.mark.parametrize("pattern, text", [
    (r"\bph\.?\s?d(?:'?s)?\b", "phd呢"), (r"\bph\.?\s?d(?:'?s)?\b", "aphd"), (r"\bmaster(?:'?s)?\b", "masters的"),
    (r"\bmaster(?:'?s)?\b", "mastery"), (r"\bi'?m local\b", "i'm locally"), (r"\bl[uü]shun(?:kou)?\b", "lushunkou区"),
    (r"\b(?:graduated?|graduating)\b", "graduate 2020"), (r"\ba?b\b", "b"), (r"\ba?b\b", "cab"),
])
def test_a_one_sided_word_boundary_reads_as_the_general_one(pattern: str, text: str) -> None:
    general = re.compile(pattern.replace(r"\b", entities._ASCII_BOUNDARY))
    assert [m.span() for m in re.compile(entities._bounded(pattern)).finditer(text)] == \
        [m.span() for m in general.finditer(text)]


@pytest.mark.parametrize("text, expected", [
    ("你好，请问博士买房有补贴吗？谢谢🙏", "博士买房有补贴吗"),
    ("hi, rent subsidy for phd? thanks", "rent subsidy for phd"),
    ("急！硕士租房补贴多少", "硕士租房补贴多少"),
    ("high-tech zone rent", "high-tech zone rent"),       # "hi" inside a word is not filler
    ("你好", "你好"),                                     # only filler: kept, so greetings still work
    ("thanks", "thanks"),
])
def test_strip_filler(text: str, expected: str) -> None:
    assert strip_filler(text) == expected


@pytest.mark.parametrize("residue, detail_only", [
    (["那", "呢"], True), (["我是", "在", "上班"], True), (["what", "about", "a"], True),
    (["租房", "呢"], False), (["what", "about", "renting"], False),
])
def test_detail_only(residue: list[str], detail_only: bool) -> None:
    assert is_detail_only(residue) is detail_only


@pytest.mark.parametrize("text, denied, kept", [
    ("学校不是双一流，就是普通一本", ("double_first_class",), {}),
    ("我不是外籍，是中国籍", ("foreign",), {}),
    ("i'm not a foreigner", ("foreign",), {}),
    ("双一流的博士，不是外籍", ("foreign",), {"degree": "phd", "double_first_class": True}),
    ("不是211，是双一流", (), {"double_first_class": True}),  # named as holding too: not denied
])
def test_a_fact_said_not_to_hold_is_denied_not_stated(text: str, denied: tuple[str, ...],
                                                      kept: dict[str, object]) -> None:
    found = extract_entities(text)
    assert found.denied == denied
    assert found.as_dict() == kept


@pytest.mark.parametrize("text, meant", [
    ("不是住房补贴，是购房补贴", "购房补贴"),
    ("我说的是租房的，不是买房", "租房的"),  # what was not meant, said last
    ("搞错了，问的是租房补贴不是学费补助", "租房补贴"),
    ("哦不是买房，我问的是租房补贴", "租房补贴"),  # an interjection before the correction
    ("不是学费补助。。租房补贴呢", "租房补贴呢"),
    ("not the rent subsidy, the purchase subsidy", "purchase subsidy"),
    ("i meant the rent subsidy, not the tuition one", "the rent subsidy"),
    ("社保是不是要交满6个月", None),  # "是不是" asks
    ("不知道，是不是要交社保", None),
    ("what if i am not a phd", None),
    ("不是本地人可以申请吗", None),
])
def test_what_a_correction_says_was_meant(text: str, meant: str | None) -> None:
    assert meant_instead(text) == meant


@pytest.mark.parametrize("text, correction", [
    ("不对，我是本科", True), ("等下不对，我毕业已经三年了", True), ("不好意思说错了，是硕士", True),
    ("抱歉打错了，是硕士", True), ("我记错了，单位在瓦房店", True), ("oops, i meant the voucher", True),
    ("问的是租房补贴", True), ("问题是社保断了怎么办", False), ("不是本地人可以申请吗", False), ("对不起，打扰了", False),
])
def test_a_correction_is_recognised_behind_an_apology_or_interjection(text: str, correction: bool) -> None:
    assert is_correction(text) is correction


@pytest.mark.parametrize("text, words", [("🙏🙏", False), ("   ", False), ("<b></b>", True), ("?", False)])
def test_has_words(text: str, words: bool) -> None:
    assert has_words(text) is words


@pytest.mark.slow  # a training
def test_served_probabilities_equal_the_pipelines(seed) -> None:
    """The compiled arrays give scikit-learn's ``predict_proba``: exactly in float64, to 1e-5 in float32."""
    import numpy as np

    from intents.classifier import CompiledModel, IntentClassifier
    from intents.pipeline import compile_pipeline, fit_pipeline

    texts = [e.text.casefold() for e in seed.examples[::7]]
    labels = [e.intent for e in seed.examples[::7]]
    pipeline = fit_pipeline(texts, labels, segmenter)
    probe = ["博士买房有补贴吗", "what is the 5+22 policy", "今天天气", "🙏", "", "a  b\tc", "博士 博士 博士 补贴",
             *texts[::40]]
    expected = pipeline.predict_proba(probe)
    exact = IntentClassifier(compile_pipeline(pipeline, np.float64), "", segmenter)
    assert np.allclose(expected, exact.proba(probe), rtol=0, atol=1e-12)
    served = IntentClassifier(compile_pipeline(pipeline), "", segmenter)
    assert served.model.weights.dtype == np.float32
    assert np.allclose(expected, served.proba(probe), rtol=0, atol=1e-5)
    stored, words = CompiledModel.from_bytes(served.to_bytes())
    assert words == segmenter.words and stored.classes == served.classes
    assert np.array_equal(IntentClassifier(stored, "", segmenter).proba(probe), served.proba(probe))


@pytest.mark.slow  # a new Python process
def test_serving_imports_neither_scikit_learn_nor_scipy_nor_pypinyin(db_path: Path) -> None:
    """A new process that opens the assistant as ``ask`` does and answers never loads scikit-learn or scipy, nor
    pypinyin (homophone typos are read by the shipped syllable table; the message here has one)."""
    import subprocess
    import sys

    code = ("import sys; from bot.settings import load_settings; from bot.staff.training import open_assistant; "
            f"a = open_assistant(load_settings({{}}, env_file=None).with_db({str(db_path)!r})); "
            "a.handle('博士买房有补贴吗', 's'); a.handle('那朔士呢', 's'); a.handle('what is the 5+22 policy', 's'); "
            "a.close(); print(sorted(m for m in ('sklearn', 'scipy', 'pypinyin') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=str(Path(__file__).resolve().parents[1]))
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_reload_keeps_what_did_not_change(db_path: Path) -> None:
    """The normaliser (with the examples it read), the warm segmenter and the classifier of the same stored
    model survive a reload; a new term replaces the segmenter."""
    from bot.engine.understanding import Understanding
    from knowledge import KnowledgeBase
    from knowledge.models import Term

    with KnowledgeBase.open(db_path) as kb:
        first = Understanding.from_kb(kb)
        again = Understanding.from_kb(kb, previous=first)
        assert again.normalizer is first.normalizer and again.segmenter is first.segmenter
        assert again.classifier is first.classifier and not again.stale
        kb.replace_content(dataclasses.replace(kb.dataset(), terms=[*kb.terms(), Term("人才驿站", "word")]))
        changed = Understanding.from_kb(kb, previous=again)
        assert changed.normalizer is first.normalizer and changed.segmenter is not first.segmenter
        assert "人才驿站" in changed.segmenter.words and changed.stale
