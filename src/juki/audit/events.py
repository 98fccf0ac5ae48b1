"""Audit event types (操作記録の種別). Numbered by area; numbers are never reused."""

from __future__ import annotations

from enum import IntEnum
from typing import Any


class EventType(IntEnum):
    # 1xxx authentication and sessions
    LOGIN_OK = 1001
    LOGIN_FAILED = 1002
    LOGOUT = 1003
    TOTP_ENROLLED = 1004
    ACCOUNT_LOCKED = 1005
    SCREEN_LOCKED = 1006
    SCREEN_UNLOCKED = 1007
    UNLOCK_FAILED = 1008
    PASSWORD_CHANGED = 1009
    SESSION_ENDED = 1010
    PASSWORD_CHANGE_FAILED = 1011
    # 11xx access control
    ACCESS_DENIED = 1101
    TERMINAL_REFUSED = 1102
    API_AUTH_FAILED = 1103
    API_CALL = 1104
    PAGE_VIEW = 1105
    # 2xxx staff, roles, terminals, API clients
    STAFF_CREATED = 2001
    STAFF_DISABLED = 2002
    STAFF_ENABLED = 2003
    ROLE_CHANGE_REQUESTED = 2004
    ROLE_CHANGE_APPROVED = 2005
    ROLE_CHANGE_REJECTED = 2006
    ROLE_GRANTED = 2007
    ROLE_REVOKED = 2008
    ROLE_CHANGE_REFUSED = 2009
    STAFF_PASSWORD_RESET = 2010
    STAFF_TERMINALS_CHANGED = 2011
    ADMIN_BOOTSTRAPPED = 2012
    ROLE_CHANGE_CANCELLED = 2013
    STAFF_OWN_RECORD_CHANGED = 2014
    TERMINAL_REGISTERED = 2101
    TERMINAL_REVOKED = 2102
    TERMINAL_ENROLLED = 2103
    TERMINAL_ENROLMENT_ISSUED = 2104
    TERMINAL_ENROLMENT_FAILED = 2105
    TERMINAL_FUNCTIONS_CHANGED = 2106
    API_CLIENT_CREATED = 2201
    API_CLIENT_REVOKED = 2202
    # 3xxx resident register (reads and writes)
    RESIDENT_SEARCH = 3001
    RESIDENT_VIEW = 3002
    MY_NUMBER_REVEALED = 3003
    CHANGE_ENTERED = 3101
    CHANGE_CONFIRMED = 3102
    CHANGE_REJECTED = 3103
    CHANGE_CANCELLED = 3104
    CHANGE_REFUSED = 3105
    RETENTION_PURGED = 3201
    # 4xxx bulk output of personal data (大量出力, Hiroshima digest D2.14)
    EXPORT_REQUESTED = 4001
    EXPORT_APPROVED = 4002
    EXPORT_REJECTED = 4003
    EXPORT_PRODUCED = 4004
    EXPORT_DOWNLOADED = 4005
    EXPORT_EXPIRED = 4006
    EXPORT_REFUSED = 4007
    # 5xxx disclosure, correction and suspension-of-use requests (開示請求等)
    DISCLOSURE_RECEIVED = 5001
    DISCLOSURE_STARTED = 5002
    DISCLOSURE_COMPLETED = 5003
    DISCLOSURE_REFUSED = 5004
    DISCLOSURE_DOCUMENT = 5005
    DISCLOSURE_ACTION_REFUSED = 5006
    # 61xx protection measures (支援措置, juki.protection; 事務処理要領 第5-10)
    PROTECTION_MEASURE_REGISTERED = 6101
    PROTECTION_MEASURE_CONFIRMED = 6102
    PROTECTION_MEASURE_RENEWAL_REGISTERED = 6103
    PROTECTION_MEASURE_ENDED = 6104
    PROTECTION_MEASURE_VIEWED = 6105
    PROTECTION_ISSUANCE_REFUSED = 6110
    PROTECTION_ISSUANCE_WARNED = 6111
    PROTECTION_ATTEMPT_ACKNOWLEDGED = 6112
    PROTECTION_ACTION_REFUSED = 6129
    # 60xx certificates at the counter (証明書交付, juki.certificates.actions)
    CERTIFICATE_ISSUED = 6001
    CERTIFICATE_REPRINTED = 6002
    CERTIFICATE_VOIDED = 6003
    CERTIFICATE_REFUSED = 6004
    CERTIFICATE_DOWNLOADED = 6005
    CERTIFICATE_LEDGER_VIEWED = 6006
    CERTIFICATE_LEDGER_EXPORTED = 6007
    # 602x public verification of certificates (証明書の真正性確認, juki.certificates.views_verify)
    CERTIFICATE_VERIFY_LOOKUP = 6020
    CERTIFICATE_VERIFY_UPLOAD = 6021
    CERTIFICATE_VERIFY_RATE_LIMITED = 6022
    # 70xx statistics and operational lists (統計・業務リスト, juki.stats)
    STATS_POPULATION_VIEWED = 7001
    STATS_MOVEMENTS_VIEWED = 7002
    STATS_EXPORTED = 7003
    STATS_REPORT_PRINTED = 7004
    STATS_LISTS_VIEWED = 7005
    # 9xxx system operations
    AUDIT_CHECKPOINT = 9001
    AUDIT_VERIFIED = 9002
    DEMO_LOADED = 9003
    CLI_COMMAND = 9004
    AUDIT_LOG_SEARCHED = 9005
    AUDIT_EVENT_VIEWED = 9006
    AUDIT_TRIGGERS_REINSTALLED = 9007
    # 91xx access review (アクセス記録の点検, juki.review)
    AUDIT_REVIEW_VIEWED = 9101
    AUDIT_REVIEW_EXPORTED = 9102
    AUDIT_REVIEW_MARKED = 9103
    # 92xx key management (鍵管理, juki.register.my_number_keys)
    KEYS_ROTATED = 9201
    # 93xx retention (保存期間, juki.audit.retention)
    AUDIT_ARCHIVED = 9301
    PROVISION_RECORDS_PURGED = 9302
    # 94xx performance (性能測定, juki.tools.bench)
    BENCH_RUN = 9401
    # 95xx messages between nodes (電文の記録, juki.network): header and signature digest only
    MESSAGE_SENT = 9501
    MESSAGE_RECEIVED = 9502
    MESSAGE_APPLIED = 9503
    MESSAGE_REFUSED = 9504
    MESSAGE_HELD = 9505
    MESSAGE_DUPLICATE = 9506


