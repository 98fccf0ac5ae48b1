"""住民検索: the criteria form and the results table (docs/register-search.md).

The rules — at least two criteria besides sex, the result cap, the My Number officer only for
My Number, the audit event with the criteria — live in :func:`juki.register.search.search_residents`;
this view only parses the form and shows the answer.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from juki.core.errors import JukiError
from juki.security.access import requires
from juki.security.roles import Function

from ..forms import SearchForm
from ..search import SearchCriteria, search_residents
from .common import actor, has_function, refusal


@requires(Function.RESIDENT_SEARCH)
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    """Criteria are posted, not put in the URL: names and dates of birth stay out of server
    logs and browser history."""
    my_number_allowed = has_function(request, Function.MY_NUMBER_SEARCH)
    context: dict = {"my_number_allowed": my_number_allowed}
    if request.method == "GET":
        context["form"] = SearchForm(my_number_allowed=my_number_allowed)
        return render(request, "register/search.html", context)
    form = SearchForm(request.POST, my_number_allowed=my_number_allowed)
    context["form"] = form
    if not form.is_valid():
        return render(request, "register/search.html", context, status=400)
    criteria = SearchCriteria(**form.criteria())
    try:
        context["result"] = search_residents(actor(request), criteria)
    except JukiError as exc:
        labels = {name: str(f.label) for name, f in form.fields.items()}
        context["error"] = refusal(exc, labels)
        return render(request, "register/search.html", context, status=exc.status)
    return render(request, "register/search.html", context)
