"""The platform boots: health check answers, the menu needs a login, the CLI lists its commands."""

from juki.cli import COMMANDS, usage


def test_health_check_is_public(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_menu_needs_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_cli_help_lists_every_command():
    text = usage()
    for name in COMMANDS:
        assert name in text


def test_cli_help_names_every_subcommand_of_every_command():
    """`juki --help` answers without loading Django, so its lines are written by hand: each must
    name every subcommand the command's own parser accepts (`audit triggers`, `audit review`, …)."""
    import argparse

    from django.core.management import get_commands, load_command_class

    for name, description in COMMANDS.items():
        parser = load_command_class(get_commands()[name], name).create_parser("juki", name)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing = [sub for sub in action.choices if sub not in description]
                assert not missing, f"juki --help: {name} does not name {missing}"


def test_cli_help_lists_every_command_the_readme_names():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## The `juki` command", 1)[1].split("The main ones:", 1)[1].split("\n\n", 1)[0]
    text = usage()
    named = re.findall(r"`([a-z]+)(?: ([a-z][a-z-]*))?[^`]*`", section)
    assert ("audit", "triggers") in named and ("audit", "review") in named
    for command, sub in named:
        assert command in COMMANDS and f"  {command} " in text, command
        assert not sub or sub in COMMANDS[command], f"juki --help does not name `{command} {sub}`"
