"""Keys and certificates, envelopes and the interface table, without a server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import stat

import pytest

from juki.network import envelope as env
from juki.network import interfaces, nats_config, pki
from juki.network.interfaces import INTERFACES, Role, Topology

from .conftest import NODES, identity_update


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> pki.CertificateAuthority:
    return pki.CertificateAuthority.create(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def nodes(ca: pki.CertificateAuthority, tmp_path_factory: pytest.TempPathFactory) -> dict[str, pki.NodeIdentity]:
    root = tmp_path_factory.mktemp("nodes")
    return {n: ca.issue_node(root / n, n, role.value) for n, role, _ in NODES[:4]}


def topology() -> Topology:
    t = Topology()
    for node_id, role, parent in NODES:
        t.add(node_id, role, parent)
    return t


# --- keys and certificates ---------------------------------------------------------------

def test_private_keys_are_written_owner_only(nodes: dict[str, pki.NodeIdentity], ca: pki.CertificateAuthority) -> None:
    directory = nodes["cs-131016"].directory
    for name in ("node.key", "sign.key", "kex.key"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600, name
    assert (directory / "node.crt").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_a_node_certificate_names_the_node_its_role_and_its_message_keys(nodes: dict[str, pki.NodeIdentity]) -> None:
    node = nodes["cs-131016"]
    cert = node.certificate
    assert (cert.node_id, cert.role, cert.subject) == ("cs-131016", "cs", "CN=cs-131016,OU=cs,O=juki-net")
    assert cert.sign_key.public_bytes_raw() == node.sign_key.public_key().public_bytes_raw()
    assert cert.kex_key.public_bytes_raw() == node.kex_key.public_key().public_bytes_raw()


def test_a_certificate_of_another_ca_is_not_a_node_of_the_network(tmp_path, ca: pki.CertificateAuthority) -> None:
    rogue = pki.CertificateAuthority.create(tmp_path / "rogue").issue_node(tmp_path / "n", "cs-131016", "cs")
    with pytest.raises(pki.CertificateError) as exc:
        pki.verify_node_certificate(rogue.certificate.certificate, ca.certificate)
    assert exc.value.code == "NETWORK_CERT_INVALID"
    directory = pki.NodeDirectory(ca.certificate)
    with pytest.raises(pki.CertificateError):
        directory.add(rogue.certificate.certificate)
    assert "cs-131016" not in directory


def test_an_expired_certificate_is_refused(nodes: dict[str, pki.NodeIdentity], ca: pki.CertificateAuthority) -> None:
    cert = nodes["pref-13"].certificate.certificate
    later = cert.not_valid_after_utc + dt.timedelta(days=1)
    with pytest.raises(pki.CertificateError):
        pki.verify_node_certificate(cert, ca.certificate, at=later)


def test_a_node_id_that_cannot_be_a_subject_token_is_refused(tmp_path, ca: pki.CertificateAuthority) -> None:
    for bad in ("cs.131016", "cs 131016", "cs-*", "CS-131016", ""):
        with pytest.raises(pki.CertificateError) as exc:
            ca.issue_node(tmp_path / "x", bad, "cs")
        assert exc.value.code == "NETWORK_NODE_ID_INVALID"


def test_a_role_the_network_does_not_know_is_refused(tmp_path, ca: pki.CertificateAuthority) -> None:
    with pytest.raises(pki.CertificateError) as exc:
        ca.issue_node(tmp_path / "x", "bank-1", "bank")
    assert exc.value.code == "NETWORK_ROLE_INVALID"


# --- envelopes -----------------------------------------------------------------------------

def _sealed(nodes: dict[str, pki.NodeIdentity]) -> env.Envelope:
    return env.build(message_type="identity_update", version=1, sender="municipal-131016", recipient="cs-131016",
                     seq=7, payload=identity_update().model_dump(mode="json"),
                     sign_key=nodes["municipal-131016"].sign_key, seal_to=nodes["cs-131016"].certificate.kex_key)


def test_a_sealed_envelope_opens_only_for_its_recipient(nodes: dict[str, pki.NodeIdentity]) -> None:
    envelope = env.Envelope.from_bytes(_sealed(nodes).to_bytes())
    env.verify(envelope, nodes["municipal-131016"].certificate.sign_key)
    assert env.open_body(envelope, nodes["cs-131016"].kex_key)["family_name"] == "山田"
    assert "山田".encode() not in envelope.to_bytes() and b"12345678901" not in envelope.to_bytes()
    with pytest.raises(env.EnvelopeError) as exc:
        env.open_body(envelope, nodes["pref-13"].kex_key)
    assert exc.value.code == "NETWORK_SEAL_INVALID"


def test_the_header_is_bound_to_the_body(nodes: dict[str, pki.NodeIdentity]) -> None:
    """A changed header breaks the signature; and, re-signed by the sender itself, still does
    not open: the header is the AES-GCM associated data."""
    envelope = _sealed(nodes)
    moved = dataclasses.replace(envelope.header, seq=8)
    with pytest.raises(env.EnvelopeError) as exc:
        env.verify(env.Envelope(moved, envelope.body, envelope.signature), nodes["municipal-131016"].certificate.sign_key)
    assert exc.value.code == "NETWORK_SIGNATURE_INVALID"
    signed_bytes = env._signed_bytes(moved, envelope.body)
    resigned = env.Envelope(moved, envelope.body, nodes["municipal-131016"].sign_key.sign(signed_bytes))
    env.verify(resigned, nodes["municipal-131016"].certificate.sign_key)
    with pytest.raises(env.EnvelopeError):
        env.open_body(resigned, nodes["cs-131016"].kex_key)


def test_a_changed_body_breaks_the_signature(nodes: dict[str, pki.NodeIdentity]) -> None:
    envelope = _sealed(nodes)
    flipped = bytes([envelope.body[0] ^ 1]) + envelope.body[1:]
    with pytest.raises(env.EnvelopeError):
        env.verify(env.Envelope(envelope.header, flipped, envelope.signature), nodes["municipal-131016"].certificate.sign_key)


@pytest.mark.parametrize("data", [b"", b"not json", b"[]", b'{"header": {}}',
                                  b'{"header": {"id": "1"}, "body": "", "sig": ""}'])
def test_a_malformed_envelope_is_refused_with_a_code(data: bytes) -> None:
    with pytest.raises(env.EnvelopeError) as exc:
        env.Envelope.from_bytes(data)
    assert exc.value.code == "NETWORK_ENVELOPE_MALFORMED"


@pytest.mark.parametrize(("item", "value"), [("sender", "x" * 101), ("seq", 0), ("id", "i" * 500)])
def test_an_envelope_with_an_out_of_range_header_item_is_refused(nodes: dict[str, pki.NodeIdentity], item: str,
                                                                 value: object) -> None:
    """Every received header is logged: oversized items are refused before that."""
    raw = json.loads(_sealed(nodes).to_bytes())
    raw["header"][item] = value
    with pytest.raises(env.EnvelopeError) as exc:
        env.Envelope.from_bytes(json.dumps(raw).encode())
    assert exc.value.code == "NETWORK_ENVELOPE_MALFORMED"


def test_an_envelope_with_an_undeclared_header_item_is_refused(nodes: dict[str, pki.NodeIdentity]) -> None:
    raw = json.loads(_sealed(nodes).to_bytes())
    raw["header"]["name"] = "山田"
    with pytest.raises(env.EnvelopeError):
        env.Envelope.from_bytes(json.dumps(raw).encode())


# --- the interface table and the server's permissions --------------------------------------

def test_the_identity_update_chain_runs_up_and_its_result_runs_back_down() -> None:
    """住基法30条の6 (市町村長 → 都道府県知事, via the CS) and 30条の7 (都道府県知事 → 機構)."""
    up = [(r.sender, r.receiver) for r in INTERFACES if r.message_type == "identity_update"]
    down = [(r.sender, r.receiver) for r in INTERFACES if r.message_type == "identity_update_result"]
    assert up == [(Role.MUNICIPAL, Role.CS), (Role.CS, Role.PREFECTURE), (Role.PREFECTURE, Role.NATIONAL)]
    assert down == [(b, a) for a, b in reversed(up)]
    assert all(r.personal for r in INTERFACES)


def test_permissions_are_generated_from_the_table_per_node() -> None:
    t = topology()
    municipal = nats_config.node_permissions(t, "municipal-131016")
    assert municipal["publish"]["allow"] == [
        "juki.identity_update.cs-131016",
        "$JS.API.CONSUMER.MSG.NEXT.JUKI.node-municipal-131016", "$JS.ACK.JUKI.node-municipal-131016.>"]
    assert municipal["subscribe"]["allow"] == ["_INBOX_municipal-131016.>"]
    cs = nats_config.node_permissions(t, "cs-131016")["publish"]["allow"]
    assert [s for s in cs if s.startswith("juki.")] == [
        "juki.identity_update.pref-13", "juki.identity_update_result.municipal-131016",
        "juki.identity_update_result.municipal-131024"]
    national = nats_config.node_permissions(t, "national")["publish"]["allow"]
    assert [s for s in national if s.startswith("juki.")] == ["juki.identity_update_result.pref-13"]


def test_the_server_config_maps_every_certificate_subject_to_its_user(tmp_path) -> None:
    t = topology()
    config = nats_config.server_config(t, port=4222, store_dir=tmp_path, cert_file=tmp_path / "s.crt",
                                       key_file=tmp_path / "s.key", ca_file=tmp_path / "ca.crt")
    assert config["tls"]["verify_and_map"] is True
    users = {u["user"] for u in config["authorization"]["users"]}
    assert users == {f"CN={n},OU={r.value},O=juki-net" for n, r, _ in NODES} | {"CN=network-admin,OU=admin,O=juki-net"}
    assert "store_dir" in config["jetstream"]


def test_links_run_only_between_a_node_and_its_upstream() -> None:
    t = topology()
    assert t.may_send("municipal-131016", "cs-131016", "identity_update") is not None
    assert t.may_send("municipal-131016", "pref-13", "identity_update") is None
    assert t.may_send("municipal-131016", "municipal-131024", "identity_update") is None
    assert t.may_send("cs-131016", "municipal-131016", "identity_update") is None
    assert interfaces.subject("identity_update", "cs-131016") == "juki.identity_update.cs-131016"
