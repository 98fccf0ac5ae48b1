"""The staff menu (業務メニュー): entries appear only for functions the user may use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from juki.security.access import staff_may
from juki.security.roles import Function


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    function: Function


# Apps add their entries here as they land (register, certificates, audit, stats...).
MENU: list[MenuEntry] = [
    MenuEntry("住民検索", "/register/search/", Function.RESIDENT_SEARCH),
    MenuEntry("異動入力", "/register/changes/new/", Function.CHANGE_ENTER),
    MenuEntry("入力した異動", "/register/changes/mine/", Function.CHANGE_ENTER),
    MenuEntry("確認待ち一覧", "/register/changes/pending/", Function.CHANGE_CONFIRM),
    MenuEntry("証明書交付", "/certificates/", Function.CERTIFICATE_ISSUE),
    MenuEntry("交付簿", "/certificates/ledger/", Function.CERTIFICATE_ISSUE),
    MenuEntry("職員管理", "/admin/staff/", Function.STAFF_MANAGE),
    MenuEntry("権限変更の承認", "/admin/role-requests/", Function.ROLE_APPROVE),
    MenuEntry("端末管理", "/admin/terminals/", Function.TERMINAL_MANAGE),
    MenuEntry("操作記録", "/audit/", Function.AUDIT_READ),
    MenuEntry("開示請求・訂正・利用停止", "/disclosure/", Function.DISCLOSURE_MANAGE),
    MenuEntry("大量出力の申請", "/exports/", Function.EXPORT_REQUEST),
    MenuEntry("大量出力の承認", "/exports/pending/", Function.EXPORT_APPROVE),
    MenuEntry("アクセス記録の点検", "/audit/review/", Function.AUDIT_REVIEW),
    MenuEntry("統計", "/stats/", Function.STATS_VIEW),
    MenuEntry("業務リスト", "/stats/lists/", Function.STATS_LISTS),
    MenuEntry("支援措置", "/protection/", Function.PROTECTION_MANAGE),
    MenuEntry("支援対象者に係る交付請求の報告", "/protection/attempts/", Function.PROTECTION_MANAGE),
]


def menu_for(staff: Any, terminal: Any) -> list[MenuEntry]:
    return [e for e in MENU if staff_may(staff, terminal, e.function)]
