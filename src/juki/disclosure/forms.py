"""Forms of the disclosure screens (開示請求等の受付・処理)."""

from __future__ import annotations

from django import forms

from juki.core import clock
from juki.register.requesters import RequesterCapacity

from .models import DISCLOSURE_IDENTITY_DOCUMENTS, RequestKind


class ReceiveForm(forms.Form):
    """開示請求等の受付."""

    addressee_no = forms.CharField(label="宛名番号", max_length=10)
    kind = forms.ChoiceField(label="請求の種類", choices=RequestKind.choices)
    received_on = forms.DateField(label="受付日", widget=forms.DateInput(attrs={"type": "date"}), initial=clock.today)
    requester = forms.ChoiceField(label="請求者", choices=RequesterCapacity.choices, initial=RequesterCapacity.SELF)
    identity_document = forms.ChoiceField(label="本人確認書類", choices=[("", "選択してください"), *DISCLOSURE_IDENTITY_DOCUMENTS])
    identity_note = forms.CharField(label="本人確認の備考", max_length=200, required=False)
    request_text = forms.CharField(label="請求の内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CompleteForm(forms.Form):
    decision = forms.CharField(label="決定・対応の内容", widget=forms.Textarea(attrs={"rows": 3}))
    change_id = forms.IntegerField(label="訂正を行った異動の番号（訂正請求のみ・任意）", required=False, min_value=1)


class RefuseForm(forms.Form):
    reason = forms.CharField(label="不開示・不承認の理由", widget=forms.Textarea(attrs={"rows": 3}))
