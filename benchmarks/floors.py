"""Floors: what the libraries alone cost on this machine, measured in the same run as the assistant.

The machine is shared, so a benchmark number means little on its own; its ratio
to a floor measured minutes apart under the same load does.

- ``lcut``: one call of a warm, plain ``jieba.Tokenizer().lcut`` per message (HMM
  off, as the assistant segments): the least that reading a Chinese message costs.
- ``import and init``: a new Python process that imports jieba and scikit-learn
  and loads jieba's dictionary (the floor of issue 10 for start-up and memory);
  ``without scikit-learn`` imports numpy instead, for information.
- The echo bot (the Telegram floor) is in ``benchmarks/telegram_bench.py``.

A process to measure prints ``ready`` when it is ready and, last, one JSON line;
:func:`run_process` times the first and returns the second with the peak RSS.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import jieba

FLOOR_IMPORT_AND_INIT = "import jieba, sklearn\njieba.Tokenizer().initialize()\n"
FLOOR_WITHOUT_SKLEARN = "import jieba, numpy\njieba.Tokenizer().initialize()\n"
REPORT = ("import json, sys\nprint('ready', flush=True)\n{after}\n"
          "peak = [int(line.split()[1]) for line in open('/proc/self/status') if line.startswith('VmHWM:')]\n"
          "print(json.dumps({{'rss_kib': peak[0] if peak else 0, "
          "'imports': [m for m in {watched!r} if m in sys.modules]}}), flush=True)\n")
"""The peak RSS is the process's own high-water mark (``VmHWM``): ``ru_maxrss`` would carry the
parent's over ``exec``."""
WATCHED = ("sklearn", "scipy", "pypinyin")
"""Libraries an answering process should not load (the report's ``imports`` names those it did): scikit-learn
and scipy only train, pypinyin only makes the syllable table of ``intents/homophones.py``."""


def process_code(before: str, after: str = "") -> str:
    """A child program: ``before`` (what makes it ready), ``ready``, ``after``, then its JSON report."""
    return before + REPORT.format(after=after, watched=WATCHED)


def run_process(code: str) -> dict[str, Any]:
    """Run ``code`` in a new interpreter: seconds from the start to ``ready``, then its report."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    ready = None
    report: dict[str, Any] = {}
    for line in child.stdout:
        if line.strip() == "ready" and ready is None:
            ready = time.perf_counter() - started
        elif line.startswith("{"):
            report = json.loads(line)
    errors = child.stderr.read() if child.stderr else ""
    if child.wait() != 0 or ready is None:
        raise RuntimeError(f"the measured process failed: {errors[-2000:]}")
    return {"ready_s": ready, **report}


class LcutFloor:
    """Times one plain jieba call per message."""

    def __init__(self) -> None:
        self.tokenizer = jieba.Tokenizer()
        self.tokenizer.initialize()

    def seconds(self, text: str) -> float:
        started = time.perf_counter()
        self.tokenizer.lcut(text, HMM=False)
        return time.perf_counter() - started
