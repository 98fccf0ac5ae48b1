"""Administration actions (管理操作): staff, roles, terminals, API clients.

Every write of the security app goes through one of these ``do_<verb>_<noun>`` functions,
whether it comes from the web UI, the ``juki`` command or the demo loader: one transaction,
one audit event for the success, and a refusal (a :class:`juki.core.errors.JukiError` with a
stable code) audited after the transaction rolled back.
"""


from .apiclients import CreatedApiClient, do_create_api_client, do_revoke_api_client
from .roles import (
    do_approve_role_change,
    do_cancel_role_change,
    do_reject_role_change,
    do_request_role_change,
)
from .staff import (
    CreatedStaff,
    do_bootstrap_admin,
    do_create_staff,
    do_disable_staff,
    do_enable_staff,
    do_reset_staff_credentials,
    do_set_staff_own_record,
    do_set_staff_terminals,
)
from .terminals import (
    do_issue_enrolment_code,
    do_register_terminal,
    do_revoke_terminal,
    do_set_terminal_functions,
)

__all__ = [
    "CreatedApiClient", "CreatedStaff",
    "do_approve_role_change", "do_bootstrap_admin", "do_cancel_role_change", "do_create_api_client",
    "do_create_staff", "do_disable_staff", "do_enable_staff", "do_issue_enrolment_code",
    "do_register_terminal", "do_reject_role_change", "do_request_role_change", "do_reset_staff_credentials",
    "do_revoke_api_client", "do_revoke_terminal", "do_set_staff_own_record", "do_set_staff_terminals", "do_set_terminal_functions",
]
