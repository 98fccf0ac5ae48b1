"""Messages between nodes over a real nats-server: exactly-once effect, ordering, refusals,
mutual TLS, server-side permissions, persistence (docs/network.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.network import envelope as env
from juki.network import handlers, inbox, pki, relay
from juki.network.interfaces import Role, subject
from juki.network.models import HeldMessage, InboxMessage, LinkSequence, OutboxPublication
from juki.network.transport import Connection, TransportError

from .conftest import Net, applied, identity_update

M, CS = "municipal-131016", "cs-131016"


def send(network: Net, *payloads, sender: str = M, recipient: str = CS, message_type: str = "identity_update",
         publish: bool = True) -> list[OutboxPublication]:
    ctx = network.contexts[sender]
    pubs = [relay.enqueue(ctx, message_type=message_type, recipient=recipient, payload=p, actor=ctx.actor)
            for p in payloads]
    if publish:
        relay.publish_pending(ctx, network.connection(sender), actor=ctx.actor)
    return [OutboxPublication.objects.get(pk=p.pk) for p in pubs]


def drain(network: Net, node: str = CS, rounds: int = 3) -> list[inbox.Result]:
    """Consume until a fetch comes back empty."""
    ctx, results = network.contexts[node], []
    for _ in range(rounds):
        got = inbox.consume(ctx, network.connection(node), actor=ctx.actor, batch=20, timeout=0.5)
        if not got:
            break
        results += got
    return results


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("seq"))


def test_an_identity_update_travels_sealed_signed_and_is_applied_once(network: Net) -> None:
    """住基法30条の6: the municipality notifies 本人確認情報 via its CS. The CS applies it once,
    records it in its inbox with the link's 更新順番号, and both ends log it."""
    [pub] = send(network, identity_update())
    assert pub.sequence == 1 and pub.published_at is not None

    [result] = drain(network)

    assert result.outcome == inbox.APPLIED
    assert applied("identity_update") == [f"applied:identity_update:{M}>{CS}:1"]
    row = InboxMessage.objects.get(message_id=pub.message_id)
    assert (row.link, row.sequence, row.outcome, row.sender) == (f"{M}>{CS}", 1, "applied", M)
    assert LinkSequence.objects.get(link=f"{M}>{CS}").last_applied == 1
    assert network.stream_messages() == 0  # work queue: acknowledged, so gone from the store
    sent, received, done = events(EventType.MESSAGE_SENT), events(EventType.MESSAGE_RECEIVED), events(EventType.MESSAGE_APPLIED)
    assert len(sent) == len(received) == len(done) == 1
    header = done[0].detail["header"]
    assert header["id"] == pub.message_id and header["seq"] == 1 and header["seal"]["alg"] == env.SEAL_ALG
    assert done[0].detail["signature_sha256"] == env.Envelope.from_bytes(bytes(pub.envelope)).signature_digest
    # The message log never holds the personal data it carried.
    for event in (*sent, *received, *done):
        text = json.dumps(event.detail, ensure_ascii=False)
        assert "山田" not in text and "千代田" not in text and "12345678901" not in text


