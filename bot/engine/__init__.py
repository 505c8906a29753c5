"""The channel-free engine: text and session in, Reply out (assistant, dialogue, retrieval, composition)."""
