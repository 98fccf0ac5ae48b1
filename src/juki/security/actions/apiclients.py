"""API clients (外部システム): other systems calling the API with their own token.

A client may call only the functions it was granted (a subset of
:data:`juki.security.roles.API_FUNCTIONS`) and only from the networks listed for it. The
token is shown once at creation; juki stores only its hash.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from juki.audit.events import EventType
from juki.core import clock
from juki.core.actor import Actor

from ..api_tokens import hash_token, issue_api_token
from ..models import ApiClient
from ..roles import API_FUNCTIONS, Function
from . import errors
from .common import audit, refusals_audited, require_function

# No "_": the token is "juki_<client_id>_<secret>" and is split on "_".
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$")


@dataclass(frozen=True)
class CreatedApiClient:
    client: ApiClient
    token: str


def parse_networks(networks: Iterable[str]) -> list[str]:
    """Validate CIDR networks (接続元アドレス); host bits must be zero, and "everything" is refused."""
    out: list[str] = []
    for raw in networks:
        value = str(raw).strip()
        if not value:
            continue
        try:
            net = ipaddress.ip_network(value, strict=True)
        except ValueError:
            raise errors.NetworkInvalid(value) from None
        if net.prefixlen == 0:
            raise errors.NetworkTooBroad(value)
        if str(net) not in out:
            out.append(str(net))
    if not out:
        raise errors.NetworksRequired()
    return out


def parse_api_functions(functions: Iterable[str | Function]) -> list[str]:
    items = [str(f).strip() for f in functions if str(f).strip()]
    if not items:
        raise errors.FunctionsRequired()
    allowed = {f.value for f in API_FUNCTIONS}
    for item in items:
        if item not in allowed:
            raise errors.UnknownFunction(item)
    return sorted(set(items))


def do_create_api_client(client_id: str, name: str, networks: Iterable[str], functions: Iterable[str | Function], *,
                         actor: Actor) -> CreatedApiClient:
    """外部システムの登録. Returns the clear token once; only its hash is kept."""

    networks, functions = list(networks), list(functions)
    with refusals_audited(actor, EventType.API_CLIENT_CREATED, action="create", function=Function.TERMINAL_MANAGE,
                          detail={"client": client_id.strip()[:32]}):
        with transaction.atomic():
            require_function(actor, Function.TERMINAL_MANAGE)
            client_id, name = client_id.strip(), name.strip()
            if not CLIENT_ID_RE.match(client_id):
                raise errors.ApiClientIdInvalid()
            if not name:
                raise errors.ApiClientNameRequired()
            nets = parse_networks(networks)
            fns = parse_api_functions(functions)
            if ApiClient.objects.filter(client_id__iexact=client_id).exists():
                raise errors.ApiClientIdTaken()
            token = issue_api_token(client_id)
            client = ApiClient.objects.create(
                client_id=client_id, name=name, token_hash=hash_token(token), allowed_networks=nets,
                functions=fns, created_at=clock.now(),
            )
            audit(actor, EventType.API_CLIENT_CREATED, action="create", function=Function.TERMINAL_MANAGE,
                  detail={"client": client.client_id, "name": client.name, "networks": nets, "functions": fns})
    return CreatedApiClient(client=client, token=token)


def do_revoke_api_client(client: ApiClient, *, actor: Actor, reason: str = "") -> ApiClient:
    """外部システムの登録取消: its token stops working at once."""
    detail = {"client": client.client_id, "reason": reason.strip()[:200]}
    with refusals_audited(actor, EventType.API_CLIENT_REVOKED, action="revoke", function=Function.TERMINAL_MANAGE,
                          detail=detail):
        with transaction.atomic():
            require_function(actor, Function.TERMINAL_MANAGE)
            client = ApiClient.objects.select_for_update().get(pk=client.pk)
            if not client.is_active:
                raise errors.AlreadyRevoked()
            client.is_active = False
            client.revoked_at = clock.now()
            client.save(update_fields=["is_active", "revoked_at"])
            audit(actor, EventType.API_CLIENT_REVOKED, action="revoke", function=Function.TERMINAL_MANAGE, detail=detail)
    return client
