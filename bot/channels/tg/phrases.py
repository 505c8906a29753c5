"""The words the Telegram channel says around the Assistant's answers (zh / en).

Answers come from the knowledge base; this module holds only the channel's own
prompts and notices. No office hours are promised here: staff reply in the chat.
"""

from __future__ import annotations

from bot.engine.texts import phrase

PHRASES: dict[str, dict[str, str]] = {
    "welcome": {
        "zh": "您好！我是大连人才政策助手。\n我可以解答大连“5+22”人才政策、紧缺人才目录、“一事一议”、"
              "安家费与生活补贴、购房和租房补贴、人才公积金贷款、子女入学、医疗保障、落户、"
              "创业与科研支持、外籍人才、如何申请以及联系哪个部门等问题。每个答案都注明来源。\n"
              "请直接输入问题，或点选下面的主题：",
        "en": "Hello! I am the Dalian talent-policy assistant.\n"
              "I answer questions about Dalian's \"5+22\" talent policy, the shortage-talent catalogue, "
              "\"one case, one discussion\" support, settlement "
              "allowances, housing and rent subsidies, provident-fund loans, schooling, medical care, household "
              "registration, startup and research support, foreign talent, how to apply and whom to call. "
              "Every answer names its source.\nType your question, or pick a topic below:",
    },
    "help": {
        "zh": "直接输入您的问题即可，例如“博士买房有补贴吗”“硕士租房补贴多少”。\n"
              "/topics 主题菜单\n/eligibility 资格自测：我能享受哪些政策\n/lang 切换语言\n/human 联系工作人员\n/subscribe 订阅政策通知\n"
              "/forget 删除我的记录\n"
              "每个答案下方可点 👍 / 👎 反馈。",
        "en": "Just type your question, e.g. \"PhD housing subsidy?\" or \"rent subsidy for a master's graduate\".\n"
              "/topics the topic menu\n/eligibility check what you can get\n/lang change language\n/human talk to a person\n"
              "/subscribe get policy news\n/forget delete my records\n"
              "Tap 👍 / 👎 under an answer to tell us whether it helped.",
    },
    "topics": {"zh": "请选择一个主题：", "en": "Pick a topic:"},
    "lang_prompt": {"zh": "请选择语言 / Choose a language:", "en": "Choose a language / 请选择语言:"},
    "lang_set": {"zh": "好的，之后我会用中文回答。", "en": "OK, I will answer in English from now on."},
    "handoff_sent": {
        "zh": "已通知工作人员，他们会在这个对话里回复您。",
        "en": "Our staff have been notified and will reply to you here in this chat.",
    },
    "handoff_unavailable": {
        "zh": "暂时无法转接工作人员，请使用上面的联系方式。",
        "en": "I cannot reach our staff from here right now; please use the contact details above.",
    },
    "handoff_pending": {
        "zh": "您的问题已经转给工作人员，他们会在这个对话里回复您，请勿重复提交。",
        "en": "Your question is already with our staff; they will reply to you here. No need to send it again.",
    },
    "staff_reply": {"zh": "工作人员回复：", "en": "Reply from our staff:"},
    "forget_confirm": {
        "zh": "确定要删除本服务存储的您的全部记录（提问、反馈、对话状态、转人工记录）吗？此操作无法撤销。",
        "en": "Delete every record this service keeps about you (questions, feedback, conversation state, "
              "hand-offs)? This cannot be undone.",
    },
    "forget_yes": {"zh": "确认删除", "en": "Yes, delete"},
    "forget_no": {"zh": "取消", "en": "Cancel"},
    "forget_cancelled": {"zh": "已取消，什么都没有删除。", "en": "Cancelled; nothing was deleted."},
    "forgotten": {"zh": "已删除本服务存储的您的全部记录：{what}。", "en": "Deleted every record this service kept "
                  "about you: {what}."},
    "forgotten_nothing": {"zh": "本服务没有存储您的任何记录。", "en": "This service kept no records about you."},
    "media": {
        "zh": "抱歉，我只能阅读文字。请用文字输入您的问题，例如“博士买房有补贴吗”。",
        "en": "Sorry, I can only read text. Please type your question, e.g. \"PhD housing subsidy?\"",
    },
    "flood": {
        "zh": "您发送得太快了，请稍等一分钟再继续提问。",
        "en": "You are sending messages very quickly; please wait a minute before asking again.",
    },
    "stale": {
        "zh": "这个按钮已失效，请重新输入您的问题或发送 /topics。",
        "en": "This button is no longer valid; please ask again or send /topics.",
    },
    "staff_only": {"zh": "仅限工作人员操作。", "en": "Only staff can do this."},
    "error": {
        "zh": "抱歉，处理您的消息时出了问题。请稍后再试，或发送 /human 联系工作人员。",
        "en": "Sorry, something went wrong with your message. Please try again later, or send /human.",
    },
    "human_button": {"zh": "转人工", "en": "Talk to a person"},
    "staff_command": {
        "zh": "抱歉，这个命令仅供人才服务中心的工作人员使用。发送 /help 查看我能为您做什么。",
        "en": "Sorry, this command is for the talent service centre's staff only. Send /help to see what I can do.",
    },
    "subscribed": {
        "zh": "已订阅：有新的人才政策通知时我会发给您。发送 /unsubscribe 可随时退订。",
        "en": "Subscribed: I will send you news about talent policies. Send /unsubscribe to stop at any time.",
    },
    "already_subscribed": {"zh": "您已经订阅了政策通知。发送 /unsubscribe 可退订。",
                           "en": "You are already subscribed. Send /unsubscribe to stop."},
    "unsubscribed": {"zh": "已退订，不会再收到政策通知。", "en": "Unsubscribed; you will get no more news."},
    "not_subscribed": {"zh": "您没有订阅政策通知。发送 /subscribe 可订阅。",
                       "en": "You are not subscribed. Send /subscribe to get news."},
}

