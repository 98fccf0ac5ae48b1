"""Menu and health check."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from juki.security.access import requires
from juki.security.roles import Function

from .menu import menu_for


@requires(Function.SESSION)
def home(request: HttpRequest) -> HttpResponse:
    """業務メニュー: only the functions this staff member may use at this terminal."""
    return render(request, "web/home.html", {"menu": menu_for(request.user, getattr(request, "terminal", None))})


@requires(Function.PUBLIC)
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})
