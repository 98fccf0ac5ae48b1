"""No My Number in clear anywhere (docs/privacy-controls.md, control 4.15).

A whole session of ordinary work on a small synthetic city, through the HTTP layer as several
personas — search, person pages and history, a birth, a 個人番号の変更 (new numbers), a 転入
with a My Number typed in from the 転出証明書, one reveal by the My Number officer, the
residents API, a bulk export and a disclosure document — then every response body, every log
record, stdout/stderr and a dump of every table and column are searched for every My Number the
city holds (all versions) in every usual spelling. The only place a number may appear is the
officer's reveal page.

Source: DESIGN §6 (My Numbers encrypted at rest, masked on screen, revealed only by the My
Number officer for a purpose); 番号法12条 (安全管理措置) and the 特定個人情報保護評価 digest §5
(risk measures: 漏えい防止, アクセス記録).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from tests.conftest import logged_in
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.core.actor import Actor
from juki.exports import crypto
from juki.identifiers import my_number as my_number_id
from juki.identifiers import resident_code as resident_code_id
from juki.register.models import Change, ChangeState, ResidentRecord
from juki.register.my_numbers import reveal
from juki.security.actions import do_create_api_client
from juki.security.roles import Function, Role

pytestmark = pytest.mark.django_db

CITY_NUMBERS = ["123456789018", "234567890121", "345678901234", "456789012346", "987654321018"]


def valid_my_number(first11: str) -> str:
    return first11 + my_number_id.check_digit(first11)


TYPED_IN = valid_my_number("86420975311")  # from the 転出証明書, typed in by the clerk


def spellings(number: str) -> set[str]:
    """How a My Number may be written: plain, 4-4-4 with hyphens or spaces, full-width digits."""
    a, b, c = number[:4], number[4:8], number[8:]
    forms = {number, f"{a}-{b}-{c}", f"{a} {b} {c}", f"{a}\u3000{b}\u3000{c}", f"{a}－{b}－{c}"}
    wide = str.maketrans("0123456789", "０１２３４５６７８９")
    forms |= {f.translate(wide) for f in list(forms)}
    return forms


class Session:
    """Every HTTP answer of the session, tagged with what was asked."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, str]] = []

    def keep(self, what: str, response: Any) -> Any:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        self.bodies.append((what, content.decode("utf-8", "replace") + "\n" + content.decode("latin-1")))
        headers = "\n".join(f"{k}: {v}" for k, v in response.items())
        self.bodies.append((f"{what} [headers]", headers))
        return response

    def get(self, client: Client, url: str, data: Any = None, **extra: Any) -> Any:
        return self.keep(f"GET {url}", client.get(url, data, **extra))

    def post(self, client: Client, url: str, data: Any = None, **extra: Any) -> Any:
        return self.keep(f"POST {url}", client.post(url, data or {}, **extra))


