"""The channels that carry the engine to people: console, JSON lines, Telegram (``tg``)."""
