"""Conversation: the channel-free Assistant, replies, and the channels that carry them."""
