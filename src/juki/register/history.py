"""History and the record as of a past date (住民票の履歴・基準日時点の記載).

Every confirmed change writes a new immutable version (:class:`~.models.ResidentRecord`) with
three times (DESIGN §5): ``notified_on`` (届出日, empty for ex officio changes), ``valid_from``
(異動日, when the change took effect) and ``recorded_at`` (処理日時, when it was written). Two
questions are answered from them:

- *as of* a date D (:func:`record_as_of`): the version in force on D as the register now
  stands — the version with the latest ``valid_from`` on or before D, ties broken by the
  higher ``version``. A correction (職権修正) or restoration (回復) given the 異動日 of the
  version it corrects therefore wins over it for the whole of that version's validity;
- *as known* at a moment T (:func:`known_as_of`): the same, among the versions recorded by T.
  What the register said on a past day — before a later correction or a late notification
  was recorded — is reproducible, however the record has changed since.

These are plain reads: they neither check roles nor write audit events. Screens and the API
that show history go through their access functions, which do both.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import RecordStatus, ResidentRecord


def _versions(person_id: int, on: dt.date, at: dt.datetime | None) -> QuerySet[ResidentRecord]:
    qs = ResidentRecord.objects.filter(person_id=person_id, valid_from__lte=on)
    if at is not None:
        qs = qs.filter(recorded_at__lte=_aware(at))
    return qs.order_by("-valid_from", "-version")


def _aware(at: dt.datetime) -> dt.datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("known_as_of needs an aware datetime (タイムゾーン付きの日時)")
    return at


def record_as_of(person_id: int, on: dt.date) -> ResidentRecord | None:
    """The version of the person's record in force on ``on``; None if not yet registered then.

    A removed record (除票) is returned as such: check ``status`` to know whether the person
    was a resident on that day.
    """
    return _versions(person_id, on, None).first()


def known_as_of(person_id: int, on: dt.date, *, at: dt.datetime) -> ResidentRecord | None:
    """The version in force on ``on`` as the register recorded it by the moment ``at``.

    Versions recorded after ``at`` — corrections, restorations, late notifications — are left
    out, so this is what a certificate issued at ``at`` for the date ``on`` showed.
    """
    return _versions(person_id, on, at).first()


def household_as_of(household_no: int, on: dt.date, *, at: dt.datetime | None = None) -> list[ResidentRecord]:
    """The members of a household on ``on`` (their versions in force that day), in listing order.

    A person counts as a member if their version in force on ``on`` is a resident one in this
    household. With ``at``, only versions recorded by then are considered.
    """
    candidates = (ResidentRecord.objects.filter(household_id=household_no, valid_from__lte=on)
                  .values_list("person_id", flat=True).distinct())
    qs = ResidentRecord.objects.filter(person_id__in=list(candidates), valid_from__lte=on)
    if at is not None:
        qs = qs.filter(recorded_at__lte=_aware(at))
    in_force: dict[int, ResidentRecord] = {}
    for rec in qs.order_by("person_id", "-valid_from", "-version"):
        in_force.setdefault(rec.person_id, rec)
    members = [r for r in in_force.values()
               if r.household_id == household_no and r.status == RecordStatus.RESIDENT]
    return sorted(members, key=lambda r: (r.listing_order, r.person_id))


def history(person_id: int) -> list[ResidentRecord]:
    """Every version of the person's record, oldest first, each with its three dates
    (``notified_on``, ``valid_from``, ``recorded_at``) and ``superseded_at``."""
    return list(ResidentRecord.objects.filter(person_id=person_id).order_by("version"))


# --- set-based, for the statistics (juki.stats) -------------------------------------------------


def in_force_on(on: dt.date) -> QuerySet[ResidentRecord]:
    """The versions in force on ``on`` (one per person registered by then), all statuses.

    ``valid_to`` (効力の終わり, kept by the database: :mod:`juki.register.validity`) is the
    ``valid_from`` of the next version in the order (valid_from, version), so the version in
    force is the one whose interval [valid_from, valid_to) contains the day.
    """
    return ResidentRecord.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on), valid_from__lte=on,
    ).order_by()


def movement_versions(start: dt.date, end: dt.date) -> QuerySet[ResidentRecord]:
    """Versions with 異動日 in [start, end] that are not undone by a later same-day version of
    the other status (転出取消, 回復)."""
    undone = ResidentRecord.objects.filter(
        person_id=OuterRef("person_id"), valid_from=OuterRef("valid_from"), version__gt=OuterRef("version"),
    ).exclude(status=OuterRef("status")).order_by()
    return ResidentRecord.objects.filter(valid_from__gte=start, valid_from__lte=end).filter(~Exists(undone)).order_by()