def test_the_register_outbox_is_relayed_in_confirmation_order_and_marked_sent(network: Net) -> None:
    from juki.register.events import to_payload
    from juki.register.models import Change, OutboxEvent

    now = timezone.now()
    change = Change.objects.create(kind="birth", reason="birth", effective_on=dt.date(2026, 4, 1), entered_by="clerk01",
                                   entered_at=now)
    rows = [OutboxEvent.objects.create(kind=OutboxEvent.Kind.IDENTITY_UPDATE, schema_version=1, change=change,
                                       person_id=i, payload=to_payload(identity_update(given_name=name)), created_at=now)
            for i, name in enumerate(["一郎", "二郎", "三郎"], start=1)]
    OutboxEvent.objects.create(kind=OutboxEvent.Kind.INTRA_OFFICE, schema_version=1, change=change, person_id=1,
                               payload={}, created_at=now)  # not a network message
    ctx = network.contexts[M]

    assert relay.stage_register_events(ctx, actor=ctx.actor) == 3
    assert relay.stage_register_events(ctx, actor=ctx.actor) == 0  # one publication per row
    assert relay.publish_pending(ctx, network.connection(M), actor=ctx.actor) == 3

    pubs = list(OutboxPublication.objects.order_by("sequence"))
    assert [p.outbox_event_id for p in pubs] == [r.pk for r in rows]
    assert [p.sequence for p in pubs] == [1, 2, 3]
    assert all(r.sent_at is not None for r in OutboxEvent.objects.filter(pk__in=[r.pk for r in rows]))
    assert [e.targets for e in events(EventType.MESSAGE_SENT)] == [["0000000001"], ["0000000002"], ["0000000003"]]
    assert [r.outcome for r in drain(network)] == [inbox.APPLIED] * 3
    assert applied() == [f"applied:identity_update:{M}>{CS}:{n}" for n in (1, 2, 3)]


def test_the_stream_store_holds_no_personal_data_in_clear(network: Net) -> None:
    """The messaging server stores ciphertext only: scan its JetStream files for the values."""
    secret_mn = "c2VhbGVkLW15LW51bWJlci1jaXBoZXJ0ZXh0"
    [pub] = send(network, identity_update(family_name="鈴木", given_name="一太郎", address="東京都港区芝公園四丁目2番8号",
                                          resident_code="98765432109", my_number_enc=secret_mn))
    store = b"".join(p.read_bytes() for p in network.server.store_dir.rglob("*") if p.is_file())
    assert pub.message_id.encode() in store  # the scan sees what the stream stored
    for value in ("鈴木", "一太郎", "東京都港区芝公園", "98765432109", secret_mn, "ヤマダ"):
        assert value.encode("utf-8") not in store, value
    drain(network)


def test_a_message_published_twice_is_stored_once_and_applied_once(network: Net) -> None:
    """Exactly-once effect, first half: JetStream drops a second publish with the same
    Nats-Msg-Id (a relay that crashed before recording its publication publishes again)."""
    [pub] = send(network, identity_update())
    again = network.connection(M).publish(subject("identity_update", CS), bytes(pub.envelope), msg_id=pub.message_id)
    assert again.duplicate is True
    assert network.stream_messages() == 1
    assert [r.outcome for r in drain(network)] == [inbox.APPLIED]
    assert len(applied()) == 1


def test_a_message_redelivered_after_commit_is_recognised_and_not_applied_again(network: Net) -> None:
    """Exactly-once effect, second half: the consumer applied and committed but the ack was
    lost (here: a negative ack); JetStream delivers again and the inbox recognises it."""
    send(network, identity_update())
    ctx, conn = network.contexts[CS], network.connection(CS)
    [delivery] = conn.fetch(1, 1.0)
    first = inbox.receive(ctx, delivery.data, actor=ctx.actor, subject=delivery.subject,
                          num_delivered=delivery.num_delivered)
    delivery.nak()  # as if the process died between commit and ack

    [redelivered] = conn.fetch(1, 2.0)
    second = inbox.receive(ctx, redelivered.data, actor=ctx.actor, subject=redelivered.subject,
                           num_delivered=redelivered.num_delivered)
    redelivered.ack()

    assert (first.outcome, redelivered.num_delivered, second.outcome) == (inbox.APPLIED, 2, inbox.DUPLICATE)
    assert len(applied()) == 1 and InboxMessage.objects.count() == 1
    assert len(events(EventType.MESSAGE_DUPLICATE)) == 1


