"""The facility kinds, registered in one place: each kind's scenario schema, the class that
simulates it and its fast-path runner (None: it always goes step by step). The language half
(schema class and event estimate) is `sim.language.kinds`, which cannot import the model."""

from __future__ import annotations

from dataclasses import dataclass

from sim.language.kinds import LANGUAGE_KINDS, LanguageKind
from sim.model.facility import Facility
from sim.model.fast import Runner
from sim.model.fast.intervals import IntervalRunner
from sim.model.fast.lots import LotRunner
from sim.model.munitions_factory import MunitionsFactory
from sim.model.shipyard import Shipyard
from sim.model.vehicle_line import VehicleLine


@dataclass(frozen=True)
class Kind:
    """A facility kind: its language half, its model class and its fast-path runner."""

    language: LanguageKind
    model: type[Facility]
    runner: type[Runner] | None


KINDS: dict[str, Kind] = {
    k.model.kind: k
    for k in (
        Kind(LANGUAGE_KINDS["munitions_factory"], MunitionsFactory, LotRunner),
        Kind(LANGUAGE_KINDS["vehicle_line"], VehicleLine, IntervalRunner),
        Kind(LANGUAGE_KINDS["shipyard"], Shipyard, None),
    )
}
assert KINDS.keys() == LANGUAGE_KINDS.keys(), "every kind of the language has a model, and no more"

FACILITY_CLASSES: dict[str, type[Facility]] = {name: k.model for name, k in KINDS.items()}
FAST_RUNNERS: dict[str, type[Runner] | None] = {name: k.runner for name, k in KINDS.items()}
