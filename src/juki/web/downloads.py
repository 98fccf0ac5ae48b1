"""File downloads from staff screens (PDF, CSV, XLSX, encrypted exports)."""

from __future__ import annotations

from django.http import HttpResponse


def attachment(body: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    """A download the browser saves as ``filename`` and never keeps in its cache: every file a
    staff screen hands out holds register or audit data."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