def test_a_failing_handler_changes_nothing_and_the_message_comes_again(network: Net) -> None:
    """The effect and the inbox row are one transaction: a crash in the handler leaves
    neither, the delivery is not acknowledged, and the next attempt applies it once."""
    calls = []

    def flaky(message, *, context, actor):
        from django.contrib.auth.models import Group

        Group.objects.create(name=f"applied:flaky:{message.header.seq}")
        calls.append(message.header.seq)
        if len(calls) == 1:
            raise RuntimeError("disk full")

    handlers.register(Role.CS, "identity_update")(flaky)
    send(network, identity_update())

    first = drain(network, rounds=1)
    assert [r.outcome for r in first] == [inbox.FAILED]
    assert applied() == [] and InboxMessage.objects.count() == 0

    assert [r.outcome for r in drain(network)] == [inbox.APPLIED]
    assert applied() == ["applied:flaky:1"] and calls == [1, 1]


def test_a_gap_is_held_and_reported_and_the_link_resumes_in_order(network: Net) -> None:
    """更新順番号: messages are applied in the order they were confirmed. seq 3 arriving before seq 2
    is held (not applied, not skipped), reported, and applied right after seq 2."""
    pubs = send(network, identity_update(given_name="一"), identity_update(given_name="二"),
                identity_update(given_name="三"), publish=False)
    conn = network.connection(M)
    for pub in (pubs[0], pubs[2]):
        conn.publish(subject("identity_update", CS), bytes(pub.envelope), msg_id=pub.message_id)

    assert [r.outcome for r in drain(network)] == [inbox.APPLIED, inbox.HELD]
    assert applied() == [f"applied:identity_update:{M}>{CS}:1"]
    [gap] = inbox.gaps(network.contexts[CS])
    assert (gap.link, gap.expected, gap.held, gap.first_held) == (f"{M}>{CS}", 2, 1, 3)
    [held] = events(EventType.MESSAGE_HELD)
    assert held.detail["expected"] == 2 and held.detail["header"]["seq"] == 3

    relay.publish_pending(network.contexts[M], conn, actor="node:" + M)  # seq 2 arrives (and seq 1, seq 3 again)
    results = drain(network)

    assert applied() == [f"applied:identity_update:{M}>{CS}:{n}" for n in (1, 2, 3)]
    assert [r.outcome for r in results if r.outcome == inbox.APPLIED] == [inbox.APPLIED]
    assert [r.outcome for r in results[0].released] == [inbox.APPLIED]
    assert inbox.gaps(network.contexts[CS]) == [] and HeldMessage.objects.count() == 0


def _publish_raw(network: Net, envelope: env.Envelope, msg_id: str | None = None) -> None:
    """The administrator can put anything in the stream: it stands for a compromised or
    misconfigured path that bypasses the server's permissions."""
    network.admin.publish(subject(envelope.header.type, envelope.header.recipient), envelope.to_bytes(),
                          msg_id=msg_id or envelope.header.id)


def _envelope(network: Net, *, sender: str = M, recipient: str = CS, message_type: str = "identity_update",
              seq: int = 1, sign_key=None, payload=None) -> env.Envelope:
    ctx = network.contexts[sender]
    peer = network.contexts[recipient].identity.certificate
    return env.build(message_type=message_type, version=1, sender=sender, recipient=recipient, seq=seq,
                     payload=(payload or identity_update()).model_dump(mode="json"),
                     sign_key=sign_key or ctx.identity.sign_key, seal_to=peer.kex_key)


def _refused(network: Net, code: str) -> None:
    [result] = drain(network)
    assert (result.outcome, result.code) == (inbox.REFUSED, code)
    assert applied() == [] and InboxMessage.objects.count() == 0
    [logged] = events(EventType.MESSAGE_REFUSED)
    assert logged.detail["code"] == code and logged.outcome == "denied"


def test_a_bad_signature_is_refused_logged_and_not_applied(network: Net) -> None:
    good = _envelope(network)
    forged = dataclasses.replace(good, signature=bytes(64))
    _publish_raw(network, forged)
    _refused(network, "NETWORK_SIGNATURE_INVALID")


