"""個人番号の表示: the My Number officer reveals one person's number, for a declared purpose.

The person screen shows the number masked; a staff member holding ``MY_NUMBER_REVEAL`` also
sees a small form「個人番号を表示」with a purpose (``settings.JUKI_MY_NUMBER_PURPOSES``). The
form POSTs here; :func:`juki.register.access.reveal_my_number` checks the function and the
purpose and writes ``MY_NUMBER_REVEALED`` with the purpose (never the number).

The number is shown once, on a page the browser must not keep (``Cache-Control: no-store``):
it never travels in a URL and is never put in the session (DESIGN §6; 番号法 — 特定個人情報の
取扱いは目的の範囲内に限る).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from juki.core.errors import JukiError
from juki.security.access import requires
from juki.security.roles import Function

from ..access import my_number_purposes, reveal_my_number
from ..models.person import ADDRESSEE_NO_DIGITS
from .common import actor, error_page, refusal


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
    response["Pragma"] = "no-cache"
    return response


@requires(Function.MY_NUMBER_REVEAL)
@require_POST
def reveal(request: HttpRequest, addressee_no: int) -> HttpResponse:
    """個人番号の表示 (POST only): the number in clear, once, for the chosen purpose; audited."""
    purpose = request.POST.get("purpose", "")
    who = actor(request)
    try:
        number = reveal_my_number(who, addressee_no, purpose=purpose)
    except JukiError as exc:
        if exc.status != 400:
            return _no_store(error_page(request, exc))
        return _no_store(render(request, "register/my_number_reveal.html", {
            "no": f"{int(addressee_no):0{ADDRESSEE_NO_DIGITS}d}", "pid": int(addressee_no),
            "error": refusal(exc, {"purpose": "表示目的"}),
            "purposes": my_number_purposes(), "number": "",
        }, status=exc.status))
    return _no_store(render(request, "register/my_number_reveal.html", {
        "no": f"{int(addressee_no):0{ADDRESSEE_NO_DIGITS}d}", "number": number, "purpose": purpose.strip(),
        "pid": int(addressee_no),
    }))
