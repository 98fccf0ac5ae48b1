"""`juki network init` / `status`: a small country of nodes on one machine, each node's home
selecting its role's apps and tables (docs/network.md "Node roles", "A country on one machine")."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command

from juki.network import country
from juki.network.home import NodeConfig, NodeConfigError, load_context
from juki.network.server import free_port

HTTP_PORT = free_port()
NODE_IDS = {"national", "pref-13", "pref-27", "cs-131016", "municipal-131016", "cs-131024", "municipal-131024",
            "cs-271004", "municipal-271004"}


@pytest.fixture(scope="module")
def land(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("country") / "jp"
    call_command("network", "init", str(root), "--nats-port", str(free_port()), "--http-port", str(HTTP_PORT),
                 stdout=io.StringIO())
    return root


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as c:
        return {name for (name,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_init_creates_every_node_home_with_its_keys_and_the_server_configuration(land: Path) -> None:
    data = tomllib.loads((land / "network.toml").read_text())
    assert {n["id"] for n in data["node"]} == NODE_IDS
    parents = {n["id"]: n["parent"] for n in data["node"]}
    assert parents["municipal-271004"] == "cs-271004" and parents["cs-271004"] == "pref-27"
    assert parents["pref-13"] == "national" and parents["national"] == ""
    for node_id in NODE_IDS:
        home = land / "nodes" / node_id
        config = NodeConfig.read(home)
        assert config is not None and config.node_id == node_id
        for key in ("node.key", "sign.key", "kex.key"):
            assert (home / "keys" / key).stat().st_mode & 0o777 == 0o600, (node_id, key)
        assert (home / "juki.sqlite3").stat().st_mode & 0o777 == 0o600
        context = load_context(config)  # its certificate verifies against the CA; it knows every node
        assert context.role == config.role and set(context.topology.nodes) == NODE_IDS
        assert all(context.directory.get(other) is not None for other in NODE_IDS)
    assert (land / "ca" / "ca.key").stat().st_mode & 0o777 == 0o600
    cs = NodeConfig.read(land / "nodes" / "cs-131016")
    assert (cs.role, cs.municipality_code, cs.prefecture_code, cs.parent) == ("cs", "131016", "13", "pref-13")
    users = {u["user"] for u in json.loads((land / "nats.conf").read_text())["authorization"]["users"]}
    assert "CN=cs-131016,OU=cs,O=juki-net" in users
    procfile = (land / "Procfile").read_text().splitlines()
    assert len(procfile) == 1 + 2 * len(NODE_IDS)
    assert any(line.startswith("worker-cs-131016: ") and "network worker" in line for line in procfile)
    assert any(line.startswith("web-national: ") and line.endswith(" serve") for line in procfile)


def test_a_node_database_has_its_role_tables_only(land: Path) -> None:
    """A CS database has no register tables, a municipality's no CS file (DESIGN §9)."""
    municipal, cs = tables(land / "nodes" / "municipal-131016" / "juki.sqlite3"), tables(land / "nodes" / "cs-131016" / "juki.sqlite3")
    prefecture, national = (tables(land / "nodes" / n / "juki.sqlite3") for n in ("pref-27", "national"))
    assert "register_person" in municipal and "network_outboxpublication" in municipal
    assert not {t for t in municipal if t.startswith(("cs_", "prefecture_", "national_"))}
    assert "cs_identityrecord" in cs and "network_inboxmessage" in cs and "audit_auditevent" in cs
    assert not {t for t in cs if t.startswith(("register_", "prefecture_", "national_", "certificates_"))}
    assert "prefecture_identityhistory" in prefecture and not {t for t in prefecture if t.startswith("register_")}
    assert "national_identityrecord" in national and not {t for t in national if t.startswith(("register_", "cs_"))}


def test_status_reads_every_node_and_link(land: Path) -> None:
    nodes, links = country.status(land)
    assert {n.node_id for n in nodes} == NODE_IDS and all(n.database for n in nodes)
    assert all((n.unsent, n.held) == (0, 0) for n in nodes)
    assert len(links) == 2 * (len(NODE_IDS) - 1)
    assert {"municipal-131016>cs-131016", "cs-131016>municipal-131016"} <= {link.link for link in links}
    out = io.StringIO()
    call_command("network", "status", str(land), stdout=out)
    text = out.getvalue()
    assert all(node_id in text for node_id in NODE_IDS) and "pref-27>national" in text


def test_status_counts_the_backlog_from_the_node_database(land: Path) -> None:
    """未送信・保留・更新順番号 come from each node's own tables."""
    db = land / "nodes" / "cs-271004" / "juki.sqlite3"
    with sqlite3.connect(db) as c:
        c.execute("INSERT INTO network_linksequence (link, last_sent, last_applied) VALUES "
                  "('cs-271004>pref-27', 4, 0), ('municipal-271004>cs-271004', 0, 5)")
        c.execute("INSERT INTO network_heldmessage (message_id, link, sequence, expected, envelope, held_at) "
                  "VALUES ('m7', 'municipal-271004>cs-271004', 7, 6, x'00', '2026-01-01')")
        c.execute("INSERT INTO network_outboxpublication (message_id, link, sequence, message_type, recipient, "
                  "envelope, created_at) VALUES ('p5', 'cs-271004>pref-27', 5, 'identity_update', 'pref-27', x'00', "
                  "'2026-01-01')")
    try:
        nodes, links = country.status(land)
        cs = next(n for n in nodes if n.node_id == "cs-271004")
        assert (cs.unsent, cs.held) == (1, 1)
        by_link = {link.link: link for link in links}
        assert by_link["cs-271004>pref-27"].last_sent == 4
        assert by_link["municipal-271004>cs-271004"].last_applied == 5
    finally:
        with sqlite3.connect(db) as c:
            for table in ("network_linksequence", "network_heldmessage", "network_outboxpublication"):
                c.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names


