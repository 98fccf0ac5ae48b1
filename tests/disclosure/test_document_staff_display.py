"""What the disclosure document (開示文書) shows of staff, on screen and in the PDF, under each
staff-display policy (settings.JUKI_DISCLOSURE_STAFF_POLICY; docs/privacy-disclosure.md).

The document's header says how staff are shown (「役割と所属（氏名・職員IDは表示しません）」 or
「職員IDと役割」); every place that names a staff member — the current record's 処理職員, the
history, the changes, the requests, the access record — must keep that promise. A staff ID in
the current record (the record item 更新職員ID) once slipped through under the default policy,
and a multi-line ``{# #}`` template comment (Django's ``{# #}`` is single-line only) was printed
as text at the top of the document.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from tests.register.factories import add_household

from juki.core import clock
from juki.core.actor import Actor
from juki.disclosure import actions
from juki.disclosure.document import build_document
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.requesters import Requester
from juki.security.models import Staff

from .test_document_pdf import pdf_text

pytestmark = pytest.mark.django_db

STAFF_IDS = ("clerk01", "approver01")
STAFF_NAMES = ("窓口花子", "確認太郎")


class _Text(HTMLParser):
    """The visible text of the document's <article> (whitespace dropped, as pdf_text does)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article" or self.depth:
            self.depth += tag != "br"

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag != "br":
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)


def screen_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", "", "".join(parser.parts))


@pytest.fixture
def request_for_document(city, clerk, approver):
    """A resident moved within the city by the clerk (入力) and the approver (確定, so the current
    version's 更新職員ID is approver01), then a disclosure request received and started."""
    Staff.objects.filter(pk=clerk.pk).update(office="市民課")
    Staff.objects.filter(pk=approver.pk).update(office="市民課審査係")
    (rec,) = add_household(city, [{"family_name": "開示", "given_name": "表示", "family_name_kana": "カイジ",
                                   "given_name_kana": "ヒョウジ"}])
    change = do_enter_change("move_within", {"persons": [rec.person_id], "town_block": city.blocks[1].code,
                                             "banchi": "2番2号"},
                             effective_on=clock.today() - dt.timedelta(days=1), notified_on=clock.today(),
                             actor=Actor(clerk, "T-COUNTER-01"))
    do_confirm_change(change.pk, actor=Actor(approver, "T-COUNTER-01"))
    req = actions.do_receive_disclosure_request(rec.person_id, kind="disclosure", received_on=clock.today(),
                                                requester=Requester(identity_document="passport"), actor=Actor(clerk, "T-COUNTER-01"))
    actions.do_start_disclosure_request(req.pk, actor=Actor(clerk, "T-COUNTER-01"))
    return req


def _rendered(as_staff, clerk, req) -> dict[str, str]:
    client = as_staff(clerk)
    html = client.get(f"/disclosure/{req.pk}/document/").content.decode()
    assert "{#" not in html and "#}" not in html
    return {"screen": screen_text(html), "pdf": pdf_text(client.get(f"/disclosure/{req.pk}/document.pdf").content)}


def _current_staff_row(req) -> dict[str, str]:
    doc = build_document(req)
    (row,) = [r for g in doc.current_groups for r in g["rows"] if r["name"] == "recorded_by"]
    return row


@pytest.mark.parametrize("policy, header, current_staff, labels", [
    ("role_and_office", "職員の表示役割と所属（氏名・職員IDは表示しません）", "確認者（市民課審査係）",
     {"窓口（市民課）", "確認者（市民課審査係）", "システム（自動処理）"}),
    ("staff_id", "職員の表示職員IDと役割", "職員ID approver01（確認者）",
     {"職員IDclerk01（窓口）", "職員IDapprover01（確認者）", "システム（自動処理）"}),
])
def test_the_document_shows_staff_exactly_as_its_policy_says_on_screen_and_in_the_pdf(
        request_for_document, clerk, as_staff, settings, policy, header, current_staff, labels):
    settings.JUKI_DISCLOSURE_STAFF_POLICY = policy
    req = request_for_document

    row = _current_staff_row(req)
    assert (row["label"], row["text"]) == ("処理職員", current_staff)

    for output, text in _rendered(as_staff, clerk, req).items():
        # No template source leaks into the document.
        assert "Thedisclosuredocument" not in text and "{#" not in text, output
        # The title, on screen the printing hint, then the first item: nothing in between.
        assert re.match(r"保有個人情報開示文書（住民基本台帳）(この画面を印刷するか、[^。]*。)?開示請求番号", text), output
        assert header in text, output
        # The current record's 処理職員 row, as the policy says; never the raw item 更新職員ID.
        assert "処理職員" + current_staff.replace(" ", "") in text, output
        assert "更新職員ID" not in text, output
        for label in labels:
            assert label in text, (output, label)
        # Staff names never; staff IDs only where the policy shows them, and then only as 職員ID.
        for name in STAFF_NAMES:
            assert name not in text, (output, name)
        for staff_id in STAFF_IDS:
            shown = re.findall(rf"(.{{0,4}}){staff_id}", text)
            if policy == "role_and_office":
                assert shown == [], (output, staff_id)
            else:
                assert shown and set(shown) == {"職員ID"}, (output, staff_id, shown)