def test_a_message_signed_by_another_key_is_refused(network: Net) -> None:
    """Signed with a key that is not the claimed sender's (e.g. another node's)."""
    _publish_raw(network, _envelope(network, sign_key=network.contexts["pref-13"].identity.sign_key))
    _refused(network, "NETWORK_SIGNATURE_INVALID")


def test_an_unknown_sender_is_refused(network: Net, tmp_path) -> None:
    """A node certified by another CA is not in the directory: its messages are refused."""
    rogue_ca = pki.CertificateAuthority.create(tmp_path / "rogue-ca")
    rogue = rogue_ca.issue_node(tmp_path / "rogue", "municipal-999999", "municipal")
    peer = network.contexts[CS].identity.certificate
    envelope = env.build(message_type="identity_update", version=1, sender="municipal-999999", recipient=CS, seq=1,
                         payload=identity_update().model_dump(mode="json"), sign_key=rogue.sign_key,
                         seal_to=peer.kex_key)
    _publish_raw(network, envelope)
    _refused(network, "NETWORK_SENDER_UNKNOWN")


def test_a_type_not_in_the_interface_table_for_the_link_is_refused(network: Net) -> None:
    """A municipality may not send a 更新結果 to its CS (only the CS sends it down), even when
    correctly signed."""
    from juki.network.schemas import IdentityUpdateResult

    result = IdentityUpdateResult(update_id="x", resident_code="12345678901", result="accepted")
    _publish_raw(network, _envelope(network, message_type="identity_update_result", payload=result))
    _refused(network, "NETWORK_INTERFACE_NOT_ALLOWED")


def test_a_message_for_another_node_is_refused(network: Net) -> None:
    envelope = _envelope(network)
    other = dataclasses.replace(envelope.header, recipient="cs-999999")
    network.admin.publish(subject("identity_update", CS), env.Envelope(other, envelope.body, envelope.signature).to_bytes(),
                          msg_id="wrong-recipient")
    _refused(network, "NETWORK_WRONG_RECIPIENT")


def test_a_replayed_old_message_is_refused(network: Net) -> None:
    """The same signed bytes put in the stream again later (after the deduplication window,
    under another stream id) are recognised by the inbox and refused as a replay."""
    [pub] = send(network, identity_update())
    assert [r.outcome for r in drain(network)] == [inbox.APPLIED]
    network.admin.publish(subject("identity_update", CS), bytes(pub.envelope), msg_id="replay-" + pub.message_id)

    [result] = drain(network)
    assert (result.outcome, result.code) == (inbox.REFUSED, "NETWORK_MESSAGE_REPLAYED")
    assert len(applied()) == 1


def test_an_old_sequence_number_under_a_new_id_is_refused(network: Net) -> None:
    send(network, identity_update())
    drain(network)
    _publish_raw(network, _envelope(network, seq=1))  # freshly signed, new id, old 更新順番号
    [result] = drain(network)
    assert (result.outcome, result.code) == (inbox.REFUSED, "NETWORK_SEQUENCE_REPLAYED")
    assert len(applied()) == 1


def test_personal_data_sent_unsealed_is_refused(network: Net) -> None:
    ctx = network.contexts[M]
    plain = env.build(message_type="identity_update", version=1, sender=M, recipient=CS, seq=1,
                      payload=identity_update().model_dump(mode="json"), sign_key=ctx.identity.sign_key, seal_to=None)
    _publish_raw(network, plain)
    _refused(network, "NETWORK_NOT_SEALED")


def test_a_payload_not_matching_the_schema_is_refused(network: Net) -> None:
    ctx = network.contexts[M]
    peer = network.contexts[CS].identity.certificate
    bad = env.build(message_type="identity_update", version=1, sender=M, recipient=CS, seq=1,
                    payload={"family_name": "山田"}, sign_key=ctx.identity.sign_key, seal_to=peer.kex_key)
    _publish_raw(network, bad)
    _refused(network, "NETWORK_PAYLOAD_INVALID")


