"""Small word lists that shape a message before and after classification.

- ``strip_filler``: greetings, politeness and urgency people wrap a question in
  ("你好，", "请问一下", "hi,", "谢谢", "🙏", "急") are removed from the edges so
  that they cannot move the intent; a message that is only filler is kept.
- ``is_detail_only``: a message that, once its entities are removed, holds only
  function words ("那硕士呢", "我是硕士，在高新区上班", "what about a master's?",
  "专科行不行") adds detail to the previous turn instead of asking something new.
- ``is_attribute_only``: a question about a property of a benefit that does not
  name the benefit ("这个要缴个税吗", "最多领多久", "is there an age limit?").
- ``leans_back``: words that point back at the previous turn ("这个", "也算吗",
  "what about", "is it ...").
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
    "work working graduate graduated just now currently degree holder holders student people one "
    # asking whether the case qualifies: "专科行不行", "C类可以吗", "does a phd count?"
    "行不行 行吗 可以吗 可不可以 能不能 能吗 算不算 算吗 也算 也行 有没有 有吗 享受 符合 条件 够 够吗 资格 "
    "can could does do qualify qualifies eligible count counts ok okay possible too? also? "
    "类 级 者 方面 呢? 吧 哦 嗯 额 呃 那个 这样 这样的话 话 一下 ? ？".split()
)
ATTRIBUTE_WORDS = frozenset(
    # what one asks about a benefit already under discussion
    "这个 这 该 此 它 最 这项 这笔 这种 该项 钱 补贴 要 需要 缴 交 扣 个税 税 纳税 交税 缴税 扣税 最多 最长 最少 至少 最高 多久 多长 "
    "时间 期限 几年 几个 月 年 多少 多少钱 金额 标准 领 拿 发 发放 到账 打款 怎么 怎样 如何 什么 时候 何时 哪天 几号 每月 每年 "
    "一次性 分期 分 次 年龄 限制 要求 上限 下限 截止 截止日期 日期 期间 可以 同时 叠加 一起 兼得 重复 条件 材料 证明 多 久 "
    "还 又 再 继续 停 停发 断 断缴 取消 退 返还 退还 能 会 被 给 按 吗 么 "
    "is are there any an age limit limits tax taxed taxable taxes how long much many often when paid pay payment "
    "deadline conditions requirements required require documents papers combine combined both same time at once "
    "maximum max minimum min long period duration years months monthly amount per get receive still stop stops "
    "need needed do i have to this that it".split()
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


def is_attribute_only(tokens: list[str]) -> bool:
    """True when the message asks about a property (amount, duration, tax, age, ...) and names nothing else."""
    words = [t for t in tokens if _PUNCT_OR_SPACE.sub("", t)]
    content = [t for t in words if t not in FOLLOWUP_WORDS and t not in ATTRIBUTE_WORDS and not t.isdigit()]
    return bool(words) and not content


_LEANS_BACK = re.compile(
    r"^(?:那|那么|还有|还|也|另外|而且|同时|如果|要是|假如|这个|这|该|此|它)|呢\s*[?？]?\s*$|这个|这项|这笔|该项|"
    r"也(?:能|可以|算|行|包括|有|要)|还(?:能|可以|有|要)|\b(?:it|this|that|these|those|they|them|also|too|same)\b|"
    r"^(?:and|but|so|what about|how about|what if|is there|are there|does it|do they|is it)\b")


def leans_back(text: str) -> bool:
    """True when the wording points back at the previous turn ("这个…", "…也算吗", "what about …")."""
    return bool(_LEANS_BACK.search(text))

_FOLLOWUP_MARK = re.compile(r"^(?:那|那么|那如果|如果是|要是|换成|还有)|呢\s*$|^(?:what|how) about\b|^and (?:for|if|what)\b|^what if\b")


def is_followup_question(text: str) -> bool:
    """True for "那…呢", "what about …", "and for …": a question that leans on the previous turn."""
    return bool(_FOLLOWUP_MARK.search(text))
