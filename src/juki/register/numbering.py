"""Internal numbers (宛名番号・世帯番号): allocated from a sequence table, never reused.

:func:`allocate` locks the series' row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
IMMEDIATE transaction already holds the write lock), advances it and returns the block of new
numbers. A rolled-back transaction rolls the sequence back with the rows that used its
numbers, so no number ever reaches a committed row twice. Numbers are not reused after a
person or household is purged: the sequence only moves forward.
"""

from __future__ import annotations

from django.db import transaction

from juki.core.errors import ValidationFailed

from .models import NumberSequence

ADDRESSEE = "addressee"  # 宛名番号
HOUSEHOLD = "household"  # 世帯番号


def allocate(series: str, count: int = 1) -> range:
    """Reserve ``count`` consecutive new numbers of ``series`` and return them."""
    if count < 1:
        raise ValidationFailed("NUMBERING_COUNT", "採番する件数は1以上で指定してください。")
    with transaction.atomic():
        seq, _ = NumberSequence.objects.select_for_update().get_or_create(name=series)
        first = seq.last_value + 1
        seq.last_value += count
        seq.save(update_fields=["last_value"])
    return range(first, first + count)
