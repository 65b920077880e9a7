"""The facility kinds' language half, registered in one place: each kind's schema class (the
model half, with its simulating class and fast-path runner, is `sim.model.kinds`)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.language.schema import FACILITY_KINDS, FacilityBase, MunitionsFactory, Shipyard, VehicleLine


@dataclass(frozen=True)
class LanguageKind:
    """A facility kind as the scenario language knows it."""

    name: str
    schema: type[FacilityBase]


LANGUAGE_KINDS: dict[str, LanguageKind] = {
    k.name: k
    for k in (
        LanguageKind("munitions_factory", MunitionsFactory),
        LanguageKind("vehicle_line", VehicleLine),
        LanguageKind("shipyard", Shipyard),
    )
}
assert tuple(LANGUAGE_KINDS) == FACILITY_KINDS, "the schema's kinds are the registered kinds"
