"""The couple's database: models, migrations and the small functions that read and write it.

Shared by the action server (which owns the flows) and the bot (which owns the inbox and
fires durable timers). Callers own the transaction: `with transaction() as session: ...`.
"""