class Outcome:
    """結果. A refusal is either ``DENIED`` (拒否: not allowed — role, terminal, session, 支援措置,
    four-eyes; the access review's 「拒否の繰り返し」 counts these) or ``INVALID`` (入力・要件の不備: refused
    by a rule on what was entered — a bad date, a too-broad search, a record not found, a state
    that does not allow it). Events recorded before ``INVALID`` existed keep ``DENIED``."""

    OK = "ok"
    DENIED = "denied"
    INVALID = "invalid"
    ERROR = "error"


def refusal_outcome(exc: Any) -> str:
    """The outcome recorded for a refused operation (a :class:`juki.core.errors.JukiError`):
    ``DENIED`` for authentication and authorisation refusals (401, 403) and throttling (429),
    ``ERROR`` for a failure of juki itself (5xx), ``INVALID`` for every other refusal."""
    status = int(getattr(exc, "status", 400))
    if status in (401, 403, 429):
        return Outcome.DENIED
    return Outcome.ERROR if status >= 500 else Outcome.INVALID


# Japanese labels shown to auditors (種別の表示名). Every EventType needs one;
# tests/audit/test_audit_pages.py fails for a type without a label.
EVENT_TYPE_LABELS: dict[int, str] = {
    EventType.LOGIN_OK: "ログイン",
    EventType.LOGIN_FAILED: "ログイン失敗",
    EventType.LOGOUT: "ログアウト",
    EventType.TOTP_ENROLLED: "二要素認証の登録",
    EventType.ACCOUNT_LOCKED: "アカウントのロック",
    EventType.SCREEN_LOCKED: "画面ロック",
    EventType.SCREEN_UNLOCKED: "画面ロック解除",
    EventType.UNLOCK_FAILED: "画面ロック解除の失敗",
    EventType.PASSWORD_CHANGED: "パスワード変更",
    EventType.SESSION_ENDED: "セッション終了",
    EventType.PASSWORD_CHANGE_FAILED: "パスワード変更の失敗",
    EventType.ACCESS_DENIED: "アクセス拒否",
    EventType.TERMINAL_REFUSED: "未登録端末の拒否",
    EventType.API_AUTH_FAILED: "API認証の失敗",
    EventType.API_CALL: "API呼出し",
    EventType.PAGE_VIEW: "画面表示",
    EventType.STAFF_CREATED: "職員の登録",
    EventType.STAFF_DISABLED: "職員の無効化",
    EventType.STAFF_ENABLED: "職員の有効化",
    EventType.ROLE_CHANGE_REQUESTED: "権限変更の申請",
    EventType.ROLE_CHANGE_APPROVED: "権限変更の承認",
    EventType.ROLE_CHANGE_REJECTED: "権限変更の却下",
    EventType.ROLE_GRANTED: "権限の付与",
    EventType.ROLE_REVOKED: "権限の取消",
    EventType.ROLE_CHANGE_REFUSED: "権限変更の拒否",
    EventType.STAFF_PASSWORD_RESET: "パスワードの再設定",
    EventType.STAFF_TERMINALS_CHANGED: "職員の利用端末の変更",
    EventType.ADMIN_BOOTSTRAPPED: "初期管理者の作成",
    EventType.ROLE_CHANGE_CANCELLED: "権限変更の取下げ",
    EventType.STAFF_OWN_RECORD_CHANGED: "職員の自身の宛名番号の設定",
    EventType.TERMINAL_REGISTERED: "端末の登録",
    EventType.TERMINAL_REVOKED: "端末の取消",
    EventType.TERMINAL_ENROLLED: "端末のブラウザ登録",
    EventType.TERMINAL_ENROLMENT_ISSUED: "端末登録コードの発行",
    EventType.TERMINAL_ENROLMENT_FAILED: "端末登録の失敗",
    EventType.TERMINAL_FUNCTIONS_CHANGED: "端末の利用機能の変更",
    EventType.API_CLIENT_CREATED: "外部システムの登録",
    EventType.API_CLIENT_REVOKED: "外部システムの取消",
    EventType.RESIDENT_SEARCH: "住民検索",
    EventType.RESIDENT_VIEW: "住民票照会",
    EventType.MY_NUMBER_REVEALED: "個人番号の表示",
    EventType.CHANGE_ENTERED: "異動の入力（仮更新）",
    EventType.CHANGE_CONFIRMED: "異動の確定",
    EventType.CHANGE_REJECTED: "異動の却下",
    EventType.CHANGE_CANCELLED: "異動の取消",
    EventType.CHANGE_REFUSED: "異動処理の拒否",
    EventType.RETENTION_PURGED: "保存期間を経過した除票の消去",
    EventType.EXPORT_REQUESTED: "大量出力の申請",
    EventType.EXPORT_APPROVED: "大量出力の承認",
    EventType.EXPORT_REJECTED: "大量出力の却下",
    EventType.EXPORT_PRODUCED: "大量出力ファイルの作成",
    EventType.EXPORT_DOWNLOADED: "大量出力ファイルのダウンロード",
    EventType.EXPORT_EXPIRED: "大量出力の期限切れ",
    EventType.EXPORT_REFUSED: "大量出力処理の拒否",
    EventType.DISCLOSURE_RECEIVED: "開示請求等の受付",
    EventType.DISCLOSURE_STARTED: "開示請求等の処理開始",
    EventType.DISCLOSURE_COMPLETED: "開示請求等の処理完了",
    EventType.DISCLOSURE_REFUSED: "開示請求等の不開示・不承認",
    EventType.DISCLOSURE_DOCUMENT: "開示文書の作成",
    EventType.DISCLOSURE_ACTION_REFUSED: "開示請求等の処理の拒否",
    EventType.PROTECTION_MEASURE_REGISTERED: "支援措置の申出の登録",
    EventType.PROTECTION_MEASURE_CONFIRMED: "支援措置の確認（支援開始）",
    EventType.PROTECTION_MEASURE_RENEWAL_REGISTERED: "支援措置の延長の申出の登録",
    EventType.PROTECTION_MEASURE_ENDED: "支援措置の終了",
    EventType.PROTECTION_MEASURE_VIEWED: "支援措置の詳細表示",
    EventType.PROTECTION_ISSUANCE_REFUSED: "支援措置による交付の拒否",
    EventType.PROTECTION_ISSUANCE_WARNED: "支援対象者に係る交付請求の受付（警告）",
    EventType.PROTECTION_ATTEMPT_ACKNOWLEDGED: "支援対象者に係る交付請求の確認",
    EventType.PROTECTION_ACTION_REFUSED: "支援措置の処理の拒否",
    EventType.CERTIFICATE_ISSUED: "証明書の交付",
    EventType.CERTIFICATE_REPRINTED: "証明書の再交付",
    EventType.CERTIFICATE_VOIDED: "証明書の無効化",
    EventType.CERTIFICATE_REFUSED: "証明書交付の拒否",
    EventType.CERTIFICATE_DOWNLOADED: "証明書PDFのダウンロード",
    EventType.CERTIFICATE_LEDGER_VIEWED: "交付簿の表示",
    EventType.CERTIFICATE_LEDGER_EXPORTED: "交付簿の出力（CSV・PDF）",
    EventType.CERTIFICATE_VERIFY_LOOKUP: "証明書の照合番号による確認（公開）",
    EventType.CERTIFICATE_VERIFY_UPLOAD: "証明書PDFの照合（公開）",
    EventType.CERTIFICATE_VERIFY_RATE_LIMITED: "証明書確認の回数制限による拒否",
    EventType.AUDIT_CHECKPOINT: "操作記録チェックポイント作成",
    EventType.AUDIT_VERIFIED: "操作記録の検証",
    EventType.DEMO_LOADED: "デモデータの作成",
    EventType.BENCH_RUN: "性能測定の実行",
    EventType.MESSAGE_SENT: "電文の送信",
    EventType.MESSAGE_RECEIVED: "電文の受信",
    EventType.MESSAGE_APPLIED: "電文の適用",
    EventType.MESSAGE_REFUSED: "電文の拒否",
    EventType.MESSAGE_HELD: "電文の保留（更新順番号の欠落）",
    EventType.MESSAGE_DUPLICATE: "重複電文の受信（適用済み）",
    EventType.CLI_COMMAND: "運用コマンドの実行",
    EventType.AUDIT_LOG_SEARCHED: "操作記録の検索",
    EventType.AUDIT_EVENT_VIEWED: "操作記録の詳細表示",
    EventType.AUDIT_TRIGGERS_REINSTALLED: "追記専用トリガーの再設定",
    EventType.AUDIT_REVIEW_VIEWED: "アクセス記録点検報告の表示",
    EventType.AUDIT_REVIEW_EXPORTED: "アクセス記録点検報告のCSV出力",
    EventType.AUDIT_REVIEW_MARKED: "点検結果（確認済み）の記録",
    EventType.KEYS_ROTATED: "暗号鍵の更新（個人番号）",
    EventType.AUDIT_ARCHIVED: "保存期間を経過した操作記録のアーカイブ",
    EventType.PROVISION_RECORDS_PURGED: "保存期間を経過した提供記録の消去",
    EventType.STATS_POPULATION_VIEWED: "人口統計の表示",
    EventType.STATS_MOVEMENTS_VIEWED: "人口動態統計の表示",
    EventType.STATS_EXPORTED: "統計表の出力（CSV・Excel）",
    EventType.STATS_REPORT_PRINTED: "統計報告書（PDF）の作成",
    EventType.STATS_LISTS_VIEWED: "業務リスト（件数）の表示",
}

OUTCOME_LABELS: dict[str, str] = {Outcome.OK: "成功", Outcome.DENIED: "拒否", Outcome.INVALID: "入力・要件の不備",
                                   Outcome.ERROR: "エラー"}


def event_type_label(value: int) -> str:
    """Japanese label of an event type number, also for numbers this version does not know."""
    label = EVENT_TYPE_LABELS.get(value)
    if label is not None:
        return label
    try:
        return EventType(value).name
    except ValueError:
        return f"種別 {value}"


def outcome_label(value: str) -> str:
    return OUTCOME_LABELS.get(value, value)
