"""What every handler can reach: the services in ``bot_data``, typed.

``TalentContext`` is the Application's context type (see PTB's
``contexttypesbot.py``); ``who`` turns an Update into the desk's ``Who``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CallbackContext, ExtBot

from bot.channels.tg.desk import Desk, Who
from bot.channels.tg.flood import FloodGate
from bot.channels.tg.lanes import Lanes
from bot.channels.tg.phrases import lang_of_code
from bot.channels.tg.post import Post
from bot.settings import Settings
from bot.staff.training import Retrainer

if TYPE_CHECKING:
    from bot.channels.tg.outbox import Courier


@dataclass
class Services:
    desk: Desk
    settings: Settings
    flood: FloodGate
    lanes: Lanes = field(default_factory=Lanes)
    retrainer: Retrainer | None = None
    post: Post | None = None
    courier: "Courier | None" = None


class TalentContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def desk(self) -> Desk:
        return self.services.desk


def who(update: Update) -> Who:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    return Who(chat.id, user.id, chat.type == ChatType.PRIVATE)


def client_lang(update: Update) -> str:
    user = update.effective_user
    return lang_of_code(user.language_code if user else None)
