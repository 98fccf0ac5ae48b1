"""One Actor for every kind of actor (juki.core.actor; docs/architecture.md, Conventions)."""

from __future__ import annotations

import ast
import getpass
import socket
from pathlib import Path

import pytest

import juki
from juki.core.actor import Actor, ActorKind
from juki.core.errors import JukiError, PermissionDenied
from juki.security.actions import do_register_terminal
from juki.security.actions.common import require_function
from juki.security.models import ApiClient
from juki.security.roles import Function

SRC = Path(juki.__file__).parent


def test_the_actor_module_is_the_bottom_layer_and_imports_no_app():
    tree = ast.parse((SRC / "core" / "actor.py").read_text(encoding="utf-8"))
    absolute = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    absolute |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and not node.level}
    relative = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    assert {m for m in absolute if m.startswith("juki")} == set() and relative == {"errors"}  # juki.core.errors


@pytest.mark.django_db
def test_a_staff_member_at_a_terminal_is_audited_by_staff_id_terminal_and_ip(clerk):
    actor = Actor.for_staff(clerk, "T-COUNTER-01", "10.0.0.5")
    assert actor == Actor(clerk, "T-COUNTER-01", "10.0.0.5")  # the short form the tests use
    assert actor.kind == ActorKind.STAFF and actor.via == "web" and actor.display_name == "窓口 花子"
    assert actor.audit_fields() == {"staff_id": "clerk01", "terminal_id": "T-COUNTER-01", "ip": "10.0.0.5"}
    assert actor.operator_detail() == {}
    actor.require(Function.CHANGE_ENTER)  # the clerk holds it: no exception
    with pytest.raises(PermissionDenied):
        actor.require(Function.CHANGE_CONFIRM)


def test_a_staff_actor_needs_the_staff_member():
    with pytest.raises(TypeError):
        Actor()


@pytest.mark.django_db
def test_an_api_client_is_audited_as_api_client_id_and_holds_only_its_granted_functions():
    client = ApiClient(client_id="tax", name="税務システム", functions=[Function.RESIDENT_SEARCH.value])
    actor = Actor.api_client(client, ip="10.1.2.3")
    assert actor.audit_fields() == {"staff_id": "api:tax", "terminal_id": "api:tax", "ip": "10.1.2.3"}
    assert actor.via == "api:tax" and actor.display_name == "税務システム"
    actor.require(Function.RESIDENT_SEARCH)
    with pytest.raises(PermissionDenied):
        actor.require(Function.CHANGE_ENTER)


def test_the_cli_operator_is_the_os_user_on_this_host():
    actor = Actor.cli()
    assert actor.is_cli and actor.staff_id == f"cli:{getpass.getuser()}" and actor.via == actor.staff_id
    assert actor.operator_detail() == {"os_user": getpass.getuser(), "host": socket.gethostname()}
    # operations jobs leave the staff columns empty and name the operator in the detail
    assert actor.job_audit_fields() == {"staff_id": "", "terminal_id": "", "ip": ""}


def test_a_system_job_and_a_remote_node_hold_no_function_of_the_register():
    job, node = Actor.system("autocheckpoint"), Actor.remote_node("13101-a", ip="192.0.2.7")
    assert job.audit_fields() == {"staff_id": "", "terminal_id": "", "ip": ""} and job.operator_detail() == {}
    assert node.audit_fields() == {"staff_id": "node:13101-a", "terminal_id": "node:13101-a", "ip": "192.0.2.7"}
    for actor in (job, node):
        with pytest.raises(PermissionDenied):
            actor.require(Function.RESIDENT_VIEW)


@pytest.mark.django_db
def test_administration_trusts_the_cli_operator_but_no_other_actor_without_a_staff_member():
    require_function(Actor.cli(), Function.STAFF_MANAGE)  # already controls the server
    client = ApiClient(client_id="tax", name="税務", functions=[Function.STAFF_MANAGE.value])
    for actor in (Actor.api_client(client), Actor.system("job"), Actor.remote_node("n1")):
        with pytest.raises(JukiError) as exc:
            require_function(actor, Function.STAFF_MANAGE)
        assert exc.value.code == "ADMIN_FORBIDDEN"
    with pytest.raises(JukiError):
        do_register_terminal("T-NODE", "端末", "", "all", actor=Actor.remote_node("n1"))


def test_no_module_spells_the_actor_another_way():
    """One spelling: no ``acting=``/``acting_staff``/``operator=`` parameter, no second Actor class."""
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path != SRC / "core" / "actor.py" and "class Actor" in text:
            offenders.append(f"{path}: class Actor")
        for spelling in ("acting: ", "acting=", "acting_staff", "operator: dict", "operator=cli"):
            if spelling in text:
                offenders.append(f"{path.relative_to(Path(SRC).parent)}: {spelling}")
    assert offenders == []
