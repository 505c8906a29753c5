"""Small word lists that shape a message before and after classification.

- ``strip_filler``: greetings, politeness and urgency people wrap a question in
  ("你好，", "请问一下", "hi,", "谢谢", "🙏", "急") are removed from the edges so
  that they cannot move the intent; a message that is only filler is kept.
- ``is_detail_only``: a message that, once its entities are removed, holds only
  function words ("那硕士呢", "我是硕士，在高新区上班", "what about a master's?",
  "专科行不行") adds detail to the previous turn instead of asking something new.
- ``is_attribute_only``: a question about a property of a benefit that does not
  name the benefit ("这个要缴个税吗", "最多领多久", "is there an age limit?").
- ``asks_process``: how, when or with what to apply, the deadline, the processing, the status
  ("那怎么申请", "截止到什么时候", "do I need paper documents?"): after a benefit, a question for the
  application process about it (labelling rules of the taxonomy), not a property of the benefit.
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
    "类 级 者 人才 人员 层次 方面 呢? 吧 哦 嗯 额 呃 那个 这样 这样的话 话 一下 ? ？ 生 可以 能 行 算 也可以 "
    # correcting what was said: "不对，我是高端人才", "说错了，是硕士", "sorry, I actually have a PhD"
    "不对 不是 说错 说错了 错了 搞错 搞错了 更正 纠正 其实 实际上 应该是 我的意思是 意思是 不好意思 抱歉 对不起 "
    "我问的是 问的是 我问的 我是问 我说的是 说的是 我指的是 指的是 asking about was "
    # where the degree is from: "我是双一流高校毕业的", "what if I graduated from a Double First-Class university?"
    "毕业于 大学 高校 院校 university universities college from "
    "actually i meant meant mean correction wrong no not rather have has got hold holding sorry oops".split()
)
ATTRIBUTE_WORDS = frozenset(
    # what one asks about a benefit already under discussion
    "这个 这 该 此 它 最 这项 这笔 这种 该项 钱 补贴 要 需要 缴 交 扣 个税 税 纳税 交税 缴税 扣税 最多 最长 最少 至少 最高 多久 多长 "
    "时间 期限 几年 几个 个月 月 年 多少 多少钱 金额 标准 领 拿 发 发放 到账 到手 打款 怎么 怎样 如何 什么 时候 何时 哪天 几号 每月 每年 "
    "开始 从 起 哪 哪里 哪儿 哪张 张 打 打到 打入 到 卡 上 社保卡 银行卡 账户 "  # "钱打到哪", "交了社保多久开始发"
    "才 才能 才可以 才会 "  # "要交几个月社保才能开始发"
    "一次性 分期 分 次 年龄 限制 要求 上限 下限 截止 截止日期 日期 期间 可以 同时 叠加 一起 兼得 重复 条件 多 久 算 几 "
    "还 又 再 继续 停 停发 断 断缴 取消 退 返还 退还 能 会 被 给 按 吗 么 "
    # the conditions of a benefit: "要交几个月社保", "没有大连户口能领吗"
    "社保 户口 户籍 大连户口 学历 合同 劳动合同 缴纳 连续 补缴 没有 没 有 大连 本地 外地 交满 满 "
    "is are there any an age limit limits tax taxed taxable taxes how long much many often when paid pay payment "
    "deadline conditions requirements required require combine combined both same time at once "
    "maximum max minimum min long period duration years months monthly amount per get receive still stop stops "
    "need needed do i have to this that it "
    "where money into to the account card bank start starts begin begins of social insurance often".split()
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


def _vocabulary(*words: frozenset[str]) -> re.Pattern[str]:
    """Every word of the lists, longest first; English words whole."""
    ordered = sorted({w for group in words for w in group if _PUNCT_OR_SPACE.sub("", w)}, key=lambda w: (-len(w), w))
    return re.compile("|".join(rf"\b{re.escape(w)}\b" if w.isascii() else re.escape(w) for w in ordered))


_FUNCTION_RE = _vocabulary(FOLLOWUP_WORDS)
_ATTRIBUTE_RE = _vocabulary(FOLLOWUP_WORDS, ATTRIBUTE_WORDS)


def attribute_words(text: str) -> str:
    """The words of ``text`` that ask about a property of a benefit or add detail ("买房的购房券能领多少" -> "的 能 领
    多少"): what a question asks, without the benefit it names."""
    return " ".join(_ATTRIBUTE_RE.findall(text))


def _leftover(text: str, vocabulary: re.Pattern[str]) -> str:
    return _PUNCT_OR_SPACE.sub("", vocabulary.sub(" ", text))


def _text(words: str | list[str]) -> str:
    return words if isinstance(words, str) else " ".join(words)


def is_detail_only(words: str | list[str]) -> bool:
    """True when the message (entities already removed; text or tokens) holds only function words."""
    return not _leftover(_text(words), _FUNCTION_RE)


def is_attribute_only(words: str | list[str]) -> bool:
    """True when the message asks about a property (amount, duration, tax, age, ...) and names nothing else."""
    text = _text(words)
    return bool(_PUNCT_OR_SPACE.sub("", text)) and not _leftover(text, _ATTRIBUTE_RE).strip("0123456789")


_PROCESS_ASK = re.compile(
    r"(?:怎么|怎样|如何|咋|咋样)(?:去|才能|来)?(?:申请|申领|申报|办理|领取|领|报名|提交|递交)|申请流程|办理流程|流程|"
    r"材料|资料|手续|截止|申报时间|申请时间|(?:什么时候|何时|几号|哪天)(?:可以|能|开始|前)?(?:要)?(?:交)?(?:申请|申报|报名|办理)|"
    r"审核|审批|进度|公示|多久(?:能)?(?:审|批|办|下来)|网上(?:办|申请)|线上|现场|"
    r"\b(?:how (?:do|can|should|would) (?:i|we|you) (?:apply|claim|register|submit)|how to (?:apply|claim|register)|"
    r"application (?:process|form|status)|documents?|paperwork|materials?|deadline|apply by|"
    r"when (?:can|do|should|must|could) (?:i|we) apply|processing|status|track|follow (?:my|the) application|"
    r"approv(?:e|ed|al)|in person|online)\b")


def asks_process(text: str) -> bool:
    """True for how, when or with what to apply, a deadline, the processing or the status of an application."""
    return bool(_PROCESS_ASK.search(text))


_LEAD = r"(?:(?:哦|噢|喔|啊|呃|嗯|额|哎|唉|等下|等等|等一下|不好意思|抱歉|对不起|oh|oops|wait|sorry|no)[，,。.!！~～\s]*)*"
"""Interjections and apologies before a correction ("哦不是买房", "不好意思说错了", "oops, I meant")."""
_CORRECTION = re.compile(
    rf"^{_LEAD}(?:不是|不对|错了|说错了|搞错了|记错了|写错了|打错了|弄错了|说反了|更正一下|更正|我说错了|我搞错了|我记错了|"
    r"我写错了|我打错了)(?:[，,。.!！;；\s]|我|$)|"
    rf"^{_LEAD}(?:其实)?(?:我(?:是|其实是)?(?:想)?(?:问的?是|问|说的是|指的是|的意思是)|问的是|说的是|指的是|意思是)|"
    r"我(?:想)?问的(?:是|其实是)|"
    r"\b(?:i meant|i mean|i was asking about|i was asking for|i am asking about|i'm asking about|i asked about)\b")


def is_correction(text: str) -> bool:
    """"不是，我是问购房的", "sorry, I meant the rent subsidy": the person corrects what the last answer was about."""
    return bool(_CORRECTION.search(text))


_NEGATION = r"(?<!是)(?:而不是|并不是|不是|并非|而非)"  # "是不是" asks, it does not correct
_NOT_THIS_BUT = re.compile(
    # "不是住房补贴，是购房补贴", "不是学费补助。。租房补贴呢"
    rf"^{_LEAD}(?:不是|并不是)(?P<wrong>[^，,。；;.!！]{{1,20}}?)[，,\s]*(?:而|我)?(?:是|问的是|说的是|指的是)(?P<meant>.+)$|"
    rf"^{_LEAD}(?:不是|并不是)(?P<wrong_punct>[^，,。；;.!！]{{1,20}}?)[，,。.；;!！\s]+(?P<meant_punct>.+)$|"
    # "我说的是租房的，不是买房", "是硕士不是博士"
    rf"^(?P<meant_first>.+?)[，,\s]*{_NEGATION}(?P<wrong_last>[^，,。；;]{{1,20}})[。.!！~～\s]*$|"
    # "not the rent subsidy, the purchase subsidy"; "the rent subsidy, not the tuition one"
    r"^(?:no,?\s*)?not (?:the )?(?P<wrong_en>[^,;]{1,40}?)(?:,\s*(?:but )?|\s+but\s+)(?:i meant |i mean )?"
    r"(?:the )?(?P<meant_en>.+)$|"
    r"^(?P<meant_en_first>.+?),\s*(?:and |but )?not (?:the |a |an )?(?P<wrong_en_last>[^,;]{1,40})[.!\s]*$")
_MEANT = ("meant", "meant_punct", "meant_first", "meant_en", "meant_en_first")
_WRONG = ("wrong", "wrong_punct", "wrong_last", "wrong_en", "wrong_en_last")


def not_meant(text: str) -> str | None:
    """What a correction says was not meant ("不是住房补贴，是购房补贴" -> "住房补贴"), if it says so."""
    found = _NOT_THIS_BUT.search(text)
    return next((found.group(name) for name in _WRONG if found.group(name)), None) if found else None


def meant_instead(text: str) -> str | None:
    """"不是住房补贴，是购房补贴" -> "购房补贴", "我说的是租房的，不是买房" -> "租房的", "not the rent subsidy, the
    purchase subsidy" -> "purchase subsidy": the part that says what was meant (without the words that correct),
    when the message also says what was not."""
    found = _NOT_THIS_BUT.search(text)
    if found is None:
        return None
    meant = next((found.group(name) for name in _MEANT if found.group(name)), None)
    if meant is None:
        return None
    meant = without_correction(meant.strip(" ，,。.!！;；"))
    inner = _NOT_THIS_BUT.search(meant)  # "不对，我是紧缺人才不是高层次人才": what is left may say what was not, too
    if inner is not None and inner.group("meant_first"):
        meant = inner.group("meant_first").strip(" ，,。.!！;；")
    return meant if _PUNCT_OR_SPACE.sub("", meant) else None


def without_correction(text: str) -> str:
    """``text`` without the words that correct ("不是，我是问购房的" -> "购房的"): what is left names what was meant."""
    left = text
    for _ in range(3):  # "不是，" then "我是问": each marker at the start of what is left
        shorter = _CORRECTION.sub(" ", left).strip(" ，,。.!！;；")
        if shorter == left:
            break
        left = shorter
    return left if _PUNCT_OR_SPACE.sub("", left) else text


_LEANS_BACK = re.compile(
    r"^(?:那|那么|还有|还|也|另外|而且|同时|如果|要是|假如|这个|这|该|此|它)|呢\s*[?？]?\s*$|这个|这项|这笔|该项|"
    r"也(?:能|可以|算|行|包括|有|要)|还(?:能|可以|有|要|算|发|给)|算吗|算不算|\b(?:it|this|that|these|those|they|them|also|too|same)\b|"
    r"(?:可以|行|能|算|包括|包含|适用|有|要|需要)(?:吗|么|不)\s*[?？]?\s*$|可不可以|行不行|能不能|算不算|"
    r"^(?:and|but|so|what about|how about|what if|is there|are there|does it|do they|is it|do i|can i still)\b")


def leans_back(text: str) -> bool:
    """True when the wording points back at the previous turn ("这个…", "…也算吗", "what about …")."""
    return bool(_LEANS_BACK.search(text))


def without_leaning(text: str) -> str:
    """``text`` without the words that point back ("托儿所也算吗" -> "托儿所 吗"): what is left names the thing asked
    about; the whole text when nothing would be left."""
    return _removed(_LEANS_BACK, text)


def _removed(words: re.Pattern[str], text: str) -> str:
    """``text`` without ``words``; the whole text when nothing would be left."""
    left = words.sub(" ", text)
    return left if _PUNCT_OR_SPACE.sub("", left) else text


_COMBINATION = re.compile(
    r"^(?:那|那么|这个|这|它|还)?(?:能|可以|可不可以|能不能|是否能|可否)?(?:和|跟|与|同)[^，,。？?]{1,14}?"
    r"(?:一起|同时|叠加|兼得|一块儿?|都)(?:领|享受|拿|申请|发|要)?|"
    r"^(?:can|could) (?:i|it|this|you) (?:also )?(?:be )?(?:combine\w*|get|claim|receive|have)\b.*"
    r"\b(?:with|together|as well|at the same time|on top)\b")


def asks_combination(text: str) -> bool:
    """"能和住房补贴一起领吗": whether the benefit under discussion combines with another (named) one."""
    return bool(_COMBINATION.search(text))


_FOLLOWUP_MARK = re.compile(r"^(?:那|那么|那如果|如果是|要是|换成|还有)|呢\s*$|^(?:what|how) about\b|^and (?:for|if|what)\b|^what if\b")


def is_followup_question(text: str) -> bool:
    """True for "那…呢", "what about …", "and for …": a question that leans on the previous turn."""
    return bool(_FOLLOWUP_MARK.search(text))


_QUESTION = re.compile(
    r"[?？]|吗|呢|么|多少|几|怎么|怎样|如何|什么|啥|哪|谁|是否|能否|可否|有没有|是不是|能不能|可不可以|行不行|算不算|"
    r"^(?:what|how|when|where|who|whom|which|why|is|are|can|could|do|does|did|will|would|should|may|am|any)\b")


def is_question(text: str) -> bool:
    """False for a plain statement ("我去年毕业，社保交了四个月", "I signed a five-year contract")."""
    return bool(_QUESTION.search(text))


# A message of one word this general names no benefit: it is asked about, however the model leans ("人才" is
# every topic's word; a model that answers it has learned that from a topic's many examples, not from the person).
TOO_GENERAL = frozenset({"人才", "政策", "大连人才", "talent", "talents", "policy", "policies"})


def too_general(core: str) -> bool:
    return _PUNCT_OR_SPACE.sub("", core).casefold() in TOO_GENERAL
