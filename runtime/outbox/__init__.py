"""Sending: the channel each issued document goes by, and the outbox an adapter delivers from (docs/sending.md)."""