def dump_database() -> list[tuple[str, str]]:
    """Every table, every column, every row as text (bytes as latin-1 and as hex)."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                parts = []
                for value in row:
                    if isinstance(value, memoryview):
                        value = bytes(value)
                    if isinstance(value, bytes | bytearray):
                        parts += [bytes(value).decode("latin-1"), bytes(value).hex()]
                    elif isinstance(value, dict | list):
                        parts.append(json.dumps(value, ensure_ascii=False))
                    else:
                        parts.append(str(value))
                out.append((table, "\x1f".join(parts)))
    return out


def known_numbers() -> set[str]:
    """Every My Number the city holds or held (all versions), decrypted."""
    return {reveal(bytes(r.my_number_enc), r.person_id)
            for r in ResidentRecord.objects.exclude(my_number_enc=None) if r.my_number_enc}


def leaks(haystack: list[tuple[str, str]], numbers: set[str]) -> list[tuple[str, str]]:
    found = []
    for where, text in haystack:
        for n in numbers:
            for form in spellings(n):
                if form in text:
                    i = text.index(form)
                    found.append((where, text[max(0, i - 80): i + 40]))
    return found


def test_a_full_session_leaves_no_my_number_in_clear_anywhere(make_staff, terminal, caplog, capfd, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    caplog.set_level(logging.DEBUG)
    today = clock.today()

    city = small_city()
    family = add_household(city, [{"my_number": CITY_NUMBERS[0], "resident_code": "12345678903"},
                                  {"my_number": CITY_NUMBERS[1], "given_name": "花子", "given_name_kana": "ハナコ",
                                   "sex": 2, "relationship": "wife"}])
    add_household(city, [{"family_name": "山田", "family_name_kana": "ヤマダ", "my_number": CITY_NUMBERS[2]}],
                  block=0, banchi="2番3号")
    (changer,) = add_household(city, [{"family_name": "番号", "family_name_kana": "バンゴウ",
                                       "my_number": CITY_NUMBERS[3],
                                       "resident_code": resident_code_id_value("2345678901")}], block=1)
    add_household(city, [{"family_name": "別町", "family_name_kana": "ベツマチ", "my_number": CITY_NUMBERS[4]}],
                  block=2)
    head, wife = family

    clerk = make_staff("clerk01", Role.CLERK, name="窓口 花子")
    approver = make_staff("approver01", Role.APPROVER, name="確認 太郎")
    officer = make_staff("mno01", Role.CLERK, Role.MY_NUMBER_OFFICER, name="番号 担当")
    manager = make_staff("manager01", Role.MANAGER, name="管理責任 八郎")
    c, a, o, m = (logged_in(Client(), s, terminal) for s in (clerk, approver, officer, manager))
    s = Session()

    # --- search, person pages, history, household --------------------------------------------------
    assert s.get(c, "/register/search/", {"name": "シケン", "birth": "昭和55年5月1日"}).status_code == 200
    s.get(c, "/register/search/", {"name": "試験", "birth": "1980-05-01"})
    s.get(c, "/register/search/", {"resident_code": "12345678903"})
    for rec in (head, wife, changer):
        s.get(c, f"/register/persons/{rec.person_id}/")
        s.get(a, f"/register/persons/{rec.person_id}/", {"as_of": (today - dt.timedelta(days=1)).isoformat()})
    s.get(c, f"/register/households/{head.household_id}/")

    # --- a birth and a 個人番号の変更, entered by the clerk and confirmed by the approver --------------
    birth = s.post(c, "/register/changes/new/birth/", {
        "effective_on": (today - dt.timedelta(days=3)).isoformat(), "notified_on": today.isoformat(),
        "household": "join", "household_no": str(head.household_id), "relationship": "child",
        "resident_kind": "japanese", "family_name": "試験", "given_name": "次郎", "family_name_kana": "シケン",
        "given_name_kana": "ジロウ", "sex": "1", "domicile": "秋田県秋田市山王一丁目1番", "domicile_head": "試験 太郎1",
    })
    assert birth.status_code == 302, birth.content.decode()[:3000]
    change = s.post(c, "/register/changes/new/my_number_change/", {
        "effective_on": today.isoformat(), "notified_on": today.isoformat(),
        "person": str(changer.person_id), "basis": "request", "leak_reason": "個人番号カードの紛失による不正利用のおそれ",
    })
    assert change.status_code == 302, change.content.decode()[:3000]

    # --- a 転入 with a My Number typed in (first refused for a wrong 地方公共団体コード: the form comes back)
    move_in = {
        "effective_on": (today - dt.timedelta(days=2)).isoformat(), "notified_on": today.isoformat(),
        "town_block": city.blocks[2].code, "banchi": "3番4号", "household": "new",
        "previous_address": "東京都千代田区千代田1番1号", "previous_lg_code": "131016",
        "planned_move_out_on": (today - dt.timedelta(days=5)).isoformat(), "_rows.persons": "1",
        "persons.0.family_name": "転入", "persons.0.given_name": "一子", "persons.0.family_name_kana": "テンニュウ",
        "persons.0.given_name_kana": "イチコ", "persons.0.birth_year": "1990", "persons.0.birth_month": "7",
        "persons.0.birth_day": "15", "persons.0.sex": "2", "persons.0.relationship": "householder",
        "persons.0.resident_code": resident_code_id_value("3456789012"), "persons.0.my_number": TYPED_IN,
        "persons.0.resident_kind": "japanese", "persons.0.furigana_certification": "none",
    }
    refused = s.post(c, "/register/changes/new/move_in/", {**move_in, "previous_lg_code": "052019"})
    assert refused.status_code == 400
    entered = s.post(c, "/register/changes/new/move_in/", move_in)
    assert entered.status_code == 302, entered.content.decode()[:3000]

    s.get(c, "/register/changes/mine/")
    for ch in Change.objects.all():
        s.get(c, f"/register/changes/mine/{ch.pk}/")
    s.get(a, "/register/changes/pending/")
    for ch in Change.objects.order_by("pk"):
        s.get(a, f"/register/changes/{ch.pk}/")
        s.post(a, f"/register/changes/{ch.pk}/confirm/", {"comment": "確認済み"})
    assert set(Change.objects.values_list("state", flat=True)) == {ChangeState.CONFIRMED}
    for ch in Change.objects.all():
        s.get(a, f"/register/changes/{ch.pk}/")
    newcomer = ResidentRecord.objects.get(is_current=True, family_name="転入")
    baby = ResidentRecord.objects.get(is_current=True, given_name="次郎")
    for rec in (changer, newcomer, baby):
        s.get(c, f"/register/persons/{rec.person_id}/")
        s.get(o, f"/register/persons/{rec.person_id}/")

    # --- the officer reveals one number, for a purpose ------------------------------------------------
    purpose = settings.JUKI_MY_NUMBER_PURPOSES[0]
    revealed = s.post(o, f"/register/persons/{changer.person_id}/my-number/", {"purpose": purpose})
    assert revealed.status_code == 200
    s.post(o, f"/register/persons/{changer.person_id}/my-number/", {"purpose": ""})
    s.post(c, f"/register/persons/{changer.person_id}/my-number/", {"purpose": purpose})

    # --- the residents API, as another system ----------------------------------------------------------
    created = do_create_api_client("tax-system", "税務システム", ["127.0.0.1/32"],
                                   [Function.RESIDENT_SEARCH.value, Function.RESIDENT_VIEW.value],
                                   actor=Actor.cli())
    api = {"HTTP_AUTHORIZATION": f"Bearer {created.token}", "REMOTE_ADDR": "127.0.0.1"}
    assert s.get(Client(), "/api/v1/residents", {"name": "シケン", "birth": "1980-05"}, **api).status_code == 200
    for rec in (head, changer, newcomer, baby):
        assert s.get(Client(), f"/api/v1/residents/{rec.person_id}", **api).status_code == 200

    # --- a bulk export: requested, approved, produced, downloaded (and decrypted) ----------------------
    assert s.post(c, "/exports/", {"scope": "residents_by_town_block", "purpose": "転入者への案内送付",
                                   "town_blocks": [str(b.pk) for b in city.blocks]}).status_code == 302
    from juki.exports.models import ExportRequest

    req = ExportRequest.objects.latest("pk")
    s.get(m, "/exports/pending/")
    s.post(m, f"/exports/{req.pk}/approve/", {"comment": "妥当"})
    produced = s.post(c, f"/exports/{req.pk}/produce/")
    key = re.search(r'id="export-key">([^<]+)<', produced.content.decode()).group(1)
    download = s.get(c, f"/exports/{req.pk}/download/")
    s.bodies.append(("export file (decrypted)", crypto.open_file(download.content, crypto.key_from_text(key))
                     .decode("utf-8-sig")))
    s.get(c, "/exports/")

    # --- a disclosure request and its document -------------------------------------------------------
    from juki.disclosure.models import DisclosureRequest

    s.post(c, "/disclosure/", {"addressee_no": str(changer.person_id), "kind": "disclosure",
                               "received_on": today.isoformat(), "requester": "self",
                               "identity_document": "my_number_card"})
    dreq = DisclosureRequest.objects.get()
    s.post(c, f"/disclosure/{dreq.pk}/start/")
    doc = s.get(c, f"/disclosure/{dreq.pk}/document/")
    assert doc.status_code == 200
    s.get(c, f"/disclosure/{dreq.pk}/")

    # --- what the city holds now, and where it may appear ---------------------------------------------
    numbers = known_numbers() | {TYPED_IN}
    assert set(CITY_NUMBERS) | {TYPED_IN} <= numbers
    new_for_changer = reveal(bytes(ResidentRecord.objects.get(person_id=changer.person_id, is_current=True)
                                   .my_number_enc), changer.person_id)
    assert new_for_changer != CITY_NUMBERS[3]  # the change made a new number
    assert len(numbers) >= len(CITY_NUMBERS) + 3  # + typed in, + the baby's, + the changed one

    (reveal_body,) = [b for w, b in s.bodies if w == f"POST /register/persons/{changer.person_id}/my-number/"][:1]
    assert new_for_changer in reveal_body  # the one place a number is shown
    elsewhere = [(w, b) for w, b in s.bodies if b is not reveal_body]

    out, err = capfd.readouterr()
    logs = [(f"log {r.name}", f"{r.getMessage()} {r.args!r} {getattr(r, '__dict__', {})!r}")
            for r in caplog.records]
    haystack = elsewhere + logs + [("stdout", out), ("stderr", err)] + dump_database()
    assert len(haystack) > 100  # the session really ran
    found = leaks(haystack, numbers)
    assert found == [], found[:10]


def resident_code_id_value(first10: str) -> str:
    return first10 + resident_code_id.check_digit(first10)
