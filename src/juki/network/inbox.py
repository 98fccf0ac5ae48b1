"""Inbound messages (受信): verify, open, check against the interface table, apply once, in order.

For each delivery of this node's durable consumer, :func:`receive`:

1. parses the envelope; the recipient must be this node and the subject must match;
2. finds the sender in the node directory (a certificate of the network CA) and verifies the
   Ed25519 signature;
3. recognises a message already dealt with (inbox row, or already held): a redelivery is
   acknowledged and not applied again; the same id arriving as a *new* stream message is a
   replay and is refused;
4. checks (type, sender role, own role) against the interface table and the link against the
   topology, the schema version, that personal data came sealed, and the 更新順番号: a number
   at or below the last applied is a replay and is refused;
5. opens (decrypts) the body and validates it against the table's schema;
6. applies it — the handler's effect, the inbox row, the link's sequence and the message log
   entry in **one transaction** — if its number is the next one; a message ahead of a gap is
   **held** (stored still sealed, logged and reported by :func:`gaps`) and applied as soon as
   the missing ones have been; it is never skipped.

:func:`consume` acknowledges a delivery only after :func:`receive` returned, i.e. after the
transaction committed; a handler failure (not a refusal) is negatively acknowledged and
delivered again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Min
from pydantic import ValidationError

from juki.audit.events import EventType, Outcome
from juki.core import clock
from juki.core.errors import JukiError

from . import envelope as env
from .handlers import InboundMessage, handler_for
from .interfaces import subject as subject_for
from .message_log import log_message
from .models import HeldMessage, InboxMessage, LinkSequence
from .node import NodeContext
from .transport import Connection

APPLIED, REFUSED, HELD, DUPLICATE, FAILED = "applied", "refused", "held", "duplicate", "failed"


@dataclass
class Result:
    outcome: str
    code: str = ""
    message_id: str = ""
    #: Held messages applied after this one closed their gap.
    released: list[Result] = field(default_factory=list)


class Refusal(JukiError):
    def __init__(self, code: str, message: str):
        super().__init__(code=code, message=message, status=422)


def _refuse(code: str, message: str) -> Refusal:
    return Refusal(code, message)


def receive(context: NodeContext, data: bytes, *, actor: str, subject: str = "", num_delivered: int = 1) -> Result:
    """Deal with one delivered message (see the module docstring); returns what was done."""
    try:
        envelope = env.Envelope.from_bytes(data)
    except env.EnvelopeError as exc:
        log_message(EventType.MESSAGE_REFUSED, None, actor=actor, outcome=Outcome.DENIED, code=exc.code,
                    subject=subject)
        return Result(REFUSED, exc.code)
    header = envelope.header
    log_message(EventType.MESSAGE_RECEIVED, envelope, actor=actor, subject=subject, delivery=num_delivered)
    try:
        _check_and_verify(context, envelope, subject)
        if InboxMessage.objects.filter(message_id=header.id).exists() or \
                HeldMessage.objects.filter(message_id=header.id).exists():
            if num_delivered > 1:
                log_message(EventType.MESSAGE_DUPLICATE, envelope, actor=actor, delivery=num_delivered)
                return Result(DUPLICATE, message_id=header.id)
            raise _refuse("NETWORK_MESSAGE_REPLAYED", "既に受信した電文が再び送られました（再送攻撃の疑い）。")
        payload = _open(context, envelope)
    except JukiError as exc:
        log_message(EventType.MESSAGE_REFUSED, envelope, actor=actor, outcome=Outcome.DENIED, code=exc.code)
        return Result(REFUSED, exc.code, header.id)
    return _apply_in_order(context, envelope, payload, actor=actor)


def _check_and_verify(context: NodeContext, envelope: env.Envelope, subject: str) -> None:
    header = envelope.header
    if header.recipient != context.node_id or (subject and subject != subject_for(header.type, header.recipient)):
        raise _refuse("NETWORK_WRONG_RECIPIENT", "このノード宛ての電文ではありません。")
    if header.format != env.FORMAT:
        raise _refuse("NETWORK_ENVELOPE_MALFORMED", "電文の形式の版が対応していません。")
    sender = context.directory.get(header.sender)
    if sender is None or header.sender not in context.topology.nodes:
        raise _refuse("NETWORK_SENDER_UNKNOWN", "送信元ノードが登録されていないか、証明書が有効ではありません。")
    env.verify(envelope, sender.sign_key)
    # The role is what the sender's certificate says, not what the envelope claims.
    if context.topology.nodes[header.sender].role != sender.role or \
            context.topology.may_send(header.sender, context.node_id, header.type) is None:
        raise _refuse("NETWORK_INTERFACE_NOT_ALLOWED",
                      f"電文種別「{header.type}」はこの回線（{header.sender} から {context.node_id}）では認められていません。")


def _open(context: NodeContext, envelope: env.Envelope) -> Any:
    header = envelope.header
    row = context.topology.may_send(header.sender, context.node_id, header.type)
    assert row is not None
    if header.version != row.version:
        raise _refuse("NETWORK_SCHEMA_VERSION", f"電文種別「{header.type}」の様式第{header.version}版には対応していません。")
    if row.personal and not header.seal:
        raise _refuse("NETWORK_NOT_SEALED", "個人情報を含む電文が暗号化されていません。")
    last = LinkSequence.objects.filter(link=header.link).values_list("last_applied", flat=True).first() or 0
    if header.seq <= last:
        raise _refuse("NETWORK_SEQUENCE_REPLAYED", f"更新順番号 {header.seq} は適用済みです（最終 {last}）。")
    try:
        return row.schema.model_validate(env.open_body(envelope, context.identity.kex_key))
    except ValidationError:
        raise _refuse("NETWORK_PAYLOAD_INVALID", f"電文種別「{header.type}」の内容が様式に適合しません。") from None


def _apply_in_order(context: NodeContext, envelope: env.Envelope, payload: Any, *, actor: str) -> Result:
    header = envelope.header
    last = LinkSequence.objects.filter(link=header.link).values_list("last_applied", flat=True).first() or 0
    if header.seq > last + 1:
        with transaction.atomic():
            HeldMessage.objects.get_or_create(message_id=header.id, defaults={
                "link": header.link, "sequence": header.seq, "expected": last + 1, "envelope": envelope.to_bytes(),
                "held_at": clock.now()})
            log_message(EventType.MESSAGE_HELD, envelope, actor=actor, outcome=Outcome.DENIED,
                        code="NETWORK_SEQUENCE_GAP", expected=last + 1)
        return Result(HELD, "NETWORK_SEQUENCE_GAP", header.id)
    result = _apply(context, envelope, payload, actor=actor)
    if result.outcome in (APPLIED, REFUSED):
        result.released = _release_held(context, header.link, actor=actor)
    return result


def _apply(context: NodeContext, envelope: env.Envelope, payload: Any, *, actor: str) -> Result:
    header = envelope.header
    handler = handler_for(context.role, header.type)
    now = clock.now()
    try:
        with transaction.atomic():
            counter = _lock_link(header.link)
            if counter.last_applied + 1 != header.seq:
                # Another consumer got there first; the delivery will come again.
                raise RuntimeError("sequence moved")
            if handler is None:
                raise RuntimeError(f"no handler for {header.type}")
            handler(InboundMessage(header, payload), context=context, actor=actor)
            _record(counter, header, InboxMessage.Outcome.APPLIED, "", now)
            HeldMessage.objects.filter(message_id=header.id).delete()
            log_message(EventType.MESSAGE_APPLIED, envelope, actor=actor)
        return Result(APPLIED, message_id=header.id)
    except JukiError as exc:
        # The handler refused: nothing of its effect stays; the refusal is recorded and the
        # link moves on (the refusal is reported to the sender by the node's own logic).
        return _refuse_in_turn(envelope, exc, actor=actor, now=now)
    except Exception as exc:  # noqa: BLE001 - anything else is a failure to retry, not a refusal
        log_message(EventType.MESSAGE_REFUSED, envelope, actor=actor, outcome=Outcome.ERROR,
                    code="NETWORK_APPLY_FAILED", error=type(exc).__name__)
        return Result(FAILED, "NETWORK_APPLY_FAILED", header.id)


def _refuse_in_turn(envelope: env.Envelope, exc: JukiError, *, actor: str, now: Any) -> Result:
    """Refuse a verified message whose turn it is: recorded in the inbox, the sequence moves on."""
    header = envelope.header
    with transaction.atomic():
        counter = _lock_link(header.link)
        _record(counter, header, InboxMessage.Outcome.REFUSED, exc.code, now)
        HeldMessage.objects.filter(message_id=header.id).delete()
        log_message(EventType.MESSAGE_REFUSED, envelope, actor=actor, outcome=Outcome.DENIED, code=exc.code,
                    applied=False)
    return Result(REFUSED, exc.code, header.id)


def _lock_link(link: str) -> LinkSequence:
    LinkSequence.objects.get_or_create(link=link)
    return LinkSequence.objects.select_for_update().get(link=link)


def _record(counter: LinkSequence, header: env.Header, outcome: str, code: str, now: Any) -> None:
    InboxMessage.objects.create(message_id=header.id, link=header.link, sequence=header.seq, message_type=header.type,
                                sender=header.sender, outcome=outcome, code=code, received_at=now,
                                applied_at=now if outcome == InboxMessage.Outcome.APPLIED else None)
    counter.last_applied = header.seq
    counter.save(update_fields=["last_applied"])


def _release_held(context: NodeContext, link: str, *, actor: str) -> list[Result]:
    """Apply held messages of ``link`` whose turn has come, in sequence order."""
    released: list[Result] = []
    while True:
        last = LinkSequence.objects.filter(link=link).values_list("last_applied", flat=True).first() or 0
        held = HeldMessage.objects.filter(link=link, sequence=last + 1).first()
        if held is None:
            return released
        envelope = env.Envelope.from_bytes(bytes(held.envelope))
        try:
            payload = _open(context, envelope)
        except JukiError as exc:  # it was checked when held; refuse it in turn rather than block the link
            released.append(_refuse_in_turn(envelope, exc, actor=actor, now=clock.now()))
            continue
        result = _apply(context, envelope, payload, actor=actor)
        released.append(result)
        if result.outcome == FAILED:
            return released


def consume(context: NodeContext, connection: Connection, *, actor: str, batch: int = 10,
            timeout: float = 1.0) -> list[Result]:
    """Fetch and deal with up to ``batch`` deliveries; ack each after its transaction committed
    (nak a failure, so it comes again)."""
    results = []
    for delivery in connection.fetch(batch, timeout):
        result = receive(context, delivery.data, actor=actor, subject=delivery.subject,
                         num_delivered=delivery.num_delivered)
        if result.outcome == FAILED:
            delivery.nak()
        else:
            delivery.ack()
        results.append(result)
    return results


@dataclass(frozen=True)
class Gap:
    """A link waiting for a missing message (欠落): what it waits for and what it holds."""

    link: str
    expected: int
    held: int
    first_held: int


def gaps(context: NodeContext) -> list[Gap]:
    """The gaps of this node's incoming links, for the operator (reported, never skipped)."""
    rows = (HeldMessage.objects.filter(link__endswith=f">{context.node_id}").values("link")
            .annotate(first=Min("sequence")).order_by("link"))
    out = []
    for row in rows:
        last = LinkSequence.objects.filter(link=row["link"]).values_list("last_applied", flat=True).first() or 0
        out.append(Gap(row["link"], last + 1, HeldMessage.objects.filter(link=row["link"]).count(), row["first"]))
    return out
