"""Register models (住民基本台帳のモデル), split by area.

- :mod:`.municipality` — the municipality, districts and the town-block master (町丁字);
- :mod:`.person` — persons (宛名番号), households (世帯番号), number sequences;
- :mod:`.record` — resident record versions (住民票と履歴);
- :mod:`.change` — changes (異動) and the outbox;
- :mod:`.choices` — the code lists.
"""

from .change import Change, ChangeState, OutboxEvent
from .choices import (
    ChangeReason,
    DatePrecision,
    DistrictKind,
    ForeignResidentCategory,
    FuriganaCertification,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidenceCardKind,
    ResidenceStatus,
    ResidentKind,
    Sex,
)
from .issued import IssuedNumber
from .municipality import District, Municipality, TownBlock
from .person import Household, NumberSequence, Person
from .record import ResidentRecord

__all__ = [
    "Change",
    "ChangeState",
    "OutboxEvent",
    "ChangeReason",
    "DatePrecision",
    "District",
    "DistrictKind",
    "ForeignResidentCategory",
    "FuriganaCertification",
    "Household",
    "IssuedNumber",
    "Municipality",
    "NumberSequence",
    "Person",
    "RecordStatus",
    "Relationship",
    "RemovalReason",
    "ResidenceCardKind",
    "ResidenceStatus",
    "ResidentKind",
    "ResidentRecord",
    "Sex",
    "TownBlock",
]
