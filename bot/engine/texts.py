"""Interface strings of the assistant in Chinese and English.

Answers live in the knowledge base; this module holds only the words around
them (labels, prompts, notices), so that every channel says the same thing.
"""

from __future__ import annotations

from typing import Mapping

TEXTS: dict[str, dict[str, str]] = {
    "source": {"zh": "来源：", "en": "Source: "},
    "undated": {"zh": "未注明日期", "en": "undated"},
    "reprint": {"zh": "转载", "en": "reprint"},
    "contact": {"zh": "咨询：", "en": "Contact: "},
    "phone": {"zh": "电话", "en": "tel."},
    "apply": {"zh": "如何申请", "en": "How to apply"},
    "contacts": {"zh": "联系方式", "en": "Contacts"},
    "human": {"zh": "转人工", "en": "Talk to a person"},
    "none_of_these": {"zh": "都不是，转人工", "en": "None of these: a person, please"},
    "clarify": {"zh": "我想确认一下，您想问的是哪一项？请点选：",
                "en": "To make sure I answer the right question, which of these do you mean?"},
    "about_topic": {"zh": "关于「{topic}」：", "en": "About {topic}: "},
    "empty": {"zh": "我没有读到文字内容。请直接输入您的问题，例如“博士买房有补贴吗”。",
              "en": "I could not find any words in that message. Please type your question, "
                    "for example \"What rent subsidy does a master's graduate get?\""},
    "long": {"zh": "您的消息较长，我先按开头部分来回答。",
             "en": "Your message is long, so I answered its first part."},
    "to_be_confirmed": {"zh": "政策可能调整，办理前请向主管部门确认。",
                        "en": "Policies change; please confirm with the office before you act."},
    "catalogue_listed": {"zh": "是的，“{occupation}”在{edition}紧缺人才目录中：{details}。来源：{source}。",
                         "en": "Yes: {occupation} is on the {edition} shortage-talent catalogue: {details}. "
                               "Source: {source}."},
    "catalogue_not_listed": {"zh": "在我们导入的紧缺人才目录（{edition}）中没有找到“{name}”。目录按岗位编制，名称可能与您的说法"
                                   "不同；是否符合认定条件，请向下面的咨询渠道或您单位的人事部门确认。",
                             "en": "We did not find \"{name}\" in the shortage-talent catalogue we hold "
                                   "({edition}). The catalogue lists posts, whose names may differ from yours; please "
                                   "confirm with the contact below or your employer's HR department."},
    "catalogue_unknown": {"zh": "我们无法确认“{name}”是否在紧缺人才目录中：公开资料没有列出任何一版目录的具体岗位，我们也还没有"
                                "导入目录清单。请向人社部门或您单位的人事部门确认。",
                          "en": "We cannot tell whether \"{name}\" is on the shortage-talent catalogue: the public "
                                "sources do not list the posts of any edition, and we have not loaded the list yet. "
                                "Please ask the HRSS bureau or your employer's HR department."},
    "catalogue_industry": {"zh": "行业 {value}", "en": "industry: {value}"},
    "catalogue_stars": {"zh": "紧缺程度 {value}", "en": "shortage rating: {value}"},
    "catalogue_level": {"zh": "层级 {value}", "en": "level: {value}"},
    "feedback_thanks": {"zh": "感谢反馈！", "en": "Thank you for the feedback!"},
    "feedback_sorry": {"zh": "抱歉没有帮到您。已记录此问题，工作人员会复核并完善答案。需要的话可以点“转人工”。",
                       "en": "Sorry this did not help. The question is logged for our staff to review. "
                             "Tap \"Talk to a person\" if you need one."},
    "feedback_already": {"zh": "您已经评价过这个回答了，谢谢！", "en": "You have already rated this answer, thank you!"},
    "assumed": {"zh": "按您说的{facts}：", "en": "For {facts}: "},
    "handoff_open": {"zh": "请直接描述您的问题：您接下来发送的消息会转给工作人员，直到工作人员回复或您发送“取消”。",
                     "en": "Please describe your problem: what you write next goes to our staff, until they reply "
                           "or you send \"cancel\"."},
    "handoff_passed": {"zh": "已转给工作人员。他们看到后会在这个对话里回复您；您可以继续补充，发送“取消”可回到自动问答。",
                       "en": "Passed on to our staff. They will reply to you here in this chat when they have "
                             "read it; you can add more, or send \"cancel\" to go back to the assistant."},
    "handoff_cancelled": {"zh": "已取消转人工，您可以继续向我提问。",
                          "en": "The request for a person is cancelled; you can keep asking me questions."},
    "forgotten": {"zh": "已删除您在本服务中存储的全部记录（{n} 条）。",
                  "en": "All records this service kept about you are deleted ({n} items)."},
}


# How the answer names a fact it assumed (``assumed`` above): (fact, value) -> zh, en.
FACT_LABELS: dict[tuple[str, object], dict[str, str]] = {
    ("degree", "phd"): {"zh": "博士学历", "en": "a doctorate"},
    ("degree", "master"): {"zh": "硕士学历", "en": "a master's degree"},
    ("degree", "bachelor"): {"zh": "本科学历", "en": "a bachelor's degree"},
    ("degree", "college"): {"zh": "专科学历", "en": "a junior-college diploma"},
    ("tier", "top"): {"zh": "尖端人才", "en": "a top talent"},
    ("tier", "leading"): {"zh": "领军人才", "en": "a leading talent"},
    ("tier", "high_end"): {"zh": "高端人才", "en": "a high-end talent"},
    ("tier", "young"): {"zh": "青年才俊", "en": "a young talent (青年才俊)"},
    ("tier", "shortage"): {"zh": "紧缺人才", "en": "a certified shortage talent"},
    ("origin", "local"): {"zh": "本地人才", "en": "a local talent"},
    ("origin", "introduced"): {"zh": "引进人才", "en": "an introduced talent"},
    ("foreign", True): {"zh": "外籍", "en": "a foreign national"},
    ("double_first_class", True): {"zh": "双一流高校毕业", "en": "a Double First-Class graduate"},
}


def facts_label(facts: dict[str, object], lang: str) -> str:
    """"硕士学历、双一流高校毕业" / "a master's degree and a Double First-Class graduate"."""
    labels = [FACT_LABELS[(k, v)].get(lang) or FACT_LABELS[(k, v)]["zh"] for k, v in facts.items()
              if (k, v) in FACT_LABELS]
    if lang != "en":
        return "、".join(labels)
    return " and ".join(labels)


def phrase(table: Mapping[str, Mapping[str, str]], key: str, lang: str, /, **values: object) -> str:
    """The text ``key`` of a zh/en ``table`` in ``lang`` (Chinese when it has no such language), filled in."""
    entry = table[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text


def t(key: str, lang: str, **values: object) -> str:
    return phrase(TEXTS, key, lang, **values)
