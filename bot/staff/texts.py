"""What staff read, in Chinese first and English second: one catalogue for the command line,
Telegram, the stats report and its chart.

The language is the staff member's: in Telegram the client's language (Chinese
or English), else the setting ``TALENTBOT_STAFF_LANG`` (Chinese by default),
which the command line uses too (:func:`staff_lang`).
"""

from __future__ import annotations

from bot.engine.texts import phrase

TEXTS: dict[str, dict[str, str]] = {
    # ---- training (train, the bot's background retraining, /stats)
    "train_stored": {
        "zh": "已用全部 {examples} 条训练短语重新训练（{seconds:.2f} 秒）；交叉验证准确率 {accuracy:.3f}{live}；新模型已启用。",
        "en": "retrained on all {examples} examples in {seconds:.2f} s; cross-validated accuracy {accuracy:.3f}{live}; "
              "the model is stored.",
    },
    "train_live": {"zh": "（原模型：{live:.3f}）", "en": " (live model: {live:.3f})"},
    "train_refused": {
        "zh": "新模型未启用：交叉验证准确率 {accuracy:.3f}，比当前模型的 {live:.3f} 低 {drop:.1f} 个百分点"
              "（最多允许 {allowed:g} 个）。当前模型继续回答；确认要替换请用 `train --force`。",
        "en": "the new model is not used: cross-validated accuracy {accuracy:.3f} is {drop:.1f} points below the "
              "live model's {live:.3f} (at most {allowed:g} allowed). The live model keeps answering; "
              "`train --force` replaces it anyway.",
    },
    "retrained": {
        "zh": "🧠 工作人员修改后，模型已在后台重新训练并启用：交叉验证准确率 {accuracy:.3f}{live}，{examples} 条训练短语。",
        "en": "🧠 After staff changes the model was retrained in the background and is live: cross-validated "
              "accuracy {accuracy:.3f}{live}, {examples} examples.",
    },
    "retrain_refused": {
        "zh": "⚠️ 工作人员修改后在后台训练的新模型未通过检查，没有启用：{reason} 请检查最近新增或修改的训练短语"
              "（kb history），修正后机器人会再次训练。",
        "en": "⚠️ The model retrained in the background after staff changes failed the check and is not used: "
              "{reason} Check the training phrases added or changed lately (kb history); the bot retrains "
              "after the next change.",
    },
    "model_line": {"zh": "模型：{state}", "en": "model: {state}"},
    "model_ok": {"zh": "{ts} 由 {by} 训练并启用，准确率 {accuracy:.3f}",
                 "en": "trained by {by} at {ts} and live, accuracy {accuracy:.3f}"},
    "model_refused": {"zh": "⚠️ {ts} 由 {by} 训练的新模型未启用（准确率 {accuracy:.3f}，当前 {live}），仍使用上次通过的模型",
                      "en": "⚠️ the model trained by {by} at {ts} was refused (accuracy {accuracy:.3f}, live {live}); "
                            "the last accepted model keeps answering"},
    "model_none": {"zh": "尚无经过检查的训练记录", "en": "no guarded training noted yet"},
    # ---- the review desk (review, /review)
    "review_empty": {"zh": "待审核队列是空的。", "en": "The review queue is empty."},
    "review_keys": {"zh": "a=归入意图  l=关联条目  w=撰写答案  i=忽略  s=跳过  q=退出",
                    "en": "a=assign to intent  l=link to entry  w=write answer  i=ignore  s=skip  q=quit"},
    "review_question": {"zh": "问题：{text}", "en": "question: {text}"},
    "review_also": {"zh": "  同类 #{id}：{text}", "en": "  also #{id}: {text}"},
    "review_proposed": {"zh": "建议答案：{text}", "en": "proposed answer: {text}"},
    "review_candidates": {"zh": "候选意图：", "en": "candidates:"},
    "review_similar": {"zh": "相似条目：", "en": "similar entries:"},
    "review_none": {"zh": "  无", "en": "  none"},
    "review_pick_intent": {"zh": "意图（候选编号或意图 id）：", "en": "intent (candidate number or intent id): "},
    "review_pick_entry": {"zh": "条目（相似条目编号或条目 id）：", "en": "entry (similar entry number or entry id): "},
    "review_answer_zh": {"zh": "中文答案（以 #意图id 开头可选择意图）：", "en": "answer (zh; start with #intent_id to choose the intent): "},
    "review_answer_en": {"zh": "英文答案（留空则与中文相同）：", "en": "answer (en; empty: the same as zh): "},
    "review_need_answer": {"zh": "需要答案和意图；没有任何改动", "en": "an answer and an intent are needed; nothing changed"},
    "review_unknown_key": {"zh": "未知按键“{pressed}”", "en": "unknown key '{pressed}'"},
    "review_error": {"zh": "错误：{reason}", "en": "error: {reason}"},
    "review_walked": {"zh": "\n已处理 {closed} 条；仍有 {open} 条待审核", "en": "\nclosed {closed} item(s); {open} still open"},
    "review_open": {"zh": "{items} 条待审核，共 {groups} 组", "en": "{items} open items in {groups} groups"},
    "review_train_hint": {"zh": "已新增 {n} 条训练短语（运行中的机器人会在后台重新训练；也可运行 `python run_bot.py train`）",
                          "en": "{n} training phrase(s) added (a running bot retrains in the background; or run "
                                "`python run_bot.py train`)"},
    "review_version": {"zh": "内容版本 {version}", "en": "content version {version}"},
    "review_assigned": {"zh": "已归入意图 {intent}", "en": "assigned:{intent}"},
    "review_linked": {"zh": "已关联条目 {entry}", "en": "linked:{entry}"},
    "review_answered": {"zh": "已撰写新条目 {entry}", "en": "answered:{entry}"},
    "review_ignored": {"zh": "已忽略", "en": "ignored"},
    "no_candidate": {"zh": "“{intent}”不是待审核项 {id} 的候选意图", "en": "'{intent}' is not a candidate of review item {id}"},
    "no_intent_to_answer": {"zh": "这条待审核项没有候选意图：请以 #意图id 开头写答案",
                            "en": "this item has no candidate intent: start the answer with #intent_id"},
    # ---- the stats report and its chart
    "stats_period": {"zh": "查询统计 {since} 至 {until}（{zone}）", "en": "Queries {since} to {until} ({zone})"},
    "stats_totals": {"zh": "共 {total} 次查询：{questions} 个问题，{smalltalk} 次寒暄",
                     "en": "{total} queries: {questions} questions and {smalltalk} small talk"},
    "stats_outcome": {"zh": "结果", "en": "outcome"},
    "stats_count": {"zh": "次数", "en": "count"},
    "stats_rate": {"zh": "占比", "en": "rate"},
    "stats_rates_note": {"zh": "（占比按问题计算，寒暄不计入）", "en": "(rates are shares of the questions; small talk is not counted in them)"},
    "stats_helpful": {"zh": "有帮助：{ratio:.0%}（👍 {good}，👎 {bad}）", "en": "helpful: {ratio:.0%} ({good} helpful, {bad} not helpful)"},
    "stats_no_feedback": {"zh": "有帮助：本期没有反馈", "en": "helpful: no feedback in this period"},
    "stats_latency": {"zh": "响应时间中位数：{latency}", "en": "median latency: {latency}"},
    "stats_open": {"zh": "待审核：{n} 条", "en": "open review items: {n}"},
    "stats_day": {"zh": "日期", "en": "day"},
    "stats_total": {"zh": "合计", "en": "total"},
    "stats_top_intents": {"zh": "热门意图：", "en": "top intents:"},
    "stats_top_unanswered": {"zh": "未解答的热门问题（待审核）：", "en": "top unanswered questions (open review items):"},
    "stats_nothing": {"zh": "  （无）", "en": "  (none)"},
    "outcome_answer": {"zh": "已回答", "en": "answered"},
    "outcome_clarify": {"zh": "追问确认", "en": "clarified"},
    "outcome_fallback": {"zh": "未能回答", "en": "fallback"},
    "outcome_handoff": {"zh": "转人工", "en": "hand-off"},
    "outcome_smalltalk": {"zh": "寒暄", "en": "small talk"},
    "chart_title": {"zh": "大连人才政策助手　{since} 至 {until}：{totals}", "en": "Talent-policy assistant, {since} to {until}: {totals}"},
    "chart_totals": {"zh": "{total} 次查询", "en": "{total} queries"},
    "chart_totals_answered": {"zh": "{total} 次查询（{questions} 个问题，{answered:.0%} 已回答）",
                              "en": "{total} queries ({questions} questions, {answered:.0%} answered)"},
    "chart_per_day": {"zh": "每日查询量（按结果）", "en": "Queries per day, by outcome"},
    "chart_queries": {"zh": "查询次数", "en": "queries"},
    "chart_intents": {"zh": "热门意图（已回答、转人工、寒暄；前 {top} 名）", "en": "Top intents (answered, hand-off, small talk; top {top})"},
    "chart_no_answers": {"zh": "本期没有已回答的查询", "en": "no answered queries in this period"},
    "chart_feedback": {"zh": "反馈与关键指标", "en": "Feedback and key numbers"},
    "chart_no_feedback": {"zh": "有帮助：暂无反馈", "en": "helpful: no feedback yet"},
    "chart_helpful": {"zh": "有帮助 {ratio:.0%}", "en": "helpful {ratio:.0%}"},
    "chart_ratings": {"zh": "共 {n} 次评价", "en": "of {n} ratings"},
    "chart_up": {"zh": "有用 {n}", "en": "{n} up"},
    "chart_down": {"zh": "没用 {n}", "en": "{n} down"},
    "chart_answered_clarified": {"zh": "已回答 / 追问确认", "en": "answered / clarified"},
    "chart_fallback_handoff": {"zh": "未能回答 / 转人工", "en": "fallback / hand-off"},
    "chart_smalltalk": {"zh": "寒暄（不计入占比）", "en": "small talk (not in rates)"},
    "chart_open": {"zh": "待审核", "en": "open review items"},
    "chart_latency": {"zh": "响应时间中位数", "en": "median latency"},
    # ---- the command line around the knowledge base
    "error": {"zh": "错误：{reason}", "en": "error: {reason}"},
    "reload_backup": {"zh": "{kind}之前的数据库备份：{path}", "en": "backup of the database before the {kind}: {path}"},
    "reloaded": {"zh": "已从 {source} 载入 {sizes}（变更 #{change}）", "en": "loaded {sizes} from {source} (change #{change})"},
    "reload_refused": {"zh": "没有任何改动：{reasons}。确认要{kind}请加 --force（会先备份数据库）",
                       "en": "nothing changed: {reasons}. Add --force to {kind} anyway (the database is backed up first)"},
    "changed": {"zh": "变更 #{id}：{action} {table} “{row}”（{what}），操作人 {who}",
                "en": "change #{id}: {action} {table} '{row}' ({what}) by {who}"},
    "nothing_changed": {"zh": "没有改动", "en": "nothing changed"},
    "edit_kept": {"zh": "您的编辑已保存在 {path}；再次运行 `kb edit {id}` 会从这份草稿继续（加 --fresh 则重新开始）",
                  "en": "your edit is kept in {path}; run `kb edit {id}` again to continue from it (--fresh starts over)"},
    "edit_draft": {"zh": "# 上次被拒绝的编辑（{reason}）：请修改后保存。\n",
                   "en": "# Your earlier edit, rejected ({reason}): fix it and save.\n"},
    "entry_head": {"zh": "{id}  [{status}]  意图：{intent}", "en": "{id}  [{status}]  intent: {intent}"},
    "entry_title": {"zh": "标题（{which}）：{text}", "en": "title ({which}): {text}"},
    "entry_conditions": {"zh": "条件：{text}", "en": "conditions: {text}"},
    "entry_questions": {"zh": "问法：", "en": "questions:"},
    "entry_answer": {"zh": "答案（{which}）：", "en": "answer ({which}):"},
    "entry_sources": {"zh": "来源：", "en": "sources:"},
    "entry_no_sources": {"zh": "来源：无", "en": "sources: none"},
    "entry_sources_shown": {"zh": "来源（* 随答案显示）：", "en": "sources (* shown with the answer):"},
    "entry_facts": {"zh": "事实：{text}", "en": "facts: {text}"},
    "entry_window": {"zh": "申报期：{text}", "en": "window: {text}"},
    "entry_contact": {"zh": "咨询：{contact}", "en": "contact: {contact}"},
    "entry_followups": {"zh": "相关主题：{text}", "en": "follow-ups: {text}"},
    "entry_dates": {"zh": "生效：{effective}   复核：{reviewed}", "en": "effective: {effective}   reviewed: {reviewed}"},
    "never": {"zh": "从未", "en": "never"},
    "no_date": {"zh": "无日期", "en": "no date"},
    "none": {"zh": "无", "en": "none"},
    "entries_count": {"zh": "共 {n} 个条目", "en": "{n} entries"},
    "no_changes": {"zh": "没有变更记录", "en": "no changes"},
    "reverts": {"zh": "  撤销 #{id}", "en": "  reverts #{id}"},
    "stale_days": {"zh": "{n} 天", "en": "{n} days"},
    "stale_summary": {"zh": "{n} 个条目超过 {days} 天未复核（标记为已复核：python run_bot.py kb edit ID --reviewed today）",
                      "en": "{n} entries not reviewed for more than {days} days "
                            "(mark one: python run_bot.py kb edit ID --reviewed today)"},
    "problem": {"zh": "问题：{text}", "en": "problem: {text}"},
    "problems": {"zh": "{what}：{n} 个问题", "en": "{what}: {n} problems"},
    "no_problems": {"zh": "{what}：没有问题", "en": "{what}: no problems"},
    "edit_unchanged": {"zh": "没有编辑：没有改动", "en": "no edit: nothing changed"},
    # ---- validation, the registers, the catalogue, notices
    "sources_summary": {"zh": "共 {n} 个来源（{unused} 个没有有效条目引用）；第一列是依赖该来源的有效条目数",
                        "en": "{n} sources ({unused} cited by no active entry); "
                              "the first column is the number of active entries that depend on each"},
    "fact_unused": {"zh": "  未引用：{reason}", "en": "  unused: {reason}"},
    "no_reason": {"zh": "未说明原因", "en": "NO REASON GIVEN"},
    "facts_summary": {"zh": "共 {n} 条事实；{unused} 条没有有效条目或咨询单位引用，其中 {missing} 条未说明原因"
                            "（facts.yaml 的 unused_reason）",
                      "en": "{n} facts; {unused} cited by no active entry or contact, {missing} of them without a "
                            "reason (facts.yaml, unused_reason)"},
    "occupations": {"zh": "共 {n} 个职业", "en": "{n} occupations"},
    "catalogue_empty": {"zh": "目录为空：请用 python run_bot.py kb catalogue import FILE.csv 导入公布的目录",
                        "en": "the catalogue is empty: import the published list with "
                              "python run_bot.py kb catalogue import FILE.csv"},
    "notice_drafts": {"zh": "共 {n} 条草稿（发送一条：python run_bot.py notices confirm ID）",
                      "en": "{n} drafts (send one: python run_bot.py notices confirm ID)"},
    "notice_id_needed": {"zh": "请给出通知编号：python run_bot.py notices {action} ID",
                         "en": "give the notice's number: python run_bot.py notices {action} ID"},
    "notice_discarded": {"zh": "通知 #{id} 已放弃，没有发送任何消息", "en": "notice #{id} discarded; nothing was sent"},
    "notice_confirmed": {"zh": "通知 #{id} 已确认，将发给 {n} 位关注者；由 Telegram 机器人限速发送",
                         "en": "notice #{id} confirmed for {n} followers; the Telegram bot sends it, paced"},
}


def say(key: str, lang: str, **values: object) -> str:
    return phrase(TEXTS, key, lang, **values)


def staff_lang(language_code: str | None, default: str = "zh") -> str:
    """A staff member's language: Chinese or English as their Telegram client says, else ``default``."""
    code = (language_code or "").lower()
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return default
