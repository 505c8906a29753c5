"""Interface strings of the assistant in Chinese and English.

Answers live in the knowledge base; this module holds only the words around
them (labels, prompts, notices), so that every channel says the same thing.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "source": {"zh": "来源：", "en": "Source: "},
    "undated": {"zh": "来源未注明日期", "en": "undated source"},
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
    "feedback_thanks": {"zh": "感谢反馈！", "en": "Thank you for the feedback!"},
    "feedback_sorry": {"zh": "抱歉没有帮到您。已记录此问题，工作人员会复核并完善答案。需要的话可以点“转人工”。",
                       "en": "Sorry this did not help. The question is logged for our staff to review. "
                             "Tap \"Talk to a person\" if you need one."},
    "feedback_already": {"zh": "您已经评价过这个回答了，谢谢！", "en": "You have already rated this answer, thank you!"},
    "forgotten": {"zh": "已删除您在本服务中存储的全部记录（{n} 条）。",
                  "en": "All records this service kept about you are deleted ({n} items)."},
}


def t(key: str, lang: str, **values: object) -> str:
    entry = TEXTS[key]
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text
