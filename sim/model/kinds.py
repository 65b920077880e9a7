"""Which class simulates each facility kind (one kind per module)."""

from __future__ import annotations

from sim.model.facility import Facility
from sim.model.munitions_factory import MunitionsFactory
from sim.model.shipyard import Shipyard
from sim.model.vehicle_line import VehicleLine

FACILITY_CLASSES: dict[str, type[Facility]] = {
    MunitionsFactory.kind: MunitionsFactory,
    VehicleLine.kind: VehicleLine,
    Shipyard.kind: Shipyard,
}
