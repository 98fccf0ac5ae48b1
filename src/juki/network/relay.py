"""Outbound relay (送信): outbox rows → signed, sealed envelopes → JetStream.

Two steps, each safe to repeat:

1. :func:`enqueue` (and :func:`stage_register_events` for the register's outbox) builds the
   envelope once — next 更新順番号 of the link, signature, sealing — and stores it as an
   :class:`~juki.network.models.OutboxPublication`, in one transaction with the sequence
   counter. A register outbox row gets at most one publication (a one-to-one key).
2. :func:`publish_pending` stores each unpublished envelope in the stream with its message id
   as ``Nats-Msg-Id``, then marks it published and logs it. A crash between the two repeats
   the publish with the same bytes and id; JetStream drops the duplicate (duplicate window)
   and the receiver's inbox would recognise it anyway.
"""

from __future__ import annotations

from django.db import transaction
from pydantic import BaseModel

from juki.audit.events import EventType, Outcome
from juki.core import clock
from juki.core.errors import JukiError
from juki.register.events import EventSchemaError, parse_event
from juki.register.models.change import OutboxEvent

from . import envelope as env
from .interfaces import link_name, subject
from .message_log import log_message
from .models import LinkSequence, OutboxPublication
from .node import NodeContext
from .transport import Connection


class InterfaceRefused(JukiError):
    """A message the interface table does not allow on this link."""

    def __init__(self, message_type: str, sender: str, recipient: str):
        super().__init__(code="NETWORK_INTERFACE_NOT_ALLOWED", status=403,
                         message=f"電文種別「{message_type}」を {sender} から {recipient} へ送ることは認められていません。")


def enqueue(context: NodeContext, *, message_type: str, recipient: str, payload: BaseModel,
            outbox_event: OutboxEvent | None = None, actor: str) -> OutboxPublication:
    """Queue one message to ``recipient``: checked against the interface table, numbered,
    signed and (personal data) sealed to the recipient, stored for publishing."""
    row = context.topology.may_send(context.node_id, recipient, message_type)
    if row is None:
        raise InterfaceRefused(message_type, context.node_id, recipient)
    if not isinstance(payload, row.schema):
        raise JukiError(code="NETWORK_PAYLOAD_INVALID", status=422,
                        message=f"電文種別「{message_type}」の内容が様式に適合しません。")
    peer = context.directory.get(recipient)
    if peer is None:
        raise JukiError(code="NETWORK_RECIPIENT_UNKNOWN", status=422,
                        message=f"宛先ノード {recipient} の有効な証明書がありません。")
    link = link_name(context.node_id, recipient)
    with transaction.atomic():
        LinkSequence.objects.get_or_create(link=link)
        counter = LinkSequence.objects.select_for_update().get(link=link)
        counter.last_sent += 1
        counter.save(update_fields=["last_sent"])
        now = clock.now()
        envelope = env.build(message_type=message_type, version=row.version, sender=context.node_id,
                             recipient=recipient, seq=counter.last_sent, payload=payload.model_dump(mode="json"),
                             sign_key=context.identity.sign_key, seal_to=peer.kex_key if row.personal else None,
                             created_at=now)
        return OutboxPublication.objects.create(
            message_id=envelope.header.id, link=link, sequence=counter.last_sent, message_type=message_type,
            recipient=recipient, outbox_event=outbox_event, envelope=envelope.to_bytes(), created_at=now)


def stage_register_events(context: NodeContext, *, actor: str, limit: int = 500) -> int:
    """Queue the register's outbox rows that travel on the network (their kind is a message
    type this node may send to a neighbour), oldest first — the order they were confirmed —
    so the link's sequence follows confirmation order. Returns how many were queued."""
    routes = {message_type: recipient for message_type, recipient in context.topology.sendable(context.node_id)}
    rows = (OutboxEvent.objects.filter(kind__in=list(routes), publication__isnull=True, sent_at__isnull=True)
            .order_by("id")[:limit])
    queued = 0
    for row in rows:
        try:
            event = parse_event(row)
        except EventSchemaError as exc:
            # A row of no known schema cannot be sent; it stays for an operator (juki outbox list).
            log_message(EventType.MESSAGE_REFUSED, None, actor=actor, outcome=Outcome.DENIED,
                        targets=(row.person_id,) if row.person_id is not None else (), code=exc.code, outbox_event=row.pk)
            continue
        enqueue(context, message_type=row.kind, recipient=routes[row.kind], payload=event, outbox_event=row,
                actor=actor)
        queued += 1
    return queued


def publish_pending(context: NodeContext, connection: Connection, *, actor: str, batch: int = 100) -> int:
    """Store unpublished envelopes of this node in the stream, in order; returns how many."""
    # No join on the register's outbox: a node of another role has no register tables.
    pending = list(OutboxPublication.objects.filter(published_at__isnull=True, link__startswith=f"{context.node_id}>")
                   .order_by("id")[:batch])
    for publication in pending:
        data = bytes(publication.envelope)
        ack = connection.publish(subject(publication.message_type, publication.recipient), data,
                                 msg_id=publication.message_id)
        with transaction.atomic():
            now = clock.now()
            publication.published_at, publication.stream_sequence = now, ack.seq
            publication.save(update_fields=["published_at", "stream_sequence"])
            targets: tuple[int, ...] = ()
            if publication.outbox_event is not None:
                OutboxEvent.objects.filter(pk=publication.outbox_event.pk).update(sent_at=now)
                if publication.outbox_event.person_id is not None:
                    targets = (publication.outbox_event.person_id,)
            log_message(EventType.MESSAGE_SENT, env.Envelope.from_bytes(data), actor=actor, targets=targets,
                        stream_sequence=ack.seq, duplicate=bool(ack.duplicate))
    return len(pending)
