"""Refusals of the administration actions (管理操作のエラー).

Each refusal is its own class with a stable code and a Japanese message, so the web UI, the
CLI and the tests all see the same fault the same way. Codes are never reused.
"""

from __future__ import annotations

from typing import Any

from juki.core.errors import PermissionDenied, ValidationFailed

# --- who may act -----------------------------------------------------------------------


class NotAllowed(PermissionDenied):
    """The acting staff member's roles do not include the function the action needs."""

    def __init__(self, function: str = "") -> None:
        super().__init__(code="ADMIN_FORBIDDEN", message="この管理操作を行う権限がありません。",
                         extra={"function": function} if function else {})


class CliOnly(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(code="CLI_ONLY", message="この操作はサーバ上の juki コマンドからのみ実行できます。")


# --- staff accounts --------------------------------------------------------------------


class StaffIdInvalid(ValidationFailed):
    def __init__(self) -> None:
        super().__init__(
            "STAFF_ID_INVALID",
            "職員IDは英数字で始まる2〜32文字の英数字・「.」「-」「_」で入力してください。",
            field="staff_id",
        )


class StaffIdShared(ValidationFailed):
    """Generic IDs (admin, guest, ...) suggest a shared account, which is not allowed."""

    def __init__(self) -> None:
        super().__init__(
            "STAFF_ID_SHARED",
            "共用を思わせる職員ID（admin、guest など）は使えません。職員ごとに個人のIDを作成してください。",
            field="staff_id",
        )


class StaffIdTaken(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("STAFF_ID_TAKEN", "この職員IDは既に使われています（無効化された職員を含む）。", field="staff_id")


class StaffNameRequired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("STAFF_NAME_REQUIRED", "氏名を入力してください。", field="name")


class ApplicationNoRequired(ValidationFailed):
    """ユーザID申請書番号 is required for every account change (Hiroshima digest D1.1, D1.3)."""

    def __init__(self) -> None:
        super().__init__("APPLICATION_NO_REQUIRED", "ユーザID申請書番号を入力してください。", field="application_no")


class ReasonRequired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("REASON_REQUIRED", "理由を入力してください。", field="reason")


class StaffAlreadyDisabled(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("STAFF_ALREADY_DISABLED", "この職員は既に無効化されています。")


class StaffAlreadyActive(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("STAFF_ALREADY_ACTIVE", "この職員は既に有効です。")


class StaffSelfChange(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("STAFF_SELF_CHANGE", "自分自身のアカウントに対してこの操作はできません。")


class StaffNotFound(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("STAFF_NOT_FOUND", "該当する職員が見つかりません。", field="staff_id")


class StaffInactive(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("STAFF_INACTIVE", "無効化された職員には権限を付与できません。")


class OwnAddresseeNoInvalid(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("OWN_ADDRESSEE_NO_INVALID", "自身の宛名番号は10桁以内の数字で入力してください。",
                         field="own_addressee_no")


class OwnAddresseeNoNotFound(ValidationFailed):
    """The number must name a person in the register (the message says nothing about them)."""

    def __init__(self) -> None:
        super().__init__("OWN_ADDRESSEE_NO_NOT_FOUND", "この宛名番号は住民記録にありません。",
                         field="own_addressee_no")


class OwnAddresseeNoTaken(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("OWN_ADDRESSEE_NO_TAKEN", "この宛名番号は別の有効な職員に設定されています。",
                         field="own_addressee_no")


class BootstrapClosed(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(
            code="BOOTSTRAP_CLOSED",
            message="有効なシステム管理者が既に2名以上います。新しい管理者は権限変更申請と承認で追加してください。",
        )


# --- role changes ----------------------------------------------------------------------


class UnknownRole(ValidationFailed):
    def __init__(self, role: str) -> None:
        super().__init__("UNKNOWN_ROLE", f"不明な役割です: {role}", field="role")


class UnknownKind(ValidationFailed):
    def __init__(self, kind: str) -> None:
        super().__init__("UNKNOWN_ROLE_CHANGE_KIND", f"申請種別は「付与」か「取消」です: {kind}", field="kind")


class RoleSelfRequest(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(code="ROLE_SELF_REQUEST", message="自分自身の権限変更は申請できません。")


class RoleAlreadyHeld(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("ROLE_ALREADY_HELD", "この職員は既にこの役割を持っています。", field="role")


class RoleNotHeld(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("ROLE_NOT_HELD", "この職員はこの役割を持っていません。", field="role")


class RoleConflict(ValidationFailed):
    """Separation of duties (職務分離): the grant would give one person a forbidden pair."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        text = "、".join(f"「{a.label}」と「{b.label}」" for a, b in pairs)
        super().__init__(
            "ROLE_CONFLICT", f"職務分離のため、{text}を同じ職員に付与することはできません。", field="role",
            extra={"conflicts": [[a.value, b.value] for a, b in pairs]},
        )


class RoleRequestDuplicate(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("ROLE_REQUEST_DUPLICATE", "同じ内容の承認待ちの申請が既にあります。")


class RoleRequestNotPending(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("ROLE_REQUEST_NOT_PENDING", "この申請は既に処理済みです。")


class ApproverNotAdmin(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(code="APPROVER_NOT_ADMIN", message="権限変更を承認・却下できるのは有効なシステム管理者だけです。")


class ApproverIsRequester(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(code="APPROVER_IS_REQUESTER", message="自分が申請した権限変更は承認・却下できません。別の管理者が処理します。")


class ApproverIsSubject(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(code="APPROVER_IS_SUBJECT", message="自分自身に対する権限変更は承認・却下できません。")


class NotRequester(PermissionDenied):
    def __init__(self) -> None:
        super().__init__(code="NOT_REQUESTER", message="申請を取り下げられるのは申請者だけです。")


# --- terminals and API clients ---------------------------------------------------------


class TerminalIdInvalid(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("TERMINAL_ID_INVALID", "端末IDは英数字で始まる2〜32文字の英数字・「.」「-」「_」で入力してください。",
                         field="terminal_id")


class TerminalIdTaken(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("TERMINAL_ID_TAKEN", "この端末IDは既に登録されています（取消済みを含む）。", field="terminal_id")


class TerminalNameRequired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("TERMINAL_NAME_REQUIRED", "端末名を入力してください。", field="name")


class TerminalNotFound(ValidationFailed):
    def __init__(self, terminal_id: str = "") -> None:
        suffix = f": {terminal_id}" if terminal_id else ""
        super().__init__("TERMINAL_NOT_FOUND", f"登録されていない端末です{suffix}", field="terminals")


class TerminalRevoked(ValidationFailed):
    def __init__(self, terminal_id: str = "") -> None:
        suffix = f": {terminal_id}" if terminal_id else ""
        super().__init__("TERMINAL_REVOKED", f"取消済みの端末です{suffix}", field="terminals")


class UnknownFunction(ValidationFailed):
    def __init__(self, value: str) -> None:
        super().__init__("UNKNOWN_FUNCTION", f"指定できない機能です: {value}", field="functions")


class FunctionsRequired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("FUNCTIONS_REQUIRED", "利用可能機能を1つ以上指定してください。", field="functions")


class ApiClientIdInvalid(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("API_CLIENT_ID_INVALID", "システムIDは英数字で始まる2〜32文字の英数字と「-」で入力してください（「_」は使えません）。",
                         field="client_id")


class ApiClientIdTaken(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("API_CLIENT_ID_TAKEN", "このシステムIDは既に登録されています（取消済みを含む）。", field="client_id")


class ApiClientNameRequired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("API_CLIENT_NAME_REQUIRED", "システム名を入力してください。", field="name")


class ApiClientNotFound(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("API_CLIENT_NOT_FOUND", "登録されていない外部システムです。", field="client_id")


class NetworkInvalid(ValidationFailed):
    def __init__(self, value: str) -> None:
        super().__init__("NETWORK_INVALID", f"接続元アドレスはCIDR形式（例: 192.0.2.0/24、192.0.2.10/32）で入力してください: {value}",
                         field="networks")


class NetworkTooBroad(ValidationFailed):
    def __init__(self, value: str) -> None:
        super().__init__("NETWORK_TOO_BROAD", f"すべてのアドレスを許可する指定はできません: {value}", field="networks")


class NetworksRequired(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("NETWORKS_REQUIRED", "接続元アドレスを1つ以上指定してください。", field="networks")


class AlreadyRevoked(ValidationFailed):
    def __init__(self) -> None:
        super().__init__("ALREADY_REVOKED", "既に取り消されています。")
