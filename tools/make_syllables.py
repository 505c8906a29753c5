"""Write intents/syllables.json: the readings homophone typos of degree and tier names are matched by.

    python tools/make_syllables.py          # write the table
    python tools/make_syllables.py --check  # exit 1 when the shipped table is not what pypinyin gives

Each name of ``intents.homophones.SOUNDS_LIKE`` is read by pypinyin (``lazy_pinyin``,
without tones); then every character pypinyin knows is read alone, and those whose
reading is one of the names' syllables are kept, grouped by syllable. Serving reads
this table and never loads pypinyin (a development dependency, pinned in
requirements-dev.txt). Run it again after a name is added to ``SOUNDS_LIKE`` or
pypinyin is upgraded, and read the diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from intents.homophones import OTHER, SOUNDS_LIKE, TABLE  # noqa: E402


def _one_each(chars: str) -> list[str]:
    """One item per character that is not Chinese, so that syllables and characters line up."""
    return [OTHER] * len(chars)


def make() -> dict[str, Any]:
    """The table: each name's syllables (space-separated) and, per syllable, the characters that read so alone."""
    import pypinyin
    from pypinyin import lazy_pinyin
    from pypinyin.constants import PINYIN_DICT

    names = {name: lazy_pinyin(name, errors=_one_each) for kinds in SOUNDS_LIKE.values() for name in kinds}
    wanted = {syllable for readings in names.values() for syllable in readings}
    characters: dict[str, list[str]] = {syllable: [] for syllable in sorted(wanted)}
    for code in sorted(PINYIN_DICT):
        char = chr(code)
        reading = lazy_pinyin(char, errors=_one_each)
        if len(reading) == 1 and reading[0] in wanted:
            characters[reading[0]].append(char)
    return {"made_by": f"tools/make_syllables.py, pypinyin {pypinyin.__version__}",
            "names": {name: " ".join(readings) for name, readings in names.items()},
            "characters": {syllable: "".join(chars) for syllable, chars in characters.items()}}


def dumps(table: dict[str, Any]) -> str:
    return json.dumps(table, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str]) -> int:
    text = dumps(make())
    if "--check" in argv:
        same = TABLE.exists() and TABLE.read_text(encoding="utf-8") == text
        print(f"{TABLE.relative_to(ROOT)} is {'up to date' if same else 'out of date: run tools/make_syllables.py'}")
        return 0 if same else 1
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
