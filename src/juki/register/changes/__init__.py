"""Changes to the register (異動処理): one handler per kind, a shared provisional → confirmed
workflow, history versions and outbox events written in one transaction.

- :mod:`.base` — the handler interface, plans, the context handlers read from, the date rules;
- :mod:`.toolkit` — the helpers the kinds share: households, relationships, domicile, events;
- :mod:`.registry` — kind → handler;
- :mod:`.workflow` — the actions: enter, confirm, reject, cancel;
- :mod:`.kinds` — the handlers, one module per family of kinds.
"""
