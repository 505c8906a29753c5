"""How well retrieval finds an entry from a way of asking it has not seen: k-fold over question variants.

    python tools/retrieval_eval.py [SEED_DIR]

Each entry's question variants are split into folds; for each fold the
retriever is built without that fold's variants and asked each of them (with
the entities the question names, and the entry's own topic for how-to-apply and
contacts entries, as the classifier would give it). Prints the share of
variants that bring back their own entry, overall and per intent. This is the
development set for the retrieval weights; the judged questions stay held out.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine.retrieve import Retriever  # noqa: E402
from intents.entities import extract_entities  # noqa: E402
from intents.lexicon import strip_filler  # noqa: E402
from intents.normalize import Normalizer  # noqa: E402
from intents.segment import Segmenter  # noqa: E402
from knowledge import SEED_DIR, Dataset, read_dir  # noqa: E402


def evaluate(data: Dataset, folds: int = 5) -> tuple[float, dict[str, tuple[int, int]]]:
    normalizer = Normalizer({t.term.casefold(): t.canonical for t in data.terms
                             if t.kind in ("typo", "synonym") and t.canonical})
    segmenter = Segmenter(t.term.casefold() for t in data.terms if t.kind == "word")
    entries = [e for e in data.entries if e.status == "active"]
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for fold in range(folds):
        held = {(e.id, q) for e in entries for n, q in enumerate(e.questions) if n % folds == fold}
        trimmed = [dataclasses.replace(e, questions=tuple(q for q in e.questions if (e.id, q) not in held))
                   for e in entries]
        retriever = Retriever(trimmed, segmenter, normalizer, data.contacts)
        for entry in entries:
            for question in entry.questions:
                if (entry.id, question) not in held:
                    continue
                core = strip_filler(normalizer(question))
                found = retriever.best(entry.intent, extract_entities(core), core, entry.conditions.get("topic"))
                totals[entry.intent] += 1
                hits[entry.intent] += found is not None and found.id == entry.id
    share = sum(hits.values()) / max(1, sum(totals.values()))
    return share, {i: (hits[i], totals[i]) for i in sorted(totals)}


def main(argv: list[str]) -> int:
    data = read_dir(argv[1] if len(argv) > 1 else SEED_DIR)
    share, per_intent = evaluate(data)
    for intent, (hit, total) in per_intent.items():
        print(f"{intent:26} {hit:4}/{total:<4} {hit / total:.2f}")
    print(f"overall {share:.3f} over {sum(t for _, t in per_intent.values())} question variants")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
