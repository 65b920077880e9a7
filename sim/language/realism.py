"""Plan realism in effect: the shipped calibrated priors and which level's value holds.

`realism: none` (the default) takes plans at their word; `realism: calibrated` applies the
priors shipped in `realism_priors.yaml` (package data; each value names the back-tests it was
fitted on); a scenario-wide mapping sets values of its own, on top of the priors with
`base: calibrated`. Each plan, a facility or an expansion, takes the values of its own
`realism:`, else the scenario's, else the prior's, key by key (an expansion is a plan of its
own: it does not take its facility's). What each value does to the model is `sim.model.realism`'s.
"""

from __future__ import annotations

import functools
import importlib.resources
from dataclasses import dataclass
from typing import Any

import yaml

from sim.language.schema import PlanRealism, ScenarioRealism
from sim.language.values import Value

PRIORS_FILE = "realism_priors.yaml"
#: the keys of a plan's realism (facility, expansion), and the scenario-wide ones
PLAN_KEYS = ("achieved", "slip", "delay")
SCENARIO_KEYS = ("correlation", "contract_lag")
#: what the priors are given for: each facility kind, and a material's supply
PRIOR_KINDS = ("munitions_factory", "vehicle_line", "shipyard", "supply")
#: the keys of each entry of the priors file
ENTRY_KEYS = ("value", "fitted_on", "source")


@dataclass(frozen=True)
class Prior:
    """One calibrated value: as a scenario writes it, read, with the back-tests it was fitted
    on and why it is what it is."""

    written: object
    value: Value
    fitted_on: tuple[str, ...]
    source: str


def _entry(raw: object, where: str) -> tuple[object, tuple[str, ...], str]:
    if not isinstance(raw, dict) or set(raw) != set(ENTRY_KEYS):
        raise ValueError(f"{PRIORS_FILE}: {where} needs exactly the keys {', '.join(ENTRY_KEYS)}, got {raw!r}")
    fitted = raw["fitted_on"]
    if not isinstance(fitted, list) or not all(isinstance(name, str) for name in fitted):
        raise ValueError(f"{PRIORS_FILE}: {where}.fitted_on is a list of back-test names, got {fitted!r}")
    return raw["value"], tuple(fitted), str(raw["source"])


@functools.cache
def priors() -> dict[str, dict[str, Prior]]:
    """The shipped priors, read and checked: for each of `PRIOR_KINDS` its plan values, and
    under "scenario" the scenario-wide ones."""
    text = importlib.resources.files("sim.language").joinpath(PRIORS_FILE).read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    expected = set(SCENARIO_KEYS) | set(PRIOR_KINDS)
    if not isinstance(raw, dict) or set(raw) != expected:
        raise ValueError(f"{PRIORS_FILE}: top-level keys must be {', '.join(sorted(expected))}")
    out: dict[str, dict[str, Prior]] = {"scenario": {}}
    for key in SCENARIO_KEYS:
        written, fitted, source = _entry(raw[key], key)
        value = getattr(ScenarioRealism.model_validate({key: written}), key)
        out["scenario"][key] = Prior(written, value, fitted, source)
    for kind in PRIOR_KINDS:
        table = raw[kind]
        if not isinstance(table, dict) or set(table) != set(PLAN_KEYS):
            raise ValueError(f"{PRIORS_FILE}: {kind} needs exactly the keys {', '.join(PLAN_KEYS)}")
        out[kind] = {}
        for key in PLAN_KEYS:
            written, fitted, source = _entry(table[key], f"{kind}.{key}")
            value = getattr(PlanRealism.model_validate({key: written}), key)
            out[kind][key] = Prior(written, value, fitted, source)
    return out


def plan_values(scenario: ScenarioRealism, kind: str, *layers: PlanRealism) -> dict[str, Value]:
    """The plan realism in effect for a plan (facility or expansion) of `kind` (or a supply):
    for each key the last of `layers` (its own `realism:`) that gives it, else the scenario's,
    else the calibrated prior where the scenario is based on it; a key none gives is left out
    (as announced)."""
    out: dict[str, Value] = {}
    calibrated = priors()[kind] if scenario.base == "calibrated" else {}
    for key in PLAN_KEYS:
        value: Any = None
        for layer in (scenario, *layers):
            if getattr(layer, key) is not None:
                value = getattr(layer, key)
        if value is None and key in calibrated:
            value = calibrated[key].value
        if value is not None:
            out[key] = value
    return out


def scenario_value(scenario: ScenarioRealism, key: str) -> Value:
    """A scenario-wide value (`correlation`, `contract_lag`) in effect: as written, else the
    calibrated prior where the scenario is based on it, else none (0)."""
    if key not in scenario.model_fields_set and scenario.base == "calibrated":
        return priors()["scenario"][key].value
    value: Value = getattr(scenario, key)
    return value
