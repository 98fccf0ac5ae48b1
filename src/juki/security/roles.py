"""Roles (役割) and the role × function matrix (権限表) — the single source of authorisation.

Every URL and API endpoint declares one *function* (機能); a staff member may use it only when
one of their roles grants it *and* the terminal they work from allows it. Anything not declared
here is denied. docs/security.md renders this table; tests/security/test_matrix.py walks every
URL and endpoint against it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"  # 窓口
    APPROVER = "approver"  # 確認者
    MY_NUMBER_OFFICER = "my_number_officer"  # 個人番号事務
    PROTECTION_OFFICER = "protection_officer"  # 支援措置担当
    AUDITOR = "auditor"  # 監査
    STATISTICS = "statistics"  # 統計
    SYSADMIN = "sysadmin"  # システム管理
    MANAGER = "manager"  # 管理責任者

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.CLERK: "窓口",
    Role.APPROVER: "確認者",
    Role.MY_NUMBER_OFFICER: "個人番号事務",
    Role.PROTECTION_OFFICER: "支援措置担当",
    Role.AUDITOR: "監査",
    Role.STATISTICS: "統計",
    Role.SYSADMIN: "システム管理",
    Role.MANAGER: "管理責任者",
}


class Function(StrEnum):
    """Functions (機能). Values are stable identifiers used in the audit log."""

    # Open to anyone: login page, static files, health check.
    PUBLIC = "public"
    # Any logged-in staff member: menu, logout, screen lock, own profile, 2FA enrolment.
    SESSION = "session"

    RESIDENT_SEARCH = "resident.search"  # 住民検索
    RESIDENT_VIEW = "resident.view"  # 住民票照会
    CHANGE_ENTER = "change.enter"  # 異動入力（仮更新）
    CHANGE_CONFIRM = "change.confirm"  # 異動確定・却下
    CERTIFICATE_ISSUE = "certificate.issue"  # 証明書交付
    MY_NUMBER_SEARCH = "mynumber.search"  # 個人番号による検索
    MY_NUMBER_REVEAL = "mynumber.reveal"  # 個人番号の表示
    PROTECTION_MANAGE = "protection.manage"  # 支援措置の管理
    AUDIT_READ = "audit.read"  # 操作記録の閲覧
    AUDIT_REVIEW = "audit.review"  # 操作記録の点検
    STATS_VIEW = "stats.view"  # 統計
    STATS_LISTS = "stats.lists"  # 業務リスト（件数）
    STAFF_MANAGE = "staff.manage"  # 職員管理
    ROLE_REQUEST = "role.request"  # 権限変更の申請
    ROLE_APPROVE = "role.approve"  # 権限変更の承認
    TERMINAL_MANAGE = "terminal.manage"  # 端末管理
    EXPORT_REQUEST = "export.request"  # 大量出力の申請
    EXPORT_APPROVE = "export.approve"  # 大量出力の事前承認
    DISCLOSURE_MANAGE = "disclosure.manage"  # 開示請求・訂正・利用停止の受付と処理

    # API-only functions, granted to external systems (API clients), never to staff roles.
    API_PING = "api.ping"  # 疎通確認


#: Japanese names of the functions (機能), for menus, forms and the disclosure access record.
FUNCTION_LABELS: dict[str, str] = {
    Function.PUBLIC: "ログイン画面等",
    Function.SESSION: "メニュー等",
    Function.RESIDENT_SEARCH: "住民検索",
    Function.RESIDENT_VIEW: "住民票照会",
    Function.CHANGE_ENTER: "異動入力（仮更新）",
    Function.CHANGE_CONFIRM: "異動確定・却下",
    Function.CERTIFICATE_ISSUE: "証明書交付",
    Function.MY_NUMBER_SEARCH: "個人番号による検索",
    Function.MY_NUMBER_REVEAL: "個人番号の表示",
    Function.PROTECTION_MANAGE: "支援措置の管理",
    Function.AUDIT_READ: "操作記録の閲覧",
    Function.AUDIT_REVIEW: "操作記録の点検",
    Function.STATS_VIEW: "統計",
    Function.STATS_LISTS: "業務リスト（件数）",
    Function.STAFF_MANAGE: "職員管理",
    Function.ROLE_REQUEST: "権限変更の申請",
    Function.ROLE_APPROVE: "権限変更の承認",
    Function.TERMINAL_MANAGE: "端末管理",
    Function.EXPORT_REQUEST: "大量出力の申請",
    Function.EXPORT_APPROVE: "大量出力の事前承認",
    Function.DISCLOSURE_MANAGE: "開示請求等の受付・処理",
    Function.API_PING: "疎通確認",
}

# Functions open without a role.
OPEN_FUNCTIONS = frozenset({Function.PUBLIC, Function.SESSION})

ROLE_FUNCTIONS: dict[Role, frozenset[Function]] = {
    Role.CLERK: frozenset({
        Function.RESIDENT_SEARCH, Function.RESIDENT_VIEW, Function.CHANGE_ENTER,
        Function.CERTIFICATE_ISSUE, Function.EXPORT_REQUEST, Function.DISCLOSURE_MANAGE,
        Function.STATS_LISTS,
    }),
    Role.APPROVER: frozenset({Function.RESIDENT_SEARCH, Function.RESIDENT_VIEW, Function.CHANGE_CONFIRM}),
    Role.MY_NUMBER_OFFICER: frozenset({Function.MY_NUMBER_SEARCH, Function.MY_NUMBER_REVEAL}),
    Role.PROTECTION_OFFICER: frozenset({
        Function.PROTECTION_MANAGE, Function.RESIDENT_SEARCH, Function.RESIDENT_VIEW,
    }),
    Role.AUDITOR: frozenset({Function.AUDIT_READ, Function.AUDIT_REVIEW}),
    Role.STATISTICS: frozenset({Function.STATS_VIEW}),
    Role.SYSADMIN: frozenset({
        Function.STAFF_MANAGE, Function.ROLE_REQUEST, Function.ROLE_APPROVE, Function.TERMINAL_MANAGE,
    }),
    # 管理責任者: approves bulk output of personal data before it runs (Hiroshima digest D2.14),
    # and sees the counts of the operational lists (業務リスト) whose exports it approves.
    Role.MANAGER: frozenset({Function.EXPORT_APPROVE, Function.STATS_LISTS}),
}

# Functions an API client (other system) may be granted.
API_FUNCTIONS = frozenset({
    Function.API_PING, Function.RESIDENT_SEARCH, Function.RESIDENT_VIEW, Function.CHANGE_ENTER, Function.CHANGE_CONFIRM,
})

# Functions a terminal may be restricted to (機能ごとの端末制限). Open functions always pass.
TERMINAL_FUNCTIONS = frozenset(f for f in Function if f not in OPEN_FUNCTIONS and f not in {Function.API_PING})

# Separation of duties: pairs of roles one person may never hold together.
#  - administrators manage accounts but must not browse residents (DESIGN §6);
#  - auditors review others' access, so they must not also be operators or administrators.
INCOMPATIBLE_ROLES: frozenset[frozenset[Role]] = frozenset(
    frozenset(pair)
    for pair in [
        (Role.SYSADMIN, Role.CLERK), (Role.SYSADMIN, Role.APPROVER), (Role.SYSADMIN, Role.MY_NUMBER_OFFICER),
        (Role.SYSADMIN, Role.PROTECTION_OFFICER), (Role.SYSADMIN, Role.AUDITOR),
        (Role.AUDITOR, Role.CLERK), (Role.AUDITOR, Role.APPROVER), (Role.AUDITOR, Role.MY_NUMBER_OFFICER),
        (Role.AUDITOR, Role.PROTECTION_OFFICER),
        # The manager approves others' exports; an administrator must not approve data leaving.
        (Role.MANAGER, Role.SYSADMIN),
    ]
)


def functions_for(roles: set[Role] | frozenset[Role]) -> frozenset[Function]:
    """All functions a set of roles grants, open functions included."""
    out: set[Function] = set(OPEN_FUNCTIONS)
    for role in roles:
        out |= ROLE_FUNCTIONS[role]
    return frozenset(out)


def role_conflicts(roles: set[Role] | frozenset[Role]) -> list[tuple[Role, Role]]:
    """Pairs in ``roles`` that separation of duties forbids, sorted for stable messages."""
    found = []
    for pair in INCOMPATIBLE_ROLES:
        if pair <= set(roles):
            a, b = sorted(pair)
            found.append((a, b))
    return sorted(found)
