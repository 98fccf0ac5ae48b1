"""Helpers shared by the administration pages (管理画面)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from juki.core.actor import Actor
from juki.core.errors import JukiError


def actor(request: HttpRequest) -> Actor:
    """The logged-in administrator, with terminal and address for the audit log."""
    return Actor.from_request(request)


def error_text(exc: JukiError) -> str:
    return f"{exc.message}（エラーコード: {exc.code}）"


def back_with_error(request: HttpRequest, exc: JukiError, url: str) -> HttpResponse:
    """After a refused POST from a page with several forms: show the refusal there."""
    messages.error(request, error_text(exc))
    return HttpResponseRedirect(url)


def render_once(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page that shows a secret once (initial password, enrolment code, token): never cached."""
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def form_error(request: HttpRequest, template: str, context: dict[str, Any], exc: JukiError) -> HttpResponse:
    return render(request, template, {**context, "error": exc, "error_field": exc.field}, status=exc.status)
