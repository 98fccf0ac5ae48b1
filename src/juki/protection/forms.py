"""Forms of the protection screens (支援措置の登録・延長・終了・交付請求の確認)."""

from __future__ import annotations

from django import forms

from juki.core import clock

from .models import MeasureKind, OpinionSource


class RegisterForm(forms.Form):
    """支援措置申出の登録."""

    addressee_no = forms.CharField(label="申出者の宛名番号", max_length=10)
    members = forms.CharField(label="併せて支援を求める者の宛名番号（空白・読点区切り、任意）", max_length=200,
                              required=False)
    kind = forms.ChoiceField(label="区分", choices=[("", "選択してください"), *MeasureKind.choices])
    applied_on = forms.DateField(label="申出日", widget=forms.DateInput(attrs={"type": "date"}), initial=clock.today)
    opinion_source = forms.ChoiceField(label="意見聴取先", choices=[("", "選択してください"), *OpinionSource.choices])
    opinion_note = forms.CharField(label="意見聴取の内容（機関名・回答日等）", max_length=300, required=False)
    offender_name = forms.CharField(label="加害者の氏名", max_length=200, required=False)
    offender_kana = forms.CharField(label="加害者の氏名カナ", max_length=200, required=False)
    offender_birth_date = forms.DateField(label="加害者の生年月日", required=False,
                                          widget=forms.DateInput(attrs={"type": "date"}))
    offender_address = forms.CharField(label="加害者の住所", max_length=300, required=False)
    offender_person = forms.CharField(label="加害者の宛名番号（住民の場合・任意）", max_length=10, required=False)
    note = forms.CharField(label="備考", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def member_list(self) -> list[str]:
        text = self.cleaned_data.get("members") or ""
        return [t for t in text.replace("、", " ").replace(",", " ").split() if t]

    def offenders(self) -> list[dict[str, object]]:
        d = self.cleaned_data
        return [{"name": d.get("offender_name", ""), "name_kana": d.get("offender_kana", ""),
                 "birth_date": d.get("offender_birth_date"), "address": d.get("offender_address", ""),
                 "person": d.get("offender_person") or None}]


class RenewForm(forms.Form):
    """延長の申出."""

    applied_on = forms.DateField(label="延長の申出日", widget=forms.DateInput(attrs={"type": "date"}),
                                 initial=clock.today)
    opinion_source = forms.ChoiceField(label="意見聴取先", choices=[("", "選択してください"), *OpinionSource.choices])
    opinion_note = forms.CharField(label="意見聴取の内容", max_length=300, required=False)


class EndForm(forms.Form):
    reason = forms.CharField(label="終了の理由", widget=forms.Textarea(attrs={"rows": 2}))


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(label="確認のコメント", required=False, widget=forms.Textarea(attrs={"rows": 2}))
