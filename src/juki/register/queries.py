"""Named queries over resident records (住民票の検索・抽出) for the apps above the register.

Apps outside the register never write ``ResidentRecord.objects``: they ask here (or go through
:mod:`juki.register.access` for a staff member's audited look at a resident, or
:mod:`juki.register.search` / :mod:`juki.register.history`), so every way into the register
is named and the register can change its storage without them (``tests/test_layers.py``).
None of these functions audits: the caller's action or page event does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import RecordStatus, Relationship, ResidentRecord
from .names import kana_search_key, kanji_search_key


def current_versions() -> QuerySet[ResidentRecord]:
    """The current version of every person's record, whatever its status (在住・除票)."""
    return ResidentRecord.objects.filter(is_current=True)


def current_residents() -> QuerySet[ResidentRecord]:
    """Current versions of persons who live here now (status 在住)."""
    return ResidentRecord.objects.filter(is_current=True, status=RecordStatus.RESIDENT)


def current_records(person_ids: Iterable[int]) -> QuerySet[ResidentRecord]:
    """The current version of each given person's record (persons not found are left out)."""
    return ResidentRecord.objects.filter(person_id__in=list(person_ids), is_current=True)


def current_record(person_id: int) -> ResidentRecord | None:
    """The current version of one person's record, or None."""
    return ResidentRecord.objects.filter(person_id=person_id, is_current=True).first()


def versions(person_id: int) -> QuerySet[ResidentRecord]:
    """Every version of one person's record, oldest first, with its town block."""
    return ResidentRecord.objects.filter(person_id=person_id).select_related("town_block").order_by("version")


def versions_of(person_ids: Iterable[int]) -> QuerySet[ResidentRecord]:
    """Every version of the given persons' records (unordered)."""
    return ResidentRecord.objects.filter(person_id__in=list(person_ids))


def householders(household_no: int) -> QuerySet[ResidentRecord]:
    """Current versions of the 世帯主 of a household (one while it exists; removed heads too)."""
    return ResidentRecord.objects.filter(is_current=True, household_id=household_no,
                                         relationship=Relationship.HOUSEHOLDER)


def current_by_name(kind: str, name: str) -> QuerySet[ResidentRecord]:
    """Current versions whose name matches ``name`` as typed: ``kind`` "kanji" (氏名, by search
    key), "kana" (フリガナ, by search key) or otherwise the alphabet name (case and spacing
    ignored); a matching 通称 (alias) counts in every kind."""
    if kind == "kanji":
        cond = Q(name_key=kanji_search_key(name))
    elif kind == "kana":
        cond = Q(name_kana_key=kana_search_key(name))
    else:
        cond = Q(alphabet_name__iexact=re.sub(r"\s+", " ", name))
    cond |= Q(alias_name=name)
    return ResidentRecord.objects.filter(cond, is_current=True)


def all_versions() -> QuerySet[ResidentRecord]:
    """Every version of every record (履歴を含む全件)."""
    return ResidentRecord.objects.all()


def versions_around(person_ids: Iterable[int], household_ids: Iterable[int], block_ids: Iterable[int], *,
                    until: dt.date) -> QuerySet[ResidentRecord]:
    """Versions in effect from ``until`` or earlier of the given persons, or of anyone in the
    given households or town blocks (unordered)."""
    return ResidentRecord.objects.filter(
        Q(person_id__in=list(person_ids)) | Q(household_id__in=list(household_ids))
        | Q(town_block_id__in=list(block_ids)), valid_from__lte=until)
