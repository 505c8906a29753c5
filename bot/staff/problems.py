"""Validation errors for staff in Chinese: where (file, row, line, field) and what, in words.

The knowledge package names every problem in English (tests and logs read that);
here the command line renders the same problem in the staff's language, the
English original after it for searching and for developers.
"""

from __future__ import annotations

import re

from knowledge import ValidationError

MESSAGES: tuple[tuple[str, str], ...] = (
    (r"missing or empty", "缺失或为空"),
    (r"must be text", "必须是文本"),
    (r"is a number too long to be text", "是一个过长的数字，不能作为文本"),
    (r"longer than (\d+) characters", r"超过 \1 个字符"),
    (r"must have 'zh' and 'en' texts", "必须有 zh 和 en 两种文字"),
    (r"must be a list of texts", "必须是文本列表"),
    (r"must be a list of items", "必须是条目的列表"),
    (r"must be a list", "必须是列表"),
    (r"must be a mapping of fields", "必须是“字段: 值”的映射"),
    (r"must be a mapping such as \{degree: phd\}", "必须是映射，例如 {degree: phd}"),
    (r"must be a mapping with fact, title, url, date", "必须是包含 fact、title、url、date 的映射"),
    (r"must be a JSON object", "必须是 JSON 对象"),
    (r"must hold one entry \(a mapping of fields\)", "必须只包含一个条目（字段映射）"),
    (r"must have 'intent' and a list 'examples'", "必须有 intent 和 examples 列表"),
    (r"is not valid YAML: (.*)", r"不是有效的 YAML：\1"),
    (r"is not valid JSON: (.*)", r"不是有效的 JSON：\1"),
    (r"is not UTF-8 text.*", "不是 UTF-8 文本（请另存为 UTF-8）"),
    (r"cannot be read: nested too deeply", "无法读取：嵌套层数太多"),
    (r"cannot be read: (.*)", r"无法读取：\1"),
    (r"is not a directory", "不是目录"),
    (r"missing date \(YYYY-MM-DD\)", "缺少日期（YYYY-MM-DD）"),
    (r"'(.*)' is not a date of the form YYYY-MM-DD", r"“\1”不是 YYYY-MM-DD 格式的日期"),
    (r"'(.*)' is not a valid id.*", r"“\1”不是有效的 id（小写字母、数字和 - _ .，最多 80 个字符）"),
    (r"'(.*)' is not one of (.*)", r"“\1”不在 \2 之中"),
    (r"must be 'active' or 'retired'", "必须是 active 或 retired"),
    (r"must be 'policy' or 'conversation'", "必须是 policy 或 conversation"),
    (r"must be one of (.*)", r"必须是 \1 之一"),
    (r"must be one word \(or true/false for foreign\)", "必须是一个词（foreign 为 true/false）"),
    (r"unknown condition \(known: (.*)\)", r"未知的条件（可用：\1）"),
    (r"unknown intent '(.*)'", r"未知的意图“\1”"),
    (r"unknown contact '(.*)'", r"未知的联系方式“\1”"),
    (r"unknown field", "未知的字段"),
    (r"'(.*)' appears twice for (.*)", r"“\1”在 \2 下出现了两次"),
    (r"'(.*)' appears twice", r"“\1”出现了两次"),
    (r"cannot be changed.*", "不能修改（请新增条目并停用这一条）"),
    (r"entry '(.*)' already exists.*", r"条目“\1”已存在（请改用 kb edit）"),
    (r"contact '(.*)' already exists", r"联系方式“\1”已存在"),
    (r"no entry cites fact '(.*?)'.*", r"没有条目引用事实“\1”：请引用已有的事实，或用 kb add --from-file 写出完整来源"),
    (r"has no file for (.*?): .*", r"缺少 \1 的文件：要载入的目录必须包含每一张表（空表写空列表 []），"
                                   r"可用 `kb export DIR` 导出一份"),
    (r"has a value of the wrong form \((.*)\)", r"有一个形式不对的值（\1）"),
)


def in_words(message: str) -> str:
    """The English message of a validation error in Chinese (the English itself when no rule knows it)."""
    for pattern, chinese in MESSAGES:
        if re.fullmatch(pattern, message, re.DOTALL):
            return re.sub(pattern, chinese, message, count=1, flags=re.DOTALL)
    return message


def problem_text(problem: ValidationError, lang: str) -> str:
    """One problem for people: where and what; in Chinese with the English original after it."""
    if lang == "en":
        return str(problem)
    where = problem.file
    if problem.row is not None:
        where += f" 第 {problem.row} 条"
    if problem.line is not None:
        where += f"（第 {problem.line} 行）"
    if problem.field:
        where += f"，字段“{problem.field}”"
    return f"{where}：{in_words(problem.message)}  [{problem}]"