STAFF_TEXTS: dict[str, dict[str, str]] = {
    "handoff": {"zh": "🙋 转人工 #{id} · {lang} · 来自 {name}", "en": "🙋 Hand-off #{id} · {lang} · from {name}"},
    "handoff_body": {
        "zh": "问题：{question}\n\n最近的提问：\n{context}\n\n回复这条消息即可答复用户，机器人会转交您的回复。",
        "en": "Question: {question}\n\nRecent questions:\n{context}\n\n"
              "Reply to this message to answer the user; the bot delivers your reply.",
    },
    "no_context": {"zh": "（无）", "en": "(none)"},
    "handoff_message": {"zh": "💬 转人工 #{id} · 来自 {name}", "en": "💬 Hand-off #{id} · from {name}"},
    "conversation": {"zh": "此前的对话：", "en": "Conversation so far:"},
    "handoff_cancelled": {"zh": "✖️ 转人工 #{id}：用户已取消请求。", "en": "✖️ Hand-off #{id}: the user cancelled the request."},
    "delivered": {"zh": "✅ 已转交给用户（转人工 #{id}）。", "en": "✅ Delivered to the user (hand-off #{id})."},
    "not_delivered": {"zh": "⚠️ 未能转交给用户（转人工 #{id}）：{reason}",
                      "en": "⚠️ Could not deliver to the user (hand-off #{id}): {reason}"},
    "unknown": {"zh": "这条消息不是转人工消息；请回复转人工消息来答复用户。",
                "en": "This message is not a hand-off; reply to a hand-off message to answer a user."},
    "propose": {"zh": "📚 作为知识库答案提交审核", "en": "📚 Propose as KB answer"},
    "proposed": {"zh": "📚 已提交审核（#{review}）。", "en": "📚 Proposed for review (#{review})."},
    "no_reply_yet": {"zh": "请先回复这条转人工消息；您的回复会成为建议答案。",
                     "en": "Reply to the hand-off first; the reply becomes the proposed answer."},
    "error": {"zh": "⚠️ 处理消息时出错：{kind}", "en": "⚠️ Error while handling an update: {kind}"},
    "bot_api_down": {"zh": "⚠️ 暂时无法连接 Telegram：{kind}", "en": "⚠️ Telegram cannot be reached: {kind}"},
    "review_summary": {
        "zh": "共 {items} 条待审核，分为 {groups} 组；下面是前 {shown} 组。点按钮可把整组归入意图或忽略，"
              "回复某条消息即可撰写答案。",
        "en": "{items} open review items in {groups} groups; the first {shown} follow. "
              "Press a button to assign or ignore a whole group, or reply to an item with the answer.",
    },
    "review_item": {"zh": "📝 待审核 #{id} · 同类 {n} 条 · {reason}", "en": "📝 Review #{id} · {n} similar · {reason}"},
    "review_body": {
        "zh": "问题：{question}\n候选意图：{candidates}\n同类提问：\n{similar}\n\n"
              "回复这条消息即可撰写答案（中英文答案相同；以 #意图id 开头可选择意图，否则用第一个候选意图）。",
        "en": "Question: {question}\nCandidates: {candidates}\nAlso asked:\n{similar}\n\n"
              "Reply to this message to answer it (your text is the answer in both languages; "
              "start with #intent_id to choose the intent, else the top candidate).",
    },
    "review_ignore": {"zh": "🚫 忽略", "en": "🚫 Ignore"},
    "review_refused": {"zh": "⚠️ 未完成：{reason}", "en": "⚠️ Not done: {reason}"},
    "review_done": {"zh": "✅ 待审核 #{id}：{resolution}（共 {n} 条）。", "en": "✅ Review #{id}: {resolution} ({n} items)."},
    "review_answered": {"zh": "✅ 待审核 #{id} 已解答：新条目 {entry}（共 {n} 条）。机器人会自动重新加载。",
                        "en": "✅ Review #{id} answered: new entry {entry} ({n} items). The bot reloads by itself."},
    "stats_refused": {"zh": "⚠️ {reason}", "en": "⚠️ {reason}"},
    "stats_caption": {"zh": "自 {since} 以来的查询", "en": "Queries since {since}"},
    "reloaded": {"zh": "🔄 已重新加载知识库（内容版本 {version}）。", "en": "🔄 Reloaded the knowledge base (content version {version})."},
    "reload_unchanged": {"zh": "上次加载后没有变化（内容版本 {version}）。",
                         "en": "Nothing changed since the last load (content version {version})."},
    "retraining": {"zh": "🧠 训练短语有变化：模型将在后台重新训练，通过检查后启用；在此之前由当前模型回答。",
                   "en": "🧠 The training phrases changed: the model is retrained in the background and used once it "
                         "passes the check; the current model answers meanwhile."},
    "exported": {"zh": "知识库（种子格式，YAML）；解压后可用 python run_bot.py kb import DIR 载入",
                 "en": "The knowledge base in the seed layout (YAML); unzip it and load it with "
                       "python run_bot.py kb import DIR"},
    "broadcast_usage": {"zh": "用法：/broadcast 文字 —— 先给您预览，确认后才发送。",
                        "en": "Usage: /broadcast TEXT — you get a preview to confirm before anything is sent."},
    "broadcast_preview": {"zh": "📢 群发预览 · 发给 {n} 位订阅者", "en": "📢 Broadcast preview · to {n} subscribers"},
    "broadcast_confirm": {"zh": "✅ 发送", "en": "✅ Send"},
    "broadcast_cancel": {"zh": "✖️ 取消", "en": "✖️ Cancel"},
    "broadcast_stale": {"zh": "这条群发已经发送或取消（或机器人已重启）。",
                        "en": "This broadcast was already sent or cancelled (or the bot restarted)."},
    "broadcast_cancelled": {"zh": "群发已取消，没有发送任何消息。", "en": "Broadcast cancelled; nothing was sent."},
    "broadcast_report": {"zh": "📢 群发完成：送达 {delivered}，移除 {removed}（已屏蔽机器人），失败 {failed}。",
                         "en": "📢 Broadcast done: {delivered} delivered, {removed} removed (blocked the bot), "
                               "{failed} failed."},
}

