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
