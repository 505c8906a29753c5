"""``run_bot.py bench``: latency of the whole answer path, start-up, memory, training.

Everything runs on a scratch copy of the seed knowledge base in a temporary
directory, so a benchmark never writes into the live logs. Latency is measured
per ``Assistant.handle`` call (normalise, classify, decide, retrieve, compose,
log to SQLite) over a built-in question set with follow-ups, after start-up.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.engine.assistant import Assistant
from bot.engine.understanding import Understanding
from bot.settings import Settings
from bot.staff import judged
from bot.staff.training import ensure_model
from knowledge import SEED_DIR, KnowledgeBase, read_dir

QUESTIONS: tuple[tuple[str, str], ...] = (
    ("a", "博士买房有补贴吗"), ("a", "那硕士呢"), ("a", "去哪办"), ("b", "硕士租房补贴每月多少"),
    ("b", "我是本科，在高新区上班"), ("c", "what is the 5+22 talent policy"), ("d", "领军人才安家费多少"),
    ("e", "how do I get certified as a high-level talent"), ("f", "人才公积金贷款能贷多少"),
    ("g", "is a nurse on the shortage talent list"), ("h", "一事一议怎么申请"), ("i", "startup funding for founders"),
    ("j", "博士后有什么资助"), ("k", "孩子上学怎么安排"), ("l", "人才看病有绿色通道吗"), ("m", "配偶工作能安排吗"),
    ("n", "本科生落户大连条件"), ("o", "work permit for foreigners in Dalian"), ("p", "企业引进人才有奖励吗"),
    ("q", "申请需要什么材料"), ("r", "人才服务中心电话"), ("s", "你好"), ("t", "谢谢"), ("u", "今天天气怎么样"),
    ("v", "深圳人才补贴多少"), ("w", "转人工"), ("x", "應屆生生活補貼"), ("y", "PhD housing subsidy?"),
    ("y", "what about renting?"), ("z", "你好，请问一下青年才俊安家费怎么发？谢谢🙏"),
)
STARTUP_CODE = (
    "import sys, time; t=time.perf_counter(); sys.path.insert(0, {root!r});"
    "from bot.settings import load_settings; from bot.engine.assistant import Assistant;"
    "a=Assistant.open(load_settings(env_file=None).with_db({db!r})); a.understanding.warm();"
    "print(time.perf_counter()-t); a.close()"
)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _scratch_db(folder: Path) -> Path:
    path = folder / "bench.sqlite"
    with KnowledgeBase.open(path) as kb:
        kb.replace_content(read_dir(SEED_DIR))
        ensure_model(kb, by="bench")
    return path


def _startup_seconds(db: Path, runs: int = 3) -> dict[str, float]:
    root = str(Path(__file__).resolve().parent.parent)
    walls, inner = [], []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", STARTUP_CODE.format(root=root, db=str(db))],
                              capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - started)
        inner.append(float(done.stdout.strip().splitlines()[-1]))
    return {"process_median_s": round(statistics.median(walls), 3),
            "after_python_median_s": round(statistics.median(inner), 3)}


def _training_seconds(db: Path, runs: int = 3) -> float:
    times = []
    with KnowledgeBase.open(db) as kb:
        for _ in range(runs):
            started = time.perf_counter()
            Understanding.from_kb(kb, retrain=True)
            times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


def run_judged(settings: Settings, path: str | None = None) -> dict[str, object]:
    """The judged score of the seed knowledge base (a scratch copy), with the misses."""
    items = judged.load(path or judged.DEFAULT_SET)
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant.open(settings.with_db(_scratch_db(Path(tmp))))
        try:
            return judged.judge(assistant, items)
        finally:
            assistant.close()


def run_bench(settings: Settings, rounds: int = 5) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        db = _scratch_db(Path(tmp))
        training = _training_seconds(db)
        startup = _startup_seconds(db)
        assistant = Assistant.open(settings.with_db(db))
        assistant.understanding.warm()
        latencies: list[float] = []
        for round_no in range(rounds):
            for session, text in QUESTIONS:
                started = time.perf_counter()
                assistant.handle(text, f"{round_no}-{session}", channel="bench")
                latencies.append((time.perf_counter() - started) * 1000)
        assistant.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "queries": len(latencies),
        "latency_ms": {"median": round(statistics.median(latencies), 3), "p99": round(_percentile(latencies, 99), 3),
                       "mean": round(statistics.fmean(latencies), 3), "max": round(max(latencies), 3)},
        "startup": startup,
        "training_s_median": training,
        "peak_memory_mb": round(peak_mb, 1),
        "python": sys.version.split()[0],
    }
