"""JUKI_HOME and the embedded database are for juki's own user only (0700 / 0600).

Source: 個人情報の保護に関する法律23条 (安全管理措置) — the register's names and addresses must
not be readable by every local account; docs/security.md "Files".
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

WRITE_AND_REPORT = """
import json, os, stat, django
os.environ["DJANGO_SETTINGS_MODULE"] = "juki.settings"
django.setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as c:
    c.execute("CREATE TABLE t (x)")
    c.execute("INSERT INTO t VALUES (1)")
    home = settings.JUKI_HOME
    print(json.dumps({p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in [home, *home.iterdir()]
                      if p.name.startswith(("juki.sqlite3", "secret_key")) or p == home}))
"""


def run_juki_python(code: str, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # the embedded SQLite
    env["JUKI_HOME"] = str(home)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                          preexec_fn=lambda: os.umask(0o022))  # a stock umask: 0644 files, 0755 dirs


def test_a_new_home_is_0700_and_the_database_with_its_wal_and_shm_0600(tmp_path):
    home = tmp_path / "juki-home"
    modes = json.loads(run_juki_python(WRITE_AND_REPORT, home).stdout.splitlines()[-1])
    assert modes == {"juki-home": "0o700", "secret_key": "0o600", "juki.sqlite3": "0o600",
                     "juki.sqlite3-wal": "0o600", "juki.sqlite3-shm": "0o600"}


def test_an_existing_world_readable_home_and_database_are_tightened(tmp_path):
    home = tmp_path / "var"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    for name in ("juki.sqlite3", "juki.sqlite3-wal"):
        (home / name).write_bytes(b"")
        os.chmod(home / name, 0o644)
    run_juki_python("import juki.settings", home)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "juki.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "juki.sqlite3-wal").stat().st_mode) == 0o600


def test_the_juki_command_creates_files_owner_only(tmp_path):
    """The umask the juki command sets covers every file it writes (exports, archives, keys)."""
    code = ("import sys; from juki.cli import main; "
            "sys.exit(main(['django', 'shell', '-c', 'import os; print(oct(os.umask(0o077)))']))")
    out = run_juki_python(code, tmp_path / "home").stdout
    assert out.strip().splitlines()[-1] == "0o77"
