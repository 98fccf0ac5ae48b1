"""Who runs an operations command (運用者): there is no staff login on the command line, so the
audit log records the operating-system user and host instead."""

from __future__ import annotations

import getpass
import socket


def cli_operator() -> dict[str, str]:
    """The OS user and host running this process, as far as the system knows."""
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 — no user name in this environment
        user = ""
    return {"os_user": user, "host": socket.gethostname()}
