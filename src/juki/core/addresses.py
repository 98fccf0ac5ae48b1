"""Where people reach juki (公開アドレス): the base of URLs juki prints or encodes.

The terminal-enrolment URL (``juki terminal enrol``, ``make run``) and the verification URL in
a certificate's QR code (docs/certificates-verification.md) start with :func:`public_base_url`:
``JUKI_PUBLIC_BASE_URL`` when set (``https://…`` behind the municipality's proxy), otherwise the
address ``juki serve`` listens on — its ``--host``/``--port`` in that process, ``JUKI_PORT``
(``make run PORT=8001``) in the others.
"""

from __future__ import annotations

from django.conf import settings

_served: str | None = None


def http_url(host: str, port: int) -> str:
    """``http://host:port`` for a listening address; a wildcard address is reached at 127.0.0.1."""
    if host in {"", "0.0.0.0", "::", "[::]"}:  # noqa: S104 - recognising the wildcard, not binding it
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{port}"


def set_served_address(host: str, port: int) -> None:
    """Called by ``juki serve`` once it listens: URLs made in this process follow its address."""
    global _served
    _served = http_url(host, port)


def public_base_url() -> str:
    """The base URL, without a trailing slash."""
    configured = getattr(settings, "JUKI_PUBLIC_BASE_URL", "")
    if configured:
        return configured.rstrip("/")
    return _served or http_url("127.0.0.1", settings.JUKI_PORT)
