"""The change-kind toolkit (異動処理の共通部品): the helpers the kinds share.

Kinds (:mod:`..kinds`) import helpers from here and from :mod:`..base` (the handler interface,
plans, the context and the date rules), never from another kind module. Plain functions, no
writes:

- :mod:`.households` — the one-世帯主 rule, relationships as entered, the new address's town
  block, joining an existing household (:func:`.households.household_stages`);
- :mod:`.domicile` — whether the 本籍 is in another municipality (附票記載事項通知);
- :mod:`.events` — the outbox events of a plan (本人確認情報・庁内連携・附票・送付先情報);
- :mod:`.persons` — the person changed: guards by resident kind, item formats, when numbers
  are drawn.
"""
