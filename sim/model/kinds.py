"""Which class simulates each facility kind (one kind per module)."""

from __future__ import annotations

from sim.model.facility import Facility
from sim.model.munitions_factory import MunitionsFactory

FACILITY_CLASSES: dict[str, type[Facility]] = {
    MunitionsFactory.kind: MunitionsFactory,
}