def test_enqueue_refuses_a_message_the_table_does_not_allow(network: Net) -> None:
    from juki.network.schemas import IdentityUpdateResult

    ctx = network.contexts[M]
    with pytest.raises(relay.InterfaceRefused) as exc:
        relay.enqueue(ctx, message_type="identity_update", recipient="pref-13", payload=identity_update(),
                      actor=ctx.actor)  # not linked: the municipality sends only to its CS
    assert exc.value.code == "NETWORK_INTERFACE_NOT_ALLOWED"
    with pytest.raises(relay.InterfaceRefused):
        relay.enqueue(ctx, message_type="identity_update_result", recipient=CS, actor=ctx.actor,
                      payload=IdentityUpdateResult(update_id="x", resident_code="1", result="accepted"))
    assert OutboxPublication.objects.count() == 0


def test_the_server_refuses_a_publish_the_node_may_not_send(network: Net) -> None:
    """Permissions generated from the interface table: the server itself drops the message."""
    conn = network.connection(M)
    forbidden = subject("identity_update_result", CS)
    conn.raw_publish(forbidden, b"anything")
    with Connection(network.server.url, network.dir(M), M, timeout=1).connect(reconnect=False) as other, \
            pytest.raises(TransportError):
        other.publish(subject("identity_update", "pref-13"), b"x", msg_id="never")  # not linked
    deadline = time.monotonic() + 3
    while not any(forbidden in e for e in conn.errors) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any("permissions violation" in e.lower() and forbidden in e for e in conn.errors)
    assert network.stream_messages() == 0


def test_a_node_cannot_read_another_nodes_messages(network: Net) -> None:
    """The municipality may not pull from the CS's consumer: the server refuses the pull and
    the subscription, nothing is delivered, and the CS still gets its message."""
    send(network, identity_update())
    thief = Connection(network.server.url, network.dir(M), CS, timeout=1).connect(reconnect=False)
    try:
        assert thief.fetch(1, 0.5) == []
        assert any("permissions violation" in e.lower() for e in thief.errors)
    finally:
        thief.close()
    assert [r.outcome for r in drain(network)] == [inbox.APPLIED]


def test_a_node_without_a_certificate_is_refused(network: Net, tmp_path) -> None:
    (tmp_path / "ca.crt").write_bytes((network.dir(M) / "ca.crt").read_bytes())  # trusts the server, no own cert
    with pytest.raises(TransportError) as exc:
        Connection(network.server.url, tmp_path, "nobody", timeout=1).connect(reconnect=False)
    assert exc.value.code == "NETWORK_CONNECT_FAILED"


def test_a_node_with_a_certificate_of_another_ca_is_refused(network: Net, tmp_path) -> None:
    rogue_ca = pki.CertificateAuthority.create(tmp_path / "rogue-ca")
    rogue_ca.issue_node(tmp_path / "rogue", CS, "cs")  # claims to be the CS
    (tmp_path / "rogue" / "ca.crt").write_bytes((network.dir(M) / "ca.crt").read_bytes())
    with pytest.raises(TransportError):
        Connection(network.server.url, tmp_path / "rogue", CS, timeout=1).connect(reconnect=False)


def test_a_restarted_server_loses_no_stored_message(network: Net) -> None:
    """File storage: messages stored before a restart are delivered after it."""
    send(network, identity_update(given_name="一"), identity_update(given_name="二"))
    network.server.restart()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if network.stream_messages() == 2:
                break
        except Exception:  # noqa: S110 - reconnecting
            pass
        time.sleep(0.2)
    results = []
    while time.monotonic() < deadline and len(results) < 2:
        try:
            results += drain(network)
        except Exception:  # noqa: S110 - reconnecting
            time.sleep(0.2)
    assert [r.outcome for r in results] == [inbox.APPLIED, inbox.APPLIED]
    assert applied() == [f"applied:identity_update:{M}>{CS}:{n}" for n in (1, 2)]


