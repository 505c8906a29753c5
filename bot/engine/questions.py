"""The words of the eligibility check (zh / en): its questions, answer labels and the
phrases around the result. The rules themselves live in the knowledge base."""

from __future__ import annotations

from bot.engine.texts import phrase
from knowledge.rules import FIELDS

QUESTIONS: dict[str, dict[str, str]] = {
    "degree": {"zh": "您的最高学历是？", "en": "What is your highest degree?"},
    "double_first_class": {"zh": "这个学历是在“双一流”高校取得的吗？",
                           "en": "Is that degree from a \"Double First-Class\" (双一流) university?"},
    "first_class_university": {"zh": "是“一流大学建设高校”，还是“一流学科建设高校”？",
                               "en": "Is it a first-class university (一流大学建设高校) or a university with "
                                     "first-class disciplines (一流学科建设高校)?"},
    "graduation_year": {"zh": "您哪一年毕业（以学信网记载为准）？",
                        "en": "In which year did (or will) you graduate (as recorded in 学信网)?"},
    "work": {"zh": "您在大连工作吗？", "en": "Do you work in Dalian?"},
    "district": {"zh": "在哪个区（市、县）工作？", "en": "In which district (or county) do you work?"},
    "hukou": {"zh": "您有大连户籍吗？", "en": "Is your household registered in Dalian (大连户籍)?"},
    "insurance_months": {"zh": "您在大连连续缴纳社保多少个月了？",
                         "en": "For how many months in a row have you paid social insurance in Dalian?"},
    "tier": {"zh": "您是否已被认定为大连的高层次人才或紧缺人才？",
             "en": "Have you been certified as a Dalian high-level or shortage talent?"},
    "origin": {"zh": "您是本地人才还是引进人才？", "en": "Are you a local or an introduced talent?"},
    "housing": {"zh": "您在大连租房还是购房？", "en": "Do you rent or buy your home in Dalian?"},
    "foreign": {"zh": "您是外国国籍吗？", "en": "Are you a foreign national?"},
}

LABELS: dict[str, dict[object, tuple[str, str]]] = {
    "degree": {"phd": ("博士", "Doctorate"), "master": ("硕士", "Master's"), "bachelor": ("本科", "Bachelor's"),
               "college": ("大专（专科）", "Junior college"), "secondary": ("中专、中职或技校", "Secondary vocational"),
               "none": ("其他", "Other")},
    "first_class_university": {True: ("一流大学建设高校", "First-class university"),
                               False: ("一流学科建设高校", "First-class disciplines")},
    "work": {"employed": ("在大连的单位工作", "Employed in Dalian"), "business": ("在大连创业", "Own business in Dalian"),
             "coming": ("即将来大连工作", "Coming to work in Dalian"), "none": ("不在大连工作", "Not working in Dalian")},
    "district": {"zhongshan": ("中山区", "Zhongshan"), "xigang": ("西岗区", "Xigang"), "shahekou": ("沙河口区", "Shahekou"),
                 "ganjingzi": ("甘井子区", "Ganjingzi"), "hightech": ("高新区", "High-tech Zone"),
                 "lushunkou": ("旅顺口区", "Lüshunkou"), "jinpu": ("金普新区", "Jinpu New Area"),
                 "pulandian": ("普兰店区", "Pulandian"), "wafangdian": ("瓦房店市", "Wafangdian"),
                 "zhuanghe": ("庄河市", "Zhuanghe"), "changhai": ("长海县", "Changhai")},
    "tier": {"top": ("尖端人才", "Top talent"), "leading": ("领军人才", "Leading talent"),
             "high_end": ("高端人才", "High-end talent"), "young": ("青年才俊", "Young talent"),
             "shortage": ("城市发展紧缺人才", "Shortage talent"), "none": ("尚未认定", "Not certified")},
    "origin": {"local": ("本地人才", "Local talent"), "introduced": ("引进人才", "Introduced talent")},
    "housing": {"rent": ("租房", "Renting"), "buy": ("已购房或准备购房", "Bought or buying"),
                "other": ("都不是（如住单位宿舍）", "Neither (e.g. staff dormitory)")},
}
YES_NO: dict[object, tuple[str, str]] = {True: ("是", "Yes"), False: ("否", "No")}

NEED_LABELS: dict[str, dict[object, tuple[str, str]]] = {
    "work": {"employed": ("在大连就业", "working for an employer in Dalian"),
             "business": ("在大连创业", "running a business in Dalian"),
             "coming": ("来大连工作", "coming to work in Dalian"), "none": ("不在大连工作", "not working in Dalian")},
    "housing": {"rent": ("租房", "renting"), "buy": ("购房", "buying a home"), "other": ("不租房也不购房", "neither")},
}
"""Answer labels as they read inside "what is missing" (where they differ from the buttons)."""

