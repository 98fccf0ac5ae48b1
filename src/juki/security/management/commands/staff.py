"""``juki staff``: staff accounts, role change requests and allowed terminals (職員管理)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from juki.core.actor import Actor
from juki.security.actions import (
    do_bootstrap_admin,
    do_create_staff,
    do_disable_staff,
    do_enable_staff,
    do_request_role_change,
    do_reset_staff_credentials,
    do_set_staff_own_record,
    do_set_staff_terminals,
)
from juki.security.actions import errors as action_errors
from juki.security.models import RoleChangeRequest, Staff
from juki.security.roles import ROLE_LABELS

from ._common import SubcommandCommand

ROLES_HELP = "役割: " + "、".join(f"{r.value}（{label}）" for r, label in ROLE_LABELS.items())


def find_staff(staff_id: str) -> Staff:
    staff = Staff.objects.filter(staff_id=staff_id).first()
    if staff is None:
        raise action_errors.StaffNotFound()
    return staff


class Command(SubcommandCommand):
    help = "職員アカウントの作成・無効化・有効化・一覧、権限変更の申請、利用可能端末の設定"

    def add_subcommands(self, subs: Any) -> None:
        p = subs.add_parser("create", help="職員アカウントを作成し、初期パスワードを表示する",
                            description="個人ごとの職員アカウントを作成します（共用IDは不可）。"
                                        "初期パスワードは一度だけ表示され、初回ログイン時に変更と二要素認証の登録が必要です。")
        p.add_argument("staff_id", metavar="ID", help="職員ID（英数字・「.」「-」「_」、2〜32文字）")
        p.add_argument("--name", required=True, help="氏名")
        p.add_argument("--office", default="", help="所属")
        p.add_argument("--application", required=True, metavar="NO", help="ユーザID申請書番号（必須）")
        p.add_argument("--bootstrap-admin", action="store_true",
                       help="初期システム管理者として作成する（有効な管理者が2名未満のときだけ可能）")

        p = subs.add_parser("disable", help="職員アカウントを無効化する（異動・退職）。セッションは直ちに終了する",
                            description="異動・退職した職員のアカウントを無効化します。ログイン中のセッションも直ちに終了します。")
        p.add_argument("staff_id", metavar="ID", help="職員ID")
        p.add_argument("--reason", required=True, help="理由（例: 人事異動、退職）")
        p.add_argument("--application", default="", metavar="NO", help="ユーザID申請書番号")

        p = subs.add_parser("enable", help="無効化した職員アカウントを再び有効にする",
                            description="無効化した職員アカウントを再び有効にします。")
        p.add_argument("staff_id", metavar="ID", help="職員ID")
        p.add_argument("--application", default="", metavar="NO", help="ユーザID申請書番号")

        subs.add_parser("list", help="職員の一覧（役割・利用可能端末・状態・自身の宛名番号）",
                        description="職員の一覧を表示します（無効化された職員を含む）。")

        for kind, verb in (("grant", "付与"), ("revoke", "取消")):
            p = subs.add_parser(kind, help=f"役割の{verb}を申請する（別の管理者がWeb画面で承認して有効になる）",
                                description=f"役割の{verb}を申請します。申請は承認待ちとなり、"
                                            "別のシステム管理者が「権限変更の承認」画面で承認したときに有効になります。"
                                            f" {ROLES_HELP}")
            p.add_argument("staff_id", metavar="ID", help="職員ID")
            p.add_argument("role", metavar="ROLE", help=ROLES_HELP)
            p.add_argument("--application", required=True, metavar="NO", help="ユーザID申請書番号（必須）")
            p.add_argument("--reason", default="", help="理由")

        p = subs.add_parser("terminals", help="職員が利用できる端末を設定する（指定した端末で置き換える）",
                            description="職員がログインできる端末を設定します。指定した端末の組で置き換えます"
                                        "（何も指定しなければ、どの端末からもログインできなくなります）。")
        p.add_argument("staff_id", metavar="ID", help="職員ID")
        p.add_argument("terminals", metavar="TERMINAL", nargs="*", help="端末ID")

        p = subs.add_parser("reset", help="パスワードと二要素認証を再設定する（新しい初期パスワードを表示）",
                            description="パスワード忘れ・端末紛失のときに使います。新しい初期パスワードを一度だけ表示し、"
                                        "二要素認証は次回ログイン時に登録し直します。セッションは直ちに終了します。")
        p.add_argument("staff_id", metavar="ID", help="職員ID")
        p.add_argument("--application", default="", metavar="NO", help="ユーザID申請書番号")

        p = subs.add_parser("own-record", help="職員本人の住民記録の宛名番号を設定する（アクセス記録の点検に使う）",
                            description="職員本人の住民記録の宛名番号（自身の宛名番号）を設定します。"
                                        "アクセス記録の点検で、本人・同一住所の住民記録へのアクセスを要確認として示します。"
                                        "宛名番号は住民記録に存在する必要があります。--clear で設定を解除します。")
        p.add_argument("staff_id", metavar="ID", help="職員ID")
        group = p.add_mutually_exclusive_group(required=True)
        group.add_argument("addressee_no", metavar="ADDRESSEE_NO", nargs="?", help="宛名番号（10桁以内の数字）")
        group.add_argument("--clear", action="store_true", help="設定を解除する")
        p.add_argument("--application", default="", metavar="NO", help="ユーザID申請書番号")

        subs.add_parser("requests", help="承認待ちの権限変更申請の一覧",
                        description="承認待ちの権限変更申請を表示します。承認・却下はWeb画面で別の管理者が行います。")

    # --- handlers ------------------------------------------------------------------

    def handle_create(self, *, staff_id: str, name: str, office: str, application: str, bootstrap_admin: bool,
                      **_: Any) -> None:
        actor = Actor.cli()
        if bootstrap_admin:
            created = do_bootstrap_admin(staff_id, name, office, application, actor=actor)
            self.stdout.write(f"初期システム管理者 {created.staff.staff_id}（{created.staff.name}）を作成しました。")
        else:
            created = do_create_staff(staff_id, name, office, application, actor=actor)
            self.stdout.write(f"職員 {created.staff.staff_id}（{created.staff.name}）を作成しました。役割はまだありません。")
        self.stdout.write(f"初期パスワード: {created.initial_password}")
        self.stdout.write("この初期パスワードは今回だけ表示されます。本人に安全な方法で渡してください。"
                          "初回ログイン時にパスワードの変更と二要素認証（TOTP）の登録が必要です。")
        self.stdout.write(f"利用する端末を juki staff terminals {created.staff.staff_id} <端末ID> ... で設定してください。")

    def handle_disable(self, *, staff_id: str, reason: str, application: str, **_: Any) -> None:
        staff = do_disable_staff(find_staff(staff_id), reason, actor=Actor.cli(), application_no=application)
        self.stdout.write(f"職員 {staff.staff_id} を無効化しました（セッションを終了しました）。")

    def handle_enable(self, *, staff_id: str, application: str, **_: Any) -> None:
        staff = do_enable_staff(find_staff(staff_id), actor=Actor.cli(), application_no=application)
        self.stdout.write(f"職員 {staff.staff_id} を有効にしました。")

    def handle_list(self, **_: Any) -> None:
        rows = [("職員ID", "氏名", "所属", "状態", "役割", "利用可能端末", "自身の宛名番号")]
        for s in Staff.objects.prefetch_related("terminals"):
            roles = "、".join(sorted(r.label for r in s.roles())) or "-"
            terminals = " ".join(sorted(t.terminal_id for t in s.terminals.all())) or "-"
            state = "有効" if s.is_active else f"無効（{s.disabled_reason}）"
            # the link the access review uses to flag access to one's own record (and household's)
            own = f"{s.own_addressee_no:010d}" if s.own_addressee_no is not None else "-"
            rows.append((s.staff_id, s.name, s.office or "-", state, roles, terminals, own))
        self._table(rows)

    def _request(self, kind: str, staff_id: str, role: str, application: str, reason: str) -> None:
        req = do_request_role_change(find_staff(staff_id), role, kind, application, reason, actor=Actor.cli())
        verb = "付与" if kind == RoleChangeRequest.Kind.GRANT else "取消"
        self.stdout.write(f"権限変更申請 {req.pk} を受け付けました: {req.staff.staff_id} の役割「{req.get_role_display()}」の{verb}。")
        self.stdout.write("別のシステム管理者が Web 画面「権限変更の承認」(/admin/role-requests/) で承認すると有効になります。")
        self.stdout.write(f"申請番号: {req.pk}")

    def handle_grant(self, *, staff_id: str, role: str, application: str, reason: str, **_: Any) -> None:
        self._request(RoleChangeRequest.Kind.GRANT, staff_id, role, application, reason)

    def handle_revoke(self, *, staff_id: str, role: str, application: str, reason: str, **_: Any) -> None:
        self._request(RoleChangeRequest.Kind.REVOKE, staff_id, role, application, reason)

    def handle_terminals(self, *, staff_id: str, terminals: list[str], **_: Any) -> None:
        staff = find_staff(staff_id)
        result = do_set_staff_terminals(staff, terminals, actor=Actor.cli())
        shown = " ".join(t.terminal_id for t in result) or "（なし）"
        self.stdout.write(f"職員 {staff.staff_id} の利用可能端末: {shown}")

    def handle_reset(self, *, staff_id: str, application: str, **_: Any) -> None:
        created = do_reset_staff_credentials(find_staff(staff_id), actor=Actor.cli(), application_no=application)
        self.stdout.write(f"職員 {created.staff.staff_id} のパスワードと二要素認証を再設定しました。")
        self.stdout.write(f"初期パスワード: {created.initial_password}")
        self.stdout.write("この初期パスワードは今回だけ表示されます。次回ログイン時に変更と二要素認証の登録が必要です。")

    def handle_own_record(self, *, staff_id: str, addressee_no: str | None, clear: bool, application: str,
                          **_: Any) -> None:
        staff = do_set_staff_own_record(find_staff(staff_id), None if clear else addressee_no, actor=Actor.cli(),
                                        application_no=application)
        if staff.own_addressee_no:
            self.stdout.write(f"職員 {staff.staff_id} の自身の宛名番号を設定しました: {staff.own_addressee_no:010d}")
        else:
            self.stdout.write(f"職員 {staff.staff_id} の自身の宛名番号の設定を解除しました。")

    def handle_requests(self, **_: Any) -> None:
        rows = [("申請番号", "職員ID", "役割", "種別", "申請書番号", "申請者", "申請日時")]
        pending = RoleChangeRequest.objects.filter(state=RoleChangeRequest.State.PENDING).select_related("staff", "requested_by")
        for r in pending:
            by = r.requested_by.staff_id if r.requested_by else r.requested_via
            rows.append((str(r.pk), r.staff.staff_id, r.get_role_display(), r.get_kind_display(), r.application_no, by,
                         timezone.localtime(r.requested_at).strftime("%Y-%m-%d %H:%M")))
        self._table(rows)

    def _table(self, rows: Sequence[tuple[str, ...]]) -> None:
        for row in rows:
            self.stdout.write("\t".join(row))
