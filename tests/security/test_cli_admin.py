"""``juki staff|terminal|apiclient``: the operator's commands call the same actions as the web UI.

Run both through ``call_command`` and through the real entry point ``juki.cli.main``.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from juki import cli
from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.security import terminals as binding
from juki.security.models import ApiClient, RoleChangeRequest, Staff, Terminal
from juki.security.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords are incidental here (Argon2 itself is covered by the login tests): hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def run_fails(*args: str) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    return info.value, err.getvalue()


def main(capsys, *argv: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    """Run ``juki ...`` as from the shell; return (exit status, stdout, stderr)."""
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- staff ------------------------------------------------------------------------------------


def test_staff_create_prints_a_one_time_password(db):
    out = run("staff", "create", "ito", "--name", "伊藤 さくら", "--office", "市民課", "--application", "APP-40")
    password = re.search(r"初期パスワード: (\S+)", out).group(1)
    staff = Staff.objects.get(staff_id="ito")
    assert staff.check_password(password) and staff.office == "市民課" and staff.application_no == "APP-40"
    event = AuditEvent.objects.get(event_type=int(EventType.STAFF_CREATED))
    assert event.staff_id.startswith("cli:")


def test_staff_create_without_application_is_an_argparse_error(db):
    with pytest.raises(CommandError, match="--application"):
        call_command("staff", "create", "ito", "--name", "伊藤", stdout=io.StringIO(), stderr=io.StringIO())


def test_bootstrap_two_admins_then_refuse_a_third(db):
    run("staff", "create", "boot1", "--name", "初期一", "--application", "B1", "--bootstrap-admin")
    run("staff", "create", "boot2", "--name", "初期二", "--application", "B2", "--bootstrap-admin")
    exc, err = run_fails("staff", "create", "boot3", "--name", "初期三", "--application", "B3", "--bootstrap-admin")
    assert exc.code == "BOOTSTRAP_CLOSED" and exc.returncode == 2
    assert "エラー [BOOTSTRAP_CLOSED]" in err and "2名以上" in err
    assert Staff.objects.get(staff_id="boot1").roles() == frozenset({Role.SYSADMIN})
    assert not Staff.objects.filter(staff_id="boot3").exists()


def test_staff_grant_creates_a_pending_request_and_prints_its_id(admin, make_staff):
    make_staff("newcomer01")
    out = run("staff", "grant", "newcomer01", "clerk", "--application", "APP-41", "--reason", "配属")
    req = RoleChangeRequest.objects.get()
    assert f"申請番号: {req.pk}" in out and "/admin/role-requests/" in out
    assert req.state == RoleChangeRequest.State.PENDING and req.requested_via.startswith("cli:")
    assert Staff.objects.get(staff_id="newcomer01").roles() == frozenset()
    assert "newcomer01" in run("staff", "requests")


def test_staff_revoke_creates_a_pending_revoke_request(clerk):
    run("staff", "revoke", "clerk01", "clerk", "--application", "APP-42")
    assert RoleChangeRequest.objects.get().kind == RoleChangeRequest.Kind.REVOKE


def test_staff_grant_refusals_name_the_code(clerk):
    exc, err = run_fails("staff", "grant", "clerk01", "auditor", "--application", "A")
    assert exc.code == "ROLE_CONFLICT" and "職務分離" in err
    exc, _ = run_fails("staff", "grant", "clerk01", "superuser", "--application", "A")
    assert exc.code == "UNKNOWN_ROLE"
    exc, _ = run_fails("staff", "grant", "nobody", "clerk", "--application", "A")
    assert exc.code == "STAFF_NOT_FOUND"


def test_staff_disable_enable_terminals_and_list(clerk, make_terminal):
    make_terminal("T-BACK-01")
    run("staff", "terminals", "clerk01", "T-COUNTER-01", "T-BACK-01")
    assert set(clerk.terminals.values_list("terminal_id", flat=True)) == {"T-COUNTER-01", "T-BACK-01"}
    run("staff", "disable", "clerk01", "--reason", "退職")
    listing = run("staff", "list")
    assert re.search(r"clerk01\t窓口 花子\t-\t無効（退職）\t窓口\tT-BACK-01 T-COUNTER-01\t-\n", listing)
    run("staff", "enable", "clerk01")
    assert Staff.objects.get(staff_id="clerk01").is_active
    exc, _ = run_fails("staff", "terminals", "clerk01", "NOPE")
    assert exc.code == "TERMINAL_NOT_FOUND"


def test_staff_list_shows_the_linked_own_record(clerk):
    # privacy review (docs/privacy-review.md): access to one's own record is flagged through this link
    Staff.objects.filter(pk=clerk.pk).update(own_addressee_no=42)
    assert re.search(r"clerk01\t窓口 花子\t.*\t0000000042\n", run("staff", "list"))


def test_staff_reset_prints_a_new_password(clerk):
    out = run("staff", "reset", "clerk01")
    password = re.search(r"初期パスワード: (\S+)", out).group(1)
    assert Staff.objects.get(staff_id="clerk01").check_password(password)


# --- terminals ------------------------------------------------------------------------------------


def test_terminal_register_enrol_list_revoke(db):
    run("terminal", "register", "T-2F-01", "--name", "2階窓口", "--location", "2階", "--functions",
        "resident.search,resident.view")
    assert Terminal.objects.get(terminal_id="T-2F-01").functions == ["resident.search", "resident.view"]
    out = run("terminal", "enrol", "T-2F-01")
    code = re.search(r"code=([A-Z0-9-]+)", out).group(1)
    assert "http://127.0.0.1:8000/terminal/enrol/?code=" in out
    assert binding.redeem_enrolment_code(code).terminal_id == "T-2F-01"
    assert re.search(r"T-2F-01\t2階窓口\t2階\t有効\t\d{4}-\d\d-\d\d", run("terminal", "list"))
    run("terminal", "functions", "T-2F-01", "all")
    assert "all" in run("terminal", "list")
    run("terminal", "revoke", "T-2F-01", "--reason", "撤去")
    assert not Terminal.objects.get(terminal_id="T-2F-01").is_active


def test_terminal_register_defaults_to_all_functions(db):
    run("terminal", "register", "T-ALL", "--name", "全機能")
    assert "staff.manage" in Terminal.objects.get(terminal_id="T-ALL").functions


def test_terminal_refusals(db):
    exc, err = run_fails("terminal", "register", "T-X", "--name", "x", "--functions", "resident.search,nuke")
    assert exc.code == "UNKNOWN_FUNCTION" and "nuke" in err
    exc, _ = run_fails("terminal", "enrol", "NOPE")
    assert exc.code == "TERMINAL_NOT_FOUND"


# --- API clients ---------------------------------------------------------------------------------


def test_apiclient_create_prints_the_token_once_and_lists_without_it(db):
    out = run("apiclient", "create", "tax", "--name", "税務システム", "--network", "10.1.0.0/16",
              "--network", "127.0.0.1/32", "--function", "api.ping", "resident.search")
    token = re.search(r"APIトークン: (\S+)", out).group(1)
    client = ApiClient.objects.get(client_id="tax")
    assert client.allowed_networks == ["10.1.0.0/16", "127.0.0.1/32"]
    assert client.functions == ["api.ping", "resident.search"]
    listing = run("apiclient", "list")
    assert "tax\t税務システム\t有効" in listing and token not in listing
    run("apiclient", "revoke", "tax")
    assert not ApiClient.objects.get(client_id="tax").is_active


def test_apiclient_bad_cidr_and_unknown_function(db):
    exc, err = run_fails("apiclient", "create", "tax", "--name", "税務", "--network", "10.0.0.300/32", "--function", "api.ping")
    assert exc.code == "NETWORK_INVALID" and "CIDR" in err
    exc, _ = run_fails("apiclient", "create", "tax", "--name", "税務", "--network", "10.0.0.0/8", "--function", "staff.manage")
    assert exc.code == "UNKNOWN_FUNCTION"
    exc, _ = run_fails("apiclient", "revoke", "nope")
    assert exc.code == "API_CLIENT_NOT_FOUND"
    assert not ApiClient.objects.exists()


# --- through the real entry point ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # the real entry point closes connections when done
def test_juki_main_runs_the_commands_and_exits_non_zero_on_refusal(capsys):
    status, out, _ = main(capsys, "terminal", "register", "T-MAIN", "--name", "本体")
    assert status == 0 and "T-MAIN" in out
    status, out, err = main(capsys, "staff", "create", "guest", "--name", "共用", "--application", "A")
    assert status == 2 and "エラー [STAFF_ID_SHARED]" in err
    assert not Staff.objects.filter(staff_id="guest").exists()


SUBCOMMANDS = {
    "staff": ["create", "disable", "enable", "list", "grant", "revoke", "terminals", "reset", "requests"],
    "terminal": ["register", "revoke", "list", "enrol", "functions"],
    "apiclient": ["create", "revoke", "list"],
}


@pytest.mark.parametrize(("command", "subcommands"), SUBCOMMANDS.items())
def test_every_subcommand_has_help(capsys, command, subcommands):
    status, out, _ = main(capsys, command, "--help")
    assert status == 0
    listed = re.findall(r"^    (\w+) ", out, re.M)
    assert listed == subcommands
    for sub in subcommands:
        status, sub_out, _ = main(capsys, command, sub, "--help")
        assert status == 0 and f"juki {command} {sub}" in sub_out


def test_missing_subcommand_exits_non_zero(capsys):
    status, _, err = main(capsys, "staff")
    assert status == 2 and "<subcommand>" in err
