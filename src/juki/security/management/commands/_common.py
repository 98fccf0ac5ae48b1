"""Shared plumbing of the ``juki staff|terminal|apiclient`` commands (not a command itself).

Refusals from the actions are printed on stderr as ``エラー [CODE] 日本語のメッセージ`` and the
command exits with status 2 (from the shell) or raises :class:`JukiCommandError` (from
``call_command``).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from juki.core.errors import JukiError


class JukiCommandError(CommandError):
    def __init__(self, exc: JukiError) -> None:
        super().__init__(f"[{exc.code}] {exc.message}", returncode=2)
        self.code = exc.code


class SubcommandCommand(BaseCommand):
    """A command with argparse subcommands; ``handle`` dispatches to ``handle_<sub>``."""

    subcommand_help: dict[str, str] = {}

    def add_arguments(self, parser: CommandParser) -> None:
        subs = parser.add_subparsers(dest="subcommand", metavar="<subcommand>", required=True)
        self.add_subcommands(subs)

    def add_subcommands(self, subs: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        sub = options["subcommand"]
        handler = getattr(self, f"handle_{sub.replace('-', '_')}")
        handler(**options)

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except JukiError as exc:
            self.stderr.write(f"エラー [{exc.code}] {exc.message}")
            if getattr(self, "_called_from_command_line", False):
                sys.exit(2)
            raise JukiCommandError(exc) from exc