def test_the_message_log_is_part_of_the_verified_audit_chain(network: Net) -> None:
    from juki.audit.verify import verify

    send(network, identity_update())
    drain(network)
    report = verify()
    assert report.ok, report
    assert db_connection.vendor in ("sqlite", "postgresql")


def test_the_identity_update_chain_runs_up_to_the_national_server_and_the_result_back_down(network: Net) -> None:
    """住基法30条の6・30条の7: municipal → CS → prefecture → national, and the result back down
    national → prefecture → CS → municipal. Each hop's handler queues the next message in its
    own applying transaction; every hop is allowed by the generated server permissions."""
    from juki.network.schemas import IdentityUpdateResult

    chain = ["municipal-131016", CS, "pref-13", "national"]

    def forward_up(message, *, context, actor):
        upstream = context.topology.nodes[context.node_id].parent
        relay.enqueue(context, message_type="identity_update", recipient=upstream, payload=message.payload, actor=actor)

    def answer(message, *, context, actor):
        relay.enqueue(context, message_type="identity_update_result", recipient=message.header.sender, actor=actor,
                      payload=IdentityUpdateResult(update_id=message.header.id, resident_code=message.payload.resident_code,
                                                   result="accepted"))

    def forward_down(message, *, context, actor):
        # The result goes back to whoever sent this node the update it answers.
        update = InboxMessage.objects.filter(message_type="identity_update", link__endswith=f">{context.node_id}").first()
        relay.enqueue(context, message_type="identity_update_result", recipient=update.sender, payload=message.payload,
                      actor=actor)

    def record_result(message, *, context, actor):
        from django.contrib.auth.models import Group

        Group.objects.create(name=f"applied:result:{message.payload.result}:{message.payload.resident_code}")

    handlers.register(Role.CS, "identity_update")(forward_up)
    handlers.register(Role.PREFECTURE, "identity_update")(forward_up)
    handlers.register(Role.NATIONAL, "identity_update")(answer)
    handlers.register(Role.PREFECTURE, "identity_update_result")(forward_down)
    handlers.register(Role.CS, "identity_update_result")(forward_down)
    handlers.register(Role.MUNICIPAL, "identity_update_result")(record_result)
    try:
        send(network, identity_update(resident_code="12345678901"))
        hops = chain[1:] + list(reversed(chain[:-1]))
        for node in hops:
            assert [r.outcome for r in drain(network, node)] == [inbox.APPLIED], node
            ctx = network.contexts[node]
            relay.publish_pending(ctx, network.connection(node), actor=ctx.actor)
    finally:
        for role, message_type in ((Role.NATIONAL, "identity_update"), (Role.PREFECTURE, "identity_update_result"),
                                   (Role.CS, "identity_update_result")):
            handlers.unregister(role, message_type)

    assert applied("result") == ["applied:result:accepted:12345678901"]
    links = list(InboxMessage.objects.order_by("id").values_list("link", flat=True))
    assert links == [f"{M}>{CS}", f"{CS}>pref-13", "pref-13>national", "national>pref-13", f"pref-13>{CS}", f"{CS}>{M}"]


def test_a_publication_is_purged_with_its_provision_record(network: Net) -> None:
    """提供記録 are kept 7 years (JUKI_PROVISION_RETENTION_YEARS); the envelope built from an
    outbox row is part of that record and goes with it, not blocking the purge."""
    from juki.core.actor import Actor
    from juki.register import provision_records
    from juki.register.events import to_payload
    from juki.register.models import Change, OutboxEvent

    long_ago = timezone.now() - dt.timedelta(days=365 * 8 + 2)
    change = Change.objects.create(kind="birth", reason="birth", effective_on=dt.date(2018, 4, 1), entered_by="clerk01",
                                   entered_at=long_ago)
    row = OutboxEvent.objects.create(kind=OutboxEvent.Kind.IDENTITY_UPDATE, schema_version=1, change=change, person_id=1,
                                     payload=to_payload(identity_update()), created_at=long_ago)
    ctx = network.contexts[M]
    assert relay.stage_register_events(ctx, actor=ctx.actor) == 1
    OutboxEvent.objects.filter(pk=row.pk).update(sent_at=long_ago)

    result = provision_records.do_purge_provision_records(before=(timezone.now() - dt.timedelta(days=365 * 7 + 3)).date(),
                                                       actor=Actor.system("tests"))

    assert result.purged == 1
    assert not OutboxPublication.objects.exists()


