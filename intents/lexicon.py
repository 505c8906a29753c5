"""Small word lists that shape a message before and after classification.

- ``strip_filler``: greetings, politeness and urgency people wrap a question in
  ("你好，", "请问一下", "hi,", "谢谢", "🙏", "急") are removed from the edges so
  that they cannot move the intent; a message that is only filler is kept.
- ``is_detail_only``: a message that, once its entities are removed, holds only
  function words ("那硕士呢", "我是硕士，在高新区上班", "what about a master's?")
  adds detail to the previous turn instead of asking something new.
"""

from __future__ import annotations

import re
import unicodedata

_FILLER_HEAD = (
    r"你好呀|你好啊|你好|您好|哈喽|嗨|喂|在吗|在不在|请问一下|请问下|请问|麻烦问一下|麻烦问下|麻烦问问|麻烦您|麻烦|"
    r"想问一下|想问下|想问问|想咨询一下|咨询一下|咨询下|问一下|问下|打扰一下|打扰了|打扰|急急急|急|求助|"
    r"hi there|hello there|hi|hello|hey|dear sir or madam|dear sir|good morning|good afternoon|good evening|"
    r"excuse me|quick question|sorry to bother you|sorry|please|pls|plz|urgent|help"
)
_FILLER_TAIL = (
    r"谢谢您了|谢谢你了|谢谢您|谢谢你|谢谢啦|谢谢了|谢谢|多谢了|多谢|感谢|先谢谢了|急急急|急|在线等|"
    r"thanks a lot|thank you very much|thank you|thanks|thx|ty|please|pls|plz|asap|urgent"
)
_SEP = r"[\s,，。.!！?？~～:：;；、…]*"
_HEAD_RE = re.compile(rf"^(?:(?:{_FILLER_HEAD})(?![a-z]){_SEP})+")
_TAIL_RE = re.compile(rf"(?:{_SEP}(?<![a-z])(?:{_FILLER_TAIL}))+{_SEP}$")

FOLLOWUP_WORDS = frozenset(
    # Chinese function words of a "what about ..." or "I am ..." statement
    "那 那么 呢 吗 啊 呀 吧 的 了 是 我 我是 我们 本人 如果 要是 假如 那如果 换成 换 成 还有 还 也 又 同样 一样 情况 "
    "在 刚 刚刚 现在 目前 去年 今年 毕业 毕业生 应届 应届生 上班 工作 入职 就业 单位 公司 读 学历 人 的话 呢？ "
    # English
    "what about how and if i i'm im am a an the for with in at of my me as is it that then also too case "
    "work working graduate graduated just now currently degree holder holders student people one".split()
)
_PUNCT_OR_SPACE = re.compile(r"[\W_]+", re.UNICODE)


def _symbols_removed(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Sk", "Cs", "Co", "Cn"))


def strip_filler(text: str) -> str:
    """``text`` (normalised) without emoji and without filler at its edges, unless nothing would remain."""
    core = _symbols_removed(text).strip()
    for _ in range(3):
        stripped = _TAIL_RE.sub("", _HEAD_RE.sub("", core)).strip()
        if stripped == core:
            break
        if not _PUNCT_OR_SPACE.sub("", stripped):
            return core or text
        core = stripped
    return core or text


def is_detail_only(tokens: list[str]) -> bool:
    """True when every token of the message (entities already removed) is a function word."""
    content = [t for t in tokens if t not in FOLLOWUP_WORDS and _PUNCT_OR_SPACE.sub("", t)]
    return not content


_FOLLOWUP_MARK = re.compile(r"^(?:那|那么|那如果|如果是|要是|换成|还有)|呢\s*$|^(?:what|how) about\b|^and (?:for|if|what)\b|^what if\b")


def is_followup_question(text: str) -> bool:
    """True for "那…呢", "what about …", "and for …": a question that leans on the previous turn."""
    return bool(_FOLLOWUP_MARK.search(text))
