"""`juki serve`: prepares the certificate working font before it listens (first issue is not slow);
refuses a taken port in one sentence; the URLs juki prints follow the served address."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from juki.certificates import fonts, verification
from juki.core import addresses
from juki.security.management.commands.terminal import enrolment_url
from juki.web.management.commands.serve import Command


def test_serve_builds_the_certificate_working_font_before_listening():
    out, err = io.StringIO(), io.StringIO()
    Command(stdout=out, stderr=err)._prepare_certificate_font()
    assert Path(fonts.working_font_path()).is_file()
    assert err.getvalue() == ""


def test_serve_without_the_mj_font_says_certificates_cannot_be_issued(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "MJ_FONT_PATH", tmp_path / "missing.ttf")
    fonts._working_font_path.cache_clear()
    err = io.StringIO()
    try:
        Command(stdout=io.StringIO(), stderr=err)._prepare_certificate_font()
    finally:
        fonts._working_font_path.cache_clear()
    assert "証明書の交付はできません" in err.getvalue()


# --- the served address: a taken port, and the URLs juki prints follow the port -------------

def test_serve_on_a_taken_port_says_which_and_how_to_choose_another():
    from django.core.management import CommandError, call_command

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError) as refused:
            call_command("serve", host="127.0.0.1", port=port, stdout=io.StringIO(), stderr=io.StringIO())
    message = str(refused.value)
    assert f"ポート {port} は他のプログラムが使用中です" in message
    assert f"--port {port + 1}" in message and f"make run PORT={port + 1}" in message


def test_the_juki_command_on_a_taken_port_prints_no_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "JUKI_HOME": str(tmp_path)}
        done = subprocess.run([sys.executable, "-m", "juki.cli", "serve", "--port", str(port)], env=env,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and f"ポート {port} は他のプログラムが使用中です" in done.stderr


@pytest.fixture
def served_nowhere(monkeypatch, settings):
    monkeypatch.setattr(addresses, "_served", None)
    settings.JUKI_PUBLIC_BASE_URL = ""
    settings.JUKI_PORT = 8000


def test_printed_urls_follow_the_port_of_make_run(served_nowhere, settings):
    """`make run PORT=8001` gives the demo and serve JUKI_PORT=8001 (Makefile)."""
    settings.JUKI_PORT = 8001
    assert enrolment_url("abc") == "http://127.0.0.1:8001/terminal/enrol/?code=abc"
    assert verification.verification_url("7KQ2-M9XD-4HTV-0BWE") == "http://127.0.0.1:8001/verify/7KQ2-M9XD-4HTV-0BWE"


def test_printed_urls_follow_the_address_serve_listens_on(served_nowhere):
    addresses.set_served_address("0.0.0.0", 8100)  # noqa: S104 - the wildcard is reached at 127.0.0.1
    assert enrolment_url("abc") == "http://127.0.0.1:8100/terminal/enrol/?code=abc"
    addresses.set_served_address("192.0.2.10", 8200)
    assert verification.verification_url("7KQ2") == "http://192.0.2.10:8200/verify/7KQ2"


def test_juki_public_base_url_wins_over_the_served_address(served_nowhere, settings):
    addresses.set_served_address("127.0.0.1", 8100)
    settings.JUKI_PUBLIC_BASE_URL = "https://juki.example.lg.jp/"
    assert enrolment_url("abc") == "https://juki.example.lg.jp/terminal/enrol/?code=abc"
    assert verification.verification_url("7KQ2") == "https://juki.example.lg.jp/verify/7KQ2"


def test_make_run_takes_port():
    root = Path(__file__).resolve().parents[1]
    dry = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=root, capture_output=True, text=True,
                         check=True).stdout
    assert "JUKI_PORT=8123 .venv/bin/juki demo --if-empty" in dry
    assert "JUKI_PORT=8123 .venv/bin/juki serve" in dry
