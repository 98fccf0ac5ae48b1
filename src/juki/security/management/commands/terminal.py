"""``juki terminal``: registered terminals (端末管理)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.utils import timezone

from juki.core.actor import Actor
from juki.core.addresses import public_base_url
from juki.security.actions import (
    do_issue_enrolment_code,
    do_register_terminal,
    do_revoke_terminal,
    do_set_terminal_functions,
)
from juki.security.actions import errors as action_errors
from juki.security.models import Terminal
from juki.security.roles import TERMINAL_FUNCTIONS

from ._common import SubcommandCommand

FUNCTIONS_HELP = "機能（カンマ区切り）または all: " + ", ".join(sorted(f.value for f in TERMINAL_FUNCTIONS))


def find_terminal(terminal_id: str) -> Terminal:
    terminal = Terminal.objects.filter(terminal_id=terminal_id).first()
    if terminal is None:
        raise action_errors.TerminalNotFound(terminal_id)
    return terminal


def enrolment_url(code: str) -> str:
    return f"{public_base_url()}/terminal/enrol/?{urlencode({'code': code})}"


class Command(SubcommandCommand):
    help = "端末の登録・取消・一覧・利用可能機能の変更・ブラウザ登録コードの発行"

    def add_subcommands(self, subs: Any) -> None:
        p = subs.add_parser("register", help="端末を登録する",
                            description="端末（業務用パソコン）を登録します。登録後、"
                                        "juki terminal enrol で発行する一回限りのコードでブラウザを端末に結び付けます。")
        p.add_argument("terminal_id", metavar="ID", help="端末ID（英数字・「.」「-」「_」、2〜32文字）")
        p.add_argument("--name", required=True, help="端末名")
        p.add_argument("--location", default="", help="設置場所")
        p.add_argument("--functions", default="all", help=f"この端末で利用できる{FUNCTIONS_HELP}（既定: all）")

        p = subs.add_parser("revoke", help="端末の登録を取り消す（この端末のセッションは終了する）",
                            description="端末の登録を取り消します。この端末のブラウザ登録とセッションは無効になります。")
        p.add_argument("terminal_id", metavar="ID", help="端末ID")
        p.add_argument("--reason", default="", help="理由")

        subs.add_parser("list", help="端末の一覧", description="登録端末の一覧を表示します（取消済みを含む）。")

        p = subs.add_parser("enrol", help="ブラウザ登録用の一回限りのコードとURLを発行する（30分有効）",
                            description="端末のブラウザを登録するための一回限りのコードを発行します（30分有効）。"
                                        "その端末のブラウザで表示されたURLを開いてください。以前のブラウザ登録は、新しいコードを使った時点で無効になります。")
        p.add_argument("terminal_id", metavar="ID", help="端末ID")

        p = subs.add_parser("functions", help="端末で利用できる機能を変更する",
                            description="端末で利用できる機能を変更します（機能ごとの端末制限）。")
        p.add_argument("terminal_id", metavar="ID", help="端末ID")
        p.add_argument("functions", metavar="FUNCTIONS", help=FUNCTIONS_HELP)

    def handle_register(self, *, terminal_id: str, name: str, location: str, functions: str, **_: Any) -> None:
        terminal = do_register_terminal(terminal_id, name, location, functions, actor=Actor.cli())
        self.stdout.write(f"端末 {terminal.terminal_id}（{terminal.name}）を登録しました。")
        self.stdout.write(f"ブラウザの登録: juki terminal enrol {terminal.terminal_id}")

    def handle_revoke(self, *, terminal_id: str, reason: str, **_: Any) -> None:
        terminal = do_revoke_terminal(find_terminal(terminal_id), actor=Actor.cli(), reason=reason)
        self.stdout.write(f"端末 {terminal.terminal_id} の登録を取り消しました。")

    def handle_list(self, **_: Any) -> None:
        self.stdout.write("\t".join(("端末ID", "端末名", "設置場所", "状態", "ブラウザ登録", "利用可能機能")))
        all_functions = {f.value for f in TERMINAL_FUNCTIONS}
        for t in Terminal.objects.all():
            state = "有効" if t.is_active else "取消済"
            enrolled = timezone.localtime(t.enrolled_at).strftime("%Y-%m-%d %H:%M") if t.enrolled_at else "未登録"
            fns = "all" if set(t.functions) >= all_functions else ",".join(t.functions) or "-"
            self.stdout.write("\t".join((t.terminal_id, t.name, t.location or "-", state, enrolled, fns)))

    def handle_enrol(self, *, terminal_id: str, **_: Any) -> None:
        code = do_issue_enrolment_code(find_terminal(terminal_id), actor=Actor.cli())
        self.stdout.write(f"端末 {terminal_id} のブラウザ登録コード（30分有効・一回限り）: {code}")
        self.stdout.write(f"その端末のブラウザで次のURLを開いてください: {enrolment_url(code)}")

    def handle_functions(self, *, terminal_id: str, functions: str, **_: Any) -> None:
        terminal = do_set_terminal_functions(find_terminal(terminal_id), functions, actor=Actor.cli())
        self.stdout.write(f"端末 {terminal.terminal_id} の利用可能機能: {', '.join(terminal.functions)}")