def test_a_held_message_that_no_longer_opens_is_refused_in_turn_and_does_not_block_the_link(
        network: Net, monkeypatch: pytest.MonkeyPatch) -> None:
    """A held message is checked when it arrives; should it fail when its turn comes (e.g. its
    schema version was withdrawn meanwhile), it is refused and recorded, and the link goes on."""
    pubs = send(network, identity_update(), identity_update(), identity_update(), identity_update(), publish=False)
    conn = network.connection(M)
    for pub in (pubs[0], pubs[2], pubs[3]):
        conn.publish(subject("identity_update", CS), bytes(pub.envelope), msg_id=pub.message_id)
    assert [r.outcome for r in drain(network)] == [inbox.APPLIED, inbox.HELD, inbox.HELD]

    real_open = inbox._open

    def withdrawn(context, envelope):
        if envelope.header.seq == 3:
            raise inbox.Refusal("NETWORK_SCHEMA_VERSION", "withdrawn")
        return real_open(context, envelope)

    monkeypatch.setattr(inbox, "_open", withdrawn)
    conn.publish(subject("identity_update", CS), bytes(pubs[1].envelope), msg_id=pubs[1].message_id)
    [result] = drain(network)

    assert result.outcome == inbox.APPLIED
    assert [(r.outcome, r.code) for r in result.released] == [
        (inbox.REFUSED, "NETWORK_SCHEMA_VERSION"), (inbox.APPLIED, "")]
    assert applied() == [f"applied:identity_update:{M}>{CS}:{n}" for n in (1, 2, 4)]
    assert LinkSequence.objects.get(link=f"{M}>{CS}").last_applied == 4
    assert InboxMessage.objects.get(sequence=3).outcome == "refused" and inbox.gaps(network.contexts[CS]) == []


def test_an_outbox_row_of_no_known_schema_is_not_sent_and_is_reported(network: Net) -> None:
    """A row written before events were typed (schema version 0) cannot be checked against
    the table's schema: it stays in the outbox for an operator, is logged, and does not hold
    up the rows after it."""
    from juki.register.events import to_payload
    from juki.register.models import Change, OutboxEvent

    now = timezone.now()
    change = Change.objects.create(kind="birth", reason="birth", effective_on=dt.date(2026, 4, 1), entered_by="clerk01",
                                   entered_at=now)
    legacy = OutboxEvent.objects.create(kind=OutboxEvent.Kind.IDENTITY_UPDATE, schema_version=0, change=change,
                                        person_id=7, payload={"name": "山田"}, created_at=now)
    typed = OutboxEvent.objects.create(kind=OutboxEvent.Kind.IDENTITY_UPDATE, schema_version=1, change=change,
                                       person_id=8, payload=to_payload(identity_update()), created_at=now)
    ctx = network.contexts[M]

    assert relay.stage_register_events(ctx, actor=ctx.actor) == 1

    assert list(OutboxPublication.objects.values_list("outbox_event_id", flat=True)) == [typed.pk]
    [refused] = events(EventType.MESSAGE_REFUSED)
    assert refused.detail["code"] == "OUTBOX_EVENT_UNKNOWN_SCHEMA" and refused.targets == ["0000000007"]
    assert "山田" not in json.dumps(refused.detail, ensure_ascii=False)
    legacy.refresh_from_db()
    assert legacy.sent_at is None
