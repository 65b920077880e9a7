"""Names in words: a scenario's code names as a reader sees them, one copy for every output.

A name with a `label:` in the scenario (facilities, budgets, materials, `product_labels`) is
shown as its label; any other is the code name in words (`barrow_ssn_aukus` -> 'Barrow SSN
AUKUS'). Plain text: each output makes it safe for its medium (`sim.present.text`). No
matplotlib here, so the terminal table and the figures share it without importing each other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Words kept in capitals when a code name is turned into words.
ACRONYMS = frozenset(
    "ssn ssbn aukus uk us usa eu nato bae gdp mbda knds gem iris ied ifv mbt hq sdr pac lrpf "
    "himars gmlrs atacms amraam nasams ssk dd ffg ew ai tnt rdx hmx".split()
)
#: the sections of a scenario whose entries may carry a `label:`
LABELLED = ("facilities", "budgets", "materials")


def in_words(name: Any, labels: Mapping[str, str] | None = None, capital: bool = True) -> str:
    """`name` as a reader sees it: its label where `labels` has one, else the code name in
    words, acronyms in capitals; `capital`: the first word capitalised (a heading), else left as
    written (mid-sentence: '3,000 shell 155mm a year')."""
    text = str(name)
    if labels and text in labels:
        return str(labels[text])
    if ":" in text and " " not in text:  # 'material:explosive_fill' -> 'material: Explosive fill'
        head, _, rest = text.partition(":")
        return f"{head}: {in_words(rest, labels, capital)}"
    if " " in text or not any(c == "_" for c in text) and not text.islower():
        return text  # already words (a title, a constraint as written)
    parts = [p for p in text.replace("-", "_").split("_") if p]
    shown = [p.upper() if p.lower() in ACRONYMS else p for p in parts]
    if capital and shown and shown[0] == parts[0]:
        shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " ".join(shown)


def labels_of(scenario: Mapping[str, Any]) -> dict[str, str]:
    """Name -> label from a scenario as written (or dumped): the `label:` of each facility,
    budget and material, and `product_labels`."""
    out: dict[str, str] = {}
    for section in LABELLED:
        for name, spec in (scenario.get(section) or {}).items():
            if isinstance(spec, Mapping) and spec.get("label"):
                out[str(name)] = str(spec["label"])
    for name, label in (scenario.get("product_labels") or {}).items():
        out[str(name)] = str(label)
    return out


def scenario_labels(scenario: Any) -> dict[str, str]:
    """Name -> label of a validated scenario (`sim.language.schema.Scenario`)."""
    return labels_of(scenario.model_dump(include={*LABELLED, "product_labels"}))