STAFF: dict[str, str] = {key: texts["zh"] for key, texts in STAFF_TEXTS.items()}
"""The staff texts in Chinese, for the staff chat (a group: no one member's language)."""


def staff_say(key: str, lang: str, **values: object) -> str:
    """A staff text in ``lang`` (Chinese unless ``en``)."""
    return phrase(STAFF_TEXTS, key, "en" if lang == "en" else "zh", **values)


COMMANDS: dict[str, tuple[tuple[str, str], ...]] = {
    "zh": (("start", "开始 / 主题菜单"), ("help", "使用帮助"), ("topics", "主题菜单"), ("eligibility", "资格自测"),
           ("lang", "切换语言"),
           ("human", "联系工作人员"), ("forget", "删除我的记录")),
    "en": (("start", "Start / topic menu"), ("help", "How to use this bot"), ("topics", "Topic menu"),
           ("eligibility", "Check what I can get"),
           ("lang", "Change language"), ("human", "Talk to a person"), ("forget", "Delete my records")),
}


RECORDS = {  # what /forget names, per kind of record removed
    "queries": ("提问", "questions"), "feedback": ("反馈", "feedback"), "sessions": ("对话状态", "conversation states"),
    "handoffs": ("转人工记录", "hand-offs"), "subscriptions": ("订阅", "subscriptions"),
    "reviews": ("待审核条目", "review items"), "examples": ("训练短语", "training phrases"),
    "entries": ("知识库问法", "knowledge-base question variants"), "changes": ("变更记录", "change-log rows"),
    "inbox": ("收到的消息", "received messages"), "outbox": ("待发送的回复", "replies waiting to be sent"),
}


def records(counts: dict[str, int], lang: str) -> str:
    """"questions 3, feedback 1, ..." in the person's language."""
    index = 0 if lang == "zh" else 1
    return ("、" if lang == "zh" else ", ").join(f"{RECORDS.get(k, (k, k))[index]} {n}" for k, n in counts.items())


def say(key: str, lang: str) -> str:
    return phrase(PHRASES, key, lang)


def lang_of_code(language_code: str | None) -> str:
    """Telegram's language_code to the assistant's language (Chinese unless the client says otherwise)."""
    if not language_code:
        return "zh"
    return "zh" if language_code.lower().startswith("zh") else "en"
