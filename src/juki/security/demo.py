"""Demo staff (デモ職員): one account per role at one demo terminal, for ``make run``.

:func:`ensure_demo_staff` is idempotent. The first call creates the terminal ``DEMO-01``
(every function) and the accounts below, each with a strong random password, and writes
the credentials to ``JUKI_HOME/demo-credentials.txt`` (owner-only, mode 0600). Every call
prints the credentials and a fresh one-time URL that registers the browser as ``DEMO-01``.

The demo grants roles directly, without the two-administrator approval that every real
grant needs: this is a synthetic installation, and each grant is audited as such
(``detail.demo = true``). Demo accounts skip the first-login password change, but each
enrols its second factor (TOTP, QR code) on first login like everybody else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from juki.audit.events import EventType
from juki.core import clock
from juki.core.actor import Actor
from juki.core.addresses import public_base_url

from .actions import do_issue_enrolment_code, do_register_terminal
from .actions.common import audit
from .actions.staff import generate_password
from .models import RoleGrant, Staff, Terminal
from .roles import Function, Role

DEMO_TERMINAL_ID = "DEMO-01"
CREDENTIALS_FILE = "demo-credentials.txt"


@dataclass(frozen=True)
class DemoAccount:
    staff_id: str
    name: str
    office: str
    roles: tuple[Role, ...]
    duty: str


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo-clerk", "窓口 花子", "市民課", (Role.CLERK,), "窓口（検索・照会・異動入力・証明書交付）"),
    DemoAccount("demo-approver", "確認 太郎", "市民課", (Role.APPROVER,), "確認者（異動の確定・却下）"),
    DemoAccount("demo-mynumber", "番号 次郎", "市民課", (Role.MY_NUMBER_OFFICER, Role.CLERK),
                "個人番号事務＋窓口（個人番号による検索・表示）"),
    DemoAccount("demo-protection", "支援 三郎", "市民課", (Role.PROTECTION_OFFICER,), "支援措置担当"),
    DemoAccount("demo-protection2", "支援 三奈", "市民課", (Role.PROTECTION_OFFICER,),
                "支援措置担当（支援措置の確認役：入力した担当とは別の担当が確認する）"),
    DemoAccount("demo-auditor", "監査 四郎", "情報政策課", (Role.AUDITOR,), "監査（操作記録の閲覧・点検）"),
    DemoAccount("demo-stats", "統計 五郎", "企画課", (Role.STATISTICS,), "統計"),
    DemoAccount("demo-admin1", "管理 六郎", "情報政策課", (Role.SYSADMIN,), "システム管理（職員・権限・端末）"),
    DemoAccount("demo-admin2", "管理 七子", "情報政策課", (Role.SYSADMIN,), "システム管理（権限変更の承認役）"),
    DemoAccount("demo-manager", "管理責任 八郎", "市民課", (Role.MANAGER,), "管理責任者（大量出力の事前承認）"),
)


def credentials_path() -> Path:
    return Path(settings.JUKI_HOME) / CREDENTIALS_FILE


def _read_credentials(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        staff_id, password = line.split("\t")[:2]
        out[staff_id] = password
    return out


def _write_credentials(path: Path, passwords: dict[str, str]) -> None:
    """Owner-only file; replaced atomically so it is never readable by others, even briefly."""
    lines = ["# juki デモ職員のID・パスワード（デモ専用。実運用では使わないこと）", "# 職員ID\tパスワード\t役割"]
    for acc in DEMO_ACCOUNTS:
        if acc.staff_id in passwords:
            lines.append(f"{acc.staff_id}\t{passwords[acc.staff_id]}\t{'・'.join(r.label for r in acc.roles)}")
    tmp = path.with_suffix(".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    os.chmod(path, 0o600)


def _ensure_terminal(actor: Actor) -> Terminal:
    terminal = Terminal.objects.filter(terminal_id=DEMO_TERMINAL_ID).first()
    if terminal is None:
        terminal = do_register_terminal(DEMO_TERMINAL_ID, "デモ端末", "市民課窓口（デモ）", "all", actor=actor)
    return terminal


def _create_account(acc: DemoAccount, terminal: Terminal, actor: Actor) -> str:
    password = generate_password()
    with transaction.atomic():
        staff = Staff(staff_id=acc.staff_id, name=acc.name, office=acc.office, application_no="DEMO",
                      must_change_password=False)
        staff.set_password(password)
        staff.password_changed_at = clock.now()
        staff.save()
        now = clock.now()
        for role in acc.roles:
            RoleGrant.objects.create(staff=staff, role=role.value, granted_at=now)
        staff.terminals.set([terminal])
        audit(actor, EventType.STAFF_CREATED, action="create", function=Function.STAFF_MANAGE,
              detail={"staff": staff.staff_id, "office": staff.office, "application_no": "DEMO", "demo": True})
        for role in acc.roles:
            audit(actor, EventType.ROLE_GRANTED, action="grant", function=Function.ROLE_APPROVE,
                  detail={"staff": staff.staff_id, "role": role.value, "demo": True})
        audit(actor, EventType.STAFF_TERMINALS_CHANGED, action="update", function=Function.STAFF_MANAGE,
              detail={"staff": staff.staff_id, "before": [], "after": [terminal.terminal_id], "demo": True})
    return password


def ensure_demo_staff(stdout: Any, *, base_url: str | None = None) -> dict[str, str]:
    """Create the demo terminal and staff if missing; print credentials and an enrolment URL.

    Returns ``{staff_id: password}`` for the accounts whose password is known.
    """
    actor = Actor.cli()
    terminal = _ensure_terminal(actor)
    path = credentials_path()
    passwords = _read_credentials(path)
    created: list[str] = []
    for acc in DEMO_ACCOUNTS:
        if not Staff.objects.filter(staff_id=acc.staff_id).exists():
            passwords[acc.staff_id] = _create_account(acc, terminal, actor)
            created.append(acc.staff_id)
    known = {acc.staff_id: passwords[acc.staff_id] for acc in DEMO_ACCOUNTS if acc.staff_id in passwords}
    if created or not path.exists():
        _write_credentials(path, known)
    if created:
        audit(actor, EventType.DEMO_LOADED, action="create", function=Function.STAFF_MANAGE,
              detail={"what": "staff", "created": created, "terminal": terminal.terminal_id})

    code = do_issue_enrolment_code(terminal, actor=actor)
    base = (base_url or public_base_url()).rstrip("/")
    url = f"{base}/terminal/enrol/?code={code}"

    w = stdout.write
    w("\n=== デモ職員（デモ専用。実運用では使わないこと） ===\n")
    w(f"資格情報ファイル: {path}（所有者のみ読み書き可）\n")
    for acc in DEMO_ACCOUNTS:
        pw = known.get(acc.staff_id, "（不明: 資格情報ファイルにありません。juki staff reset で再設定してください）")
        w(f"  {acc.staff_id:<16} {pw:<26} {acc.name}  {acc.duty}\n")
    w(f"\n1. まずこのブラウザを端末 {terminal.terminal_id} として登録します（30分有効・一回限りのURL）:\n")
    w(f"   {url}\n")
    w("2. 次に上のIDとパスワードでログインします。各アカウントの初回ログイン時に、"
      "表示されるQRコードを認証アプリ（Google Authenticator など）で読み取り、二要素認証を登録します。\n")
    w("   権限の付与・取消は demo-admin1 が申請し、demo-admin2 が承認すると有効になります。\n\n")
    return known