NEEDS: dict[str, tuple[str, str]] = {
    "hukou": ("大连户籍", "Dalian household registration"),
    "insurance_months": ("在大连连续缴纳社保满{n}个月", "{n} months of social insurance in a row in Dalian"),
    "work": ("{values}", "{values}"),
    "district": ("在{values}工作", "working in {values}"),
    "housing": ("{values}", "{values}"),
    "tier": ("认定为{values}", "certification as {values}"),
    "origin": ("{values}", "{values}"),
}
"""How a missing requirement reads when the entry's rule gives no ``almost`` text of its own."""

PHRASES: dict[str, dict[str, str]] = {
    "step": {"zh": "资格自测 · 第{n}问", "en": "Eligibility check · question {n}"},
    "type_number": {"zh": "（也可以直接输入数字）", "en": "(or type the number)"},
    "back": {"zh": "⬅ 上一步", "en": "⬅ Back"},
    "cancel": {"zh": "✖ 取消", "en": "✖ Cancel"},
    "cancelled": {"zh": "已取消资格自测。随时发送 /eligibility 重新开始。",
                  "en": "Eligibility check cancelled. Send /eligibility to start again at any time."},
    "start": {"zh": "🧮 资格自测：我能享受哪些", "en": "🧮 Check what I can get"},
    "again": {"zh": "🔄 重新自测", "en": "🔄 Check again"},
    "unclear": {"zh": "没有看懂这个回答，请选择一个选项的编号", "en": "I did not understand that; please pick an option's number"},
    "title": {"zh": "资格自测结果", "en": "Your eligibility check"},
    "answers": {"zh": "您的回答：", "en": "Your answers: "},
    "applies": {"zh": "✅ 您可以享受（{n}项）：", "en": "✅ What you can get ({n}):"},
    "none_applies": {"zh": "✅ 按您的回答，知识库中暂时没有完全符合的项目。",
                     "en": "✅ From your answers, nothing in our knowledge base applies in full yet."},
    "closed": {"zh": "⏸ 符合条件，但申领已截止：", "en": "⏸ You qualify, but claims have closed:"},
    "almost": {"zh": "🔸 差一点就能享受：", "en": "🔸 Almost within reach:"},
    "missing": {"zh": "还差：", "en": "What is missing: "},
    "pending": {"zh": "注意：", "en": "Note: "},
    "also": {"zh": "另需满足：", "en": "Also required: "},
    "bonus": {"zh": "（含上浮{pct}%）", "en": " (including a {pct}% uplift)"},
    "closed_on": {"zh": "申领已于{date}截止", "en": "Claims closed on {date}"},
    "yearly": {"zh": "每年集中申报一次", "en": "One application window a year"},
    "last_window": {"zh": "（最近一次：{opens}至{closes}）", "en": " (latest: {opens} to {closes})"},
    "opens_on": {"zh": "申报将于{date}开始", "en": "Applications open on {date}"},
    "closes_on": {"zh": "申报截止：{date}", "en": "Applications close on {date}"},
    "caveat": {"zh": "以上按您的回答和知识库中的规则自动匹配，政策可能调整，办理前请向主管部门确认。",
               "en": "Matched automatically from your answers and the rules in our knowledge base; policies change, "
                     "so please confirm with the office before you act."},
    "bundle": {"zh": "初到大连，一般按这个顺序办理：", "en": "When you arrive in Dalian, the usual order is:"},
    "graduated": {"zh": "{year}年毕业", "en": "graduated {year}"},
    "months": {"zh": "社保{n}个月", "en": "{n} months of insurance"},
    "months_exact": {"zh": "{n}个月", "en": "{n} months"},
    "months_range": {"zh": "{low}–{high}个月", "en": "{low}–{high} months"},
    "months_up": {"zh": "{low}个月及以上", "en": "{low} months or more"},
    "year_or_earlier": {"zh": "{year}年及以前", "en": "{year} or earlier"},
    "year": {"zh": "{year}年", "en": "{year}"},
    "dfc": {"zh": "双一流", "en": "Double First-Class"},
    "not_dfc": {"zh": "非双一流", "en": "not Double First-Class"},
    "hukou_yes": {"zh": "大连户籍", "en": "Dalian hukou"},
    "hukou_no": {"zh": "非大连户籍", "en": "no Dalian hukou"},
    "foreign_yes": {"zh": "外国国籍", "en": "foreign national"},
    "foreign_no": {"zh": "中国国籍", "en": "Chinese national"},
}


def say(key: str, lang: str, **values: object) -> str:
    return phrase(PHRASES, key, lang, **values)


def label(name: str, value: object, lang: str) -> str:
    """The answer ``value`` of field ``name`` in words."""
    table = LABELS.get(name) or (YES_NO if FIELDS[name].kind == "bool" else {})
    pair = table.get(value)
    if pair is None:
        return str(value)
    return pair[0] if lang == "zh" else pair[1]


assert set(QUESTIONS) == set(FIELDS), "every profile field has its question"
