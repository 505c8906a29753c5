"""Homophone typos of degree and tier names, read by the shipped syllable table (``intents/homophones.py``)."""

from __future__ import annotations

import pytest

from benchmarks.dev_dialogues import HOMOPHONES
from intents import homophones
from intents.entities import extract_entities
from intents.homophones import SOUNDS_LIKE, sounds_like, syllables
from intents.normalize import Normalizer
from knowledge import SEED_DIR, read_dir


@pytest.mark.parametrize("text, kind, value", [
    ("那朔士呢", "degree", "master"),
    ("博式买房有补贴吗", "degree", "phd"),
    ("本颗生落户", "degree", "bachelor"),
    ("大砖学历可以吗", "degree", "college"),
    ("领君人才安家费", "tier", "leading"),
    ("青年才骏怎么认定", "tier", "young"),
    ("紧却人才目录", "tier", "shortage"),
    ("硕士租房补贴", "degree", None),        # the name itself is read by the patterns, not here
    ("他说是本科", "degree", None),          # a common word that sounds like a name (说是 ~ 硕士)
    ("本可以申请吗", "degree", None),
    ("烁时", "degree", None),               # sounds like 硕士 but shares no character with it
])
def test_sounds_like(text: str, kind: str, value: str | None) -> None:
    assert sounds_like(kind, text, []) == value


def test_the_table_reads_every_name_as_its_own_syllables() -> None:
    names = homophones._table()[1]
    assert set(names) == {name for kinds in SOUNDS_LIKE.values() for name in kinds}
    for name, wanted in names.items():
        assert syllables(name) == wanted and len(wanted) == len(name)


def test_the_shipped_table_is_what_the_generator_makes() -> None:
    pytest.importorskip("pypinyin")
    from tools import make_syllables

    assert homophones.TABLE.read_text(encoding="utf-8") == make_syllables.dumps(make_syllables.make())


def _pypinyin_syllables(text: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    wanted = {s for names in homophones._table()[1].values() for s in names}
    return tuple(s if s in wanted else homophones.OTHER for s in lazy_pinyin(text, errors=lambda c: ["?"] * len(c)))


def test_the_table_reads_the_seed_as_pypinyin_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every example and entry question of the seed, as written and with the names typed with homophone
    typos: the same degree and tier, and the same spans, as when pypinyin reads each text in context."""
    pytest.importorskip("pypinyin")
    seed = read_dir(SEED_DIR)
    normalize = Normalizer({})
    texts = {normalize(t) for t in [*(e.text for e in seed.examples), *(q for e in seed.entries for q in e.questions)]}
    typed = set()
    for text in texts:
        for name, typo in HOMOPHONES.items():
            text = text.replace(name, typo)
        typed.add(text)
    read = sorted(texts | typed)

    def found() -> list[tuple[str | None, str | None, tuple[tuple[int, int], ...]]]:
        out = []
        for text in read:
            spans: list[tuple[int, int]] = []
            out.append((sounds_like("degree", text, spans), sounds_like("tier", text, spans), tuple(spans)))
        return out

    by_table = found()
    assert sum(1 for degree, tier, _ in by_table if degree or tier) > 100
    monkeypatch.setattr(homophones, "syllables", _pypinyin_syllables)
    assert found() == by_table


def test_entities_read_homophone_typos() -> None:
    assert extract_entities("那朔士呢").degree == "master"
    assert extract_entities("领君人才").tier == "leading"
