"""Every Django template of the project is free of multi-line ``{# … #}`` comments.

Django's ``{# #}`` comment is single-line only: one spanning lines is not a comment but text,
printed as is into the page (and the PDFs rendered from the same templates). Multi-line
comments are written ``{% comment %}…{% endcomment %}`` (Django documentation, "The Django
template language": Comments).
"""

from __future__ import annotations

from pathlib import Path

from django.template import engines
from django.template.base import Lexer, TokenType

SRC = Path(__file__).resolve().parents[1] / "src"


def template_files() -> list[Path]:
    """Every file under a template directory the Django engine loads from, inside the project."""
    engine = engines["django"].engine
    dirs = [Path(d) for loader in engine.template_loaders for d in loader.get_dirs()]
    own = [d for d in dirs if d.resolve().is_relative_to(SRC.resolve()) and d.is_dir()]
    return sorted(p for d in own for p in d.rglob("*") if p.is_file())


def stray_comment_lines(source: str) -> list[int]:
    """Lines where a ``{#`` is left in the text by Django's own lexer (an unclosed or multi-line comment)."""
    return [token.lineno + token.contents[:token.contents.index("{#")].count("\n")
            for token in Lexer(source).tokenize() if token.token_type == TokenType.TEXT and "{#" in token.contents]


def test_the_scan_finds_the_project_templates_and_catches_a_multi_line_comment():
    files = template_files()
    assert any(p.as_posix().endswith("disclosure/templates/disclosure/_document_body.html") for p in files)
    assert len(files) > 20
    assert stray_comment_lines("<p>a</p>\n{# one line #}\n<p>b</p>") == []
    assert stray_comment_lines("<p>a</p>\n{# two\n lines #}\n<p>b</p>") == [2]
    assert stray_comment_lines("{% comment %}two\nlines{% endcomment %}") == []


def test_no_template_has_a_multi_line_hash_comment():
    found = {str(p.relative_to(SRC)): lines for p in template_files()
             if (lines := stray_comment_lines(p.read_text(encoding="utf-8")))}
    assert found == {}, "use {% comment %}…{% endcomment %} for comments spanning lines"
