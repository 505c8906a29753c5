"""Who the bot listens to: everything in private chats; in groups only commands,
mentions of the bot and replies to the bot's own messages."""

from __future__ import annotations

from telegram import Message, MessageEntity
from telegram.ext import filters


class _MentionsBot(filters.MessageFilter):
    """The message @-mentions this bot (the bot's username is known after start-up)."""

    def filter(self, message: Message) -> bool:
        username = message.get_bot().username.lower()
        for text in message.parse_entities([MessageEntity.MENTION]).values():
            if text.lstrip("@").lower() == username:
                return True
        return False


class _RepliesToBot(filters.MessageFilter):
    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == message.get_bot().id)


MENTIONS_BOT = _MentionsBot(name="MENTIONS_BOT")
REPLIES_TO_BOT = _RepliesToBot(name="REPLIES_TO_BOT")
ADDRESSED = filters.ChatType.PRIVATE | (filters.ChatType.GROUPS & (filters.COMMAND | MENTIONS_BOT | REPLIES_TO_BOT))
MEDIA = (filters.Sticker.ALL | filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE
         | filters.Document.ALL | filters.ANIMATION | filters.LOCATION | filters.CONTACT)


def without_mention(text: str, username: str) -> str:
    """The text with the bot's @username taken out (a group message addressed to it)."""
    return text.replace(f"@{username}", " ").strip() if username else text
