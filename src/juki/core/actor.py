"""Who acts (操作者): the one type every action takes as its keyword-only ``actor``.

An action is performed by

- a staff member at a registered terminal (web UI) — :meth:`Actor.for_staff`, :meth:`Actor.from_request`;
- an external system through the API (外部システム) — :meth:`Actor.api_client`;
- an operator at the server's shell, who has no staff identity (運用者) — :meth:`Actor.cli`;
- a scheduled or automatic job of the system itself — :meth:`Actor.system`;
- another juki node over the network (他団体・他ノード) — :meth:`Actor.remote_node`.

The audit log records who acted in three columns (``staff_id``, ``terminal_id``, ``ip``):
:meth:`Actor.audit_fields` gives them. This module is the bottom layer: it holds the staff
and API-client rows it is given but imports no model, so every layer can take an Actor.
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypedDict

from .errors import PermissionDenied


def client_ip(request: Any) -> str:
    """The peer address. Proxy headers are not trusted unless a proxy is configured."""
    from django.conf import settings

    header = getattr(settings, "JUKI_TRUSTED_PROXY_HEADER", None)
    if header:
        fwd = str(request.META.get(header, ""))
        if fwd:
            return fwd.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


class AuditFields(TypedDict):
    """Who acted, in the audit log's three columns (職員・端末・IPアドレス)."""

    staff_id: str
    terminal_id: str
    ip: str


class ActorKind(StrEnum):
    """操作者の種別."""

    STAFF = "staff"  # 職員 (at a terminal)
    API_CLIENT = "api_client"  # 外部システム
    CLI = "cli"  # 運用者 (server shell)
    SYSTEM = "system"  # 自動処理
    REMOTE_NODE = "remote_node"  # 他ノード


@dataclass(frozen=True)
class Actor:
    """操作者: who acts, and from where, as the actions and the audit log need it.

    ``Actor(staff, terminal_id, ip)`` is a staff member at a terminal; the other kinds are
    built by their constructors. ``staff_id`` is what the audit log's 職員 column records:
    the staff id, ``api:<client>``, ``cli:<os user>``, ``node:<node>``, or empty for a job.
    """

    staff: Any = None  # juki.security.models.Staff, for STAFF
    terminal_id: str = ""
    ip: str = ""
    kind: ActorKind = ActorKind.STAFF
    staff_id: str = ""
    client: Any = None  # juki.security.models.ApiClient, for API_CLIENT
    os_user: str = ""  # CLI: the operating-system user and host running the command
    host: str = ""
    job: str = ""  # SYSTEM: the job's name
    node_id: str = ""  # REMOTE_NODE

    def __post_init__(self) -> None:
        if self.kind == ActorKind.STAFF:
            if self.staff is None:
                raise TypeError("a staff actor needs the staff member")
            if not self.staff_id:
                object.__setattr__(self, "staff_id", self.staff.staff_id)

    # --- constructors ----------------------------------------------------------------------

    @classmethod
    def for_staff(cls, staff: Any, terminal_id: str = "", ip: str = "") -> Actor:
        """A staff member at a terminal (職員)."""
        return cls(staff=staff, terminal_id=terminal_id, ip=ip)

    @classmethod
    def from_request(cls, request: Any) -> Actor:
        """The logged-in staff member of a web request, at the request's terminal."""
        terminal = getattr(request, "terminal", None)
        return cls.for_staff(request.user, terminal.terminal_id if terminal is not None else "", client_ip(request))

    @classmethod
    def from_api_request(cls, request: Any) -> Actor:
        """The API client an API request authenticated as (``request.auth``)."""
        return cls.api_client(request.auth, ip=client_ip(request))

    @classmethod
    def api_client(cls, client: Any, *, ip: str = "") -> Actor:
        """An external system (外部システム), audited and compared for four-eyes as ``api:<client_id>``."""
        label = f"api:{client.client_id}"
        return cls(kind=ActorKind.API_CLIENT, client=client, staff_id=label, terminal_id=label, ip=ip)

    @classmethod
    def cli(cls) -> Actor:
        """The operator running a ``juki`` command on the server (運用者)."""
        try:
            user = getpass.getuser()
        except Exception:  # noqa: BLE001 — no login name (e.g. container without passwd entry)
            user = ""
        return cls(kind=ActorKind.CLI, staff_id=f"cli:{user or 'unknown'}", os_user=user, host=socket.gethostname())

    @classmethod
    def system(cls, job: str) -> Actor:
        """The system itself, running ``job`` (automatic checkpoints, scheduled purges)."""
        return cls(kind=ActorKind.SYSTEM, job=job)

    @classmethod
    def remote_node(cls, node_id: str, *, ip: str = "") -> Actor:
        """Another juki node acting over the network, audited as ``node:<node_id>``."""
        label = f"node:{node_id}"
        return cls(kind=ActorKind.REMOTE_NODE, node_id=node_id, staff_id=label, terminal_id=label, ip=ip)

    # --- what the actions ask --------------------------------------------------------------

    @property
    def is_cli(self) -> bool:
        return self.kind == ActorKind.CLI

    @property
    def via(self) -> str:
        """The channel a request came through, as administration records keep it: ``web`` for
        staff, else the audit label (``cli:<user>``, ``api:<client>``, ``node:<node>``)."""
        if self.kind == ActorKind.STAFF:
            return "web"
        return self.staff_id or f"system:{self.job}"

    @property
    def display_name(self) -> str:
        """The name shown to people: the staff member's name, else the audit label."""
        if self.staff is not None:
            return str(self.staff.name)
        if self.client is not None:
            return str(self.client.name)
        return self.staff_id or self.job

    def require(self, function: Any) -> None:
        """Refuse (:class:`PermissionDenied`) unless this actor may use ``function`` now: an
        active staff member holding it through a role, or an active API client granted it.
        Other kinds hold no functions of the register."""
        if self.kind == ActorKind.STAFF:
            if not self.staff.is_active or function not in self.staff.functions():
                raise PermissionDenied()
        elif self.kind == ActorKind.API_CLIENT:
            c = self.client
            if not c.is_active or c.revoked_at is not None or str(function) not in (c.functions or []):
                raise PermissionDenied()
        else:
            raise PermissionDenied()

    def audit_fields(self) -> AuditFields:
        """Who acted, as :func:`juki.audit.log.record` takes it."""
        return {"staff_id": self.staff_id, "terminal_id": self.terminal_id, "ip": self.ip}

    def job_audit_fields(self) -> AuditFields:
        """Who ran an operations job (運用処理: checkpoints, retention, key rotation), as its
        audit event's columns record it: a CLI operator or the system leave them empty (there
        is no staff login on the command line; :meth:`operator_detail` names the operator)."""
        if self.kind in (ActorKind.CLI, ActorKind.SYSTEM):
            return {"staff_id": "", "terminal_id": "", "ip": ""}
        return self.audit_fields()

    def operator_detail(self) -> dict[str, str]:
        """The OS user and host of a CLI operator, which operations jobs add to their event's
        detail; nothing for other kinds."""
        if self.kind != ActorKind.CLI:
            return {}
        return {"os_user": self.os_user, "host": self.host}
