"""`juki serve` prepares the certificate working font before it listens (first issue is not slow)."""

from __future__ import annotations

import io
from pathlib import Path

from juki.certificates import fonts
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
