"""Interface strings of the assistant in Chinese and English.

Answers live in the knowledge base; this module holds only the words around
them (labels, prompts, notices), so that every channel says the same thing.
"""

from __future__ import annotations

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
    "forgotten": {"zh": "已删除您在本服务中存储的全部记录（{n} 条）。",
                  "en": "All records this service kept about you are deleted ({n} items)."},
}


def t(key: str, lang: str, **values: object) -> str:
    entry = TEXTS[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text