def test_init_refuses_an_existing_country(land: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="network.toml"):
        call_command("network", "init", str(land), "--no-migrate")


def test_a_node_starts_alone_from_its_home_with_its_role_apps(land: Path) -> None:
    """JUKI_HOME = a node home: the node.toml's role decides the apps and the URL map."""
    probe = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'juki.settings'; django.setup(); "
             "from django.conf import settings as s; import json; "
             "print(json.dumps([s.JUKI_ROLE, s.INSTALLED_APPS, s.ROOT_URLCONF, s.JUKI_PORT]))")
    env = country.node_env(land / "nodes" / "cs-131016")
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    role, apps, urlconf, port = json.loads(out.stdout.strip().splitlines()[-1])
    assert role == "cs" and "juki.cs" in apps and urlconf == "juki.network.urls_node" and port == HTTP_PORT + 3
    assert not {"juki.prefecture", "juki.national", "juki.disclosure", "juki.certificates", "juki.tools.demo"} & set(apps)


def test_the_combined_install_has_the_municipal_role_and_every_node_app() -> None:
    from django.conf import settings

    assert settings.JUKI_NODE is None and settings.JUKI_ROLE == "municipal" and settings.ROOT_URLCONF == "juki.urls"
    assert {"juki.register", "juki.cs", "juki.prefecture", "juki.national"} <= set(settings.INSTALLED_APPS)


def test_a_bad_node_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "node.toml").write_text('[node]\nid = "x"\nrole = "village"\n')
    with pytest.raises(NodeConfigError, match="role"):
        NodeConfig.read(tmp_path)


SEED = """
import datetime as dt
from django.utils import timezone
from juki.register.events import IdentityUpdate, to_payload
from juki.register.models import Change, ChangeReason, OutboxEvent, RecordStatus, Sex
update = IdentityUpdate(reason=ChangeReason.BIRTH, effective_on=dt.date(2026, 4, 1), resident_code="27100400001",
                        family_name="大阪", given_name="太郎", furigana="オオサカ タロウ", birth=(2026, 4, 1), sex=Sex.MALE,
                        address="大阪府大阪市北区中之島一丁目3番20号", town_block_id=None, banchi="1-3-20", katagaki="",
                        status=RecordStatus.RESIDENT)
now = timezone.now()
change = Change.objects.create(kind="birth", reason="birth", effective_on=dt.date(2026, 4, 1), entered_by="clerk01",
                               entered_at=now)
OutboxEvent.objects.create(kind=OutboxEvent.Kind.IDENTITY_UPDATE, schema_version=1, change=change, person_id=1,
                           payload=to_payload(update), created_at=now)
"""


def test_up_runs_the_country_and_an_update_travels_to_the_national_server_and_back(land: Path) -> None:
    """`juki network up`: nats-server and every node's `juki serve` and worker under honcho. A
    confirmed change's outbox row at 大阪市 reaches 機構 through its CS and 大阪府, and the
    result (受理) comes back to the row; a CS node serves its health check."""
    import signal
    import time
    import urllib.request

    municipal = land / "nodes" / "municipal-271004"
    subprocess.run([sys.executable, "-m", "juki.cli", "django", "shell", "-c", SEED], env=country.node_env(municipal),
                   check=True, capture_output=True)
    up = subprocess.Popen([sys.executable, "-m", "juki.cli", "network", "up", str(land), "--seconds", "180"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result, healthy = None, False
    try:
        deadline = time.monotonic() + 150  # 19 processes start on two cores: generous, stops at success
        while time.monotonic() < deadline and not (result and healthy):
            time.sleep(0.5)
            with sqlite3.connect(municipal / "juki.sqlite3") as c:
                result = c.execute("SELECT result, code FROM network_updateresult").fetchone()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{HTTP_PORT + 7}/healthz", timeout=1) as response:
                    healthy = response.status == 200  # cs-271004
            except OSError:
                pass
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(30)
    assert result == ("accepted", "") and healthy
    with sqlite3.connect(land / "nodes" / "national" / "juki.sqlite3") as c:
        assert c.execute("SELECT node, given_name, source_node FROM national_identityrecord").fetchall() == [
            ("national", "太郎", "pref-27")]
    nodes, links = country.status(land)
    by_link = {link.link: link for link in links}
    assert (by_link["pref-27>national"].last_sent, by_link["pref-27>national"].last_applied) == (1, 1)
    assert by_link["cs-271004>municipal-271004"].last_applied == 1
    assert all(n.unsent == 0 and n.held == 0 for n in nodes)


def test_the_worker_needs_a_node_home_and_up_a_country(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="node.toml"):
        call_command("network", "worker")  # the combined install is no node
    with pytest.raises(CommandError, match="Procfile"):
        call_command("network", "up", str(tmp_path))
    with pytest.raises(CommandError, match="network.toml"):
        call_command("network", "status", str(tmp_path))
