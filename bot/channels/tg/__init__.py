"""The Telegram channel: the only package that imports ``telegram``.

``app.build_application`` is the composition root; the handler modules only
translate Updates into Assistant calls and Replies into Bot API calls.
"""
