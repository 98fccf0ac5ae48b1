"""``juki apiclient``: other systems calling the API (外部システム管理)."""

from __future__ import annotations

from typing import Any

from juki.core.actor import Actor
from juki.security.actions import do_create_api_client, do_revoke_api_client
from juki.security.actions import errors as action_errors
from juki.security.models import ApiClient
from juki.security.roles import API_FUNCTIONS

from ._common import SubcommandCommand

FUNCTIONS_HELP = "機能: " + ", ".join(sorted(f.value for f in API_FUNCTIONS))


class Command(SubcommandCommand):
    help = "外部システム（APIクライアント）の登録・取消・一覧"

    def add_subcommands(self, subs: Any) -> None:
        p = subs.add_parser("create", help="外部システムを登録し、APIトークンを一度だけ表示する",
                            description="外部システムを登録します。APIトークンは一度だけ表示され、"
                                        "指定した接続元アドレスから、指定した機能にだけ使えます。")
        p.add_argument("client_id", metavar="ID", help="システムID（英数字と「-」、2〜32文字）")
        p.add_argument("--name", required=True, help="システム名")
        p.add_argument("--network", dest="networks", action="extend", nargs="+", required=True, metavar="CIDR",
                       help="接続元アドレス（CIDR、例: 192.0.2.10/32）。複数指定可")
        p.add_argument("--function", dest="functions", action="extend", nargs="+", required=True, metavar="F",
                       help=f"利用できる{FUNCTIONS_HELP}。複数指定可")

        p = subs.add_parser("revoke", help="外部システムの登録を取り消す（トークンは直ちに無効）",
                            description="外部システムの登録を取り消します。トークンは直ちに使えなくなります。")
        p.add_argument("client_id", metavar="ID", help="システムID")
        p.add_argument("--reason", default="", help="理由")

        subs.add_parser("list", help="外部システムの一覧", description="外部システムの一覧を表示します（取消済みを含む）。")

    def handle_create(self, *, client_id: str, name: str, networks: list[str], functions: list[str], **_: Any) -> None:
        created = do_create_api_client(client_id, name, networks, functions, actor=Actor.cli())
        c = created.client
        self.stdout.write(f"外部システム {c.client_id}（{c.name}）を登録しました。")
        self.stdout.write(f"接続元: {' '.join(c.allowed_networks)}  機能: {' '.join(c.functions)}")
        self.stdout.write(f"APIトークン: {created.token}")
        self.stdout.write("このトークンは今回だけ表示されます。相手システムに安全な方法で渡してください"
                          "（Authorization: Bearer <トークン>）。")

    def handle_revoke(self, *, client_id: str, reason: str, **_: Any) -> None:
        client = ApiClient.objects.filter(client_id=client_id).first()
        if client is None:
            raise action_errors.ApiClientNotFound()
        do_revoke_api_client(client, actor=Actor.cli(), reason=reason)
        self.stdout.write(f"外部システム {client.client_id} の登録を取り消しました。")

    def handle_list(self, **_: Any) -> None:
        self.stdout.write("\t".join(("システムID", "システム名", "状態", "接続元", "機能")))
        for c in ApiClient.objects.all():
            state = "有効" if c.is_active else "取消済"
            self.stdout.write("\t".join((c.client_id, c.name, state, " ".join(c.allowed_networks), " ".join(c.functions))))
