"""Cross-references between parts of a scenario: every name a part uses must exist.

Checked on the plain data, beside the schema, so that a misspelt budget is reported in the
same pass as a mistyped value.
"""

from __future__ import annotations

from typing import Any

from sim.errors import Problem
from sim.language.suggest import did_you_mean
from sim.language.yaml_source import Source


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def check_references(data: dict[str, Any], source: Source) -> list[Problem]:
    """Every dangling or circular reference in `data`, with 'did you mean'."""
    problems: list[Problem] = []
    budgets = [str(k) for k in _mapping(data.get("budgets"))]
    nations = [str(k) for k in _mapping(data.get("nations"))]
    materials = [str(k) for k in _mapping(data.get("materials"))]
    pools = [str(k) for k in _mapping(data.get("workforce"))]
    facilities = _mapping(data.get("facilities"))

    def need(path: tuple[str, ...], name: Any, known: list[str], what: str) -> None:
        if not isinstance(name, str):
            return
        if name not in known:
            listed = f"; known {what}s: {', '.join(known)}" if known else f"; no {what}s are defined"
            hint = did_you_mean(name, known) or listed
            problems.append(
                Problem(source.file, source.line_of(path), ".".join(path), f"unknown {what} {name!r}{hint}")
            )

    products: list[str] = [
        fac["product"] for fac in facilities.values() if isinstance(fac, dict) and isinstance(fac.get("product"), str)
    ]
    inputs = materials + [p for p in dict.fromkeys(products) if p not in materials]
    for fname, fac in facilities.items():
        if not isinstance(fac, dict):
            continue
        base = ("facilities", str(fname))
        need(base + ("budget",), fac.get("budget"), budgets, "budget")
        for b in _mapping(fac.get("budget")):
            need(base + ("budget", str(b)), str(b), budgets, "budget")
        for i, expansion in enumerate(_items(fac.get("expansions"))):
            need(base + ("expansions", str(i), "budget"), _mapping(expansion).get("budget"), budgets, "budget")
        for m in _mapping(fac.get("consumes")):
            need(base + ("consumes", str(m)), str(m), inputs, "material")
        for w in _mapping(fac.get("workforce")):
            need(base + ("workforce", str(w)), str(w), pools, "workforce pool")
        for i, stage in enumerate(_items(fac.get("stages"))):
            for m in _mapping(_mapping(stage).get("consumes")):
                need(base + ("stages", str(i), "consumes", str(m)), str(m), inputs, "material")
            for w in _mapping(_mapping(stage).get("workforce")):
                need(base + ("stages", str(i), "workforce", str(w)), str(w), pools, "workforce pool")
        problems.extend(_check_shared_docks(fname, fac, facilities, source))

    for bname, budget in _mapping(data.get("budgets")).items():
        drawn = _mapping(budget).get("from")
        if isinstance(drawn, dict):
            need(("budgets", str(bname), "from", "nation"), drawn.get("nation"), nations, "nation")
        for k, item in enumerate(_items(drawn)):
            need(("budgets", str(bname), "from", str(k), "nation"), _mapping(item).get("nation"), nations, "nation")

    for mname, mat in _mapping(data.get("materials")).items():
        supply = _mapping(_mapping(mat).get("supply"))
        for i, expansion in enumerate(_items(supply.get("expansions"))):
            where = ("materials", str(mname), "supply", "expansions", str(i), "budget")
            need(where, _mapping(expansion).get("budget"), budgets, "budget")
        if "budget" in supply:
            need(("materials", str(mname), "supply", "budget"), supply["budget"], budgets, "budget")
        elif any(_mapping(e).get("capex") and "budget" not in _mapping(e) for e in _items(supply.get("expansions"))):
            path = ("materials", str(mname), "supply", "expansions")
            problems.append(
                Problem(
                    source.file,
                    source.line_of(path),
                    ".".join(path),
                    "an expansion with capex needs 'supply.budget' naming the budget that pays it",
                )
            )

    problems.extend(check_components(facilities, materials, source))
    products += [str(k) for k in _mapping(data.get("inventory"))]
    for pname in _mapping(data.get("demand")):
        need(("demand", str(pname)), str(pname), products, "product")
    made = [str(f.get("product")) for f in facilities.values() if isinstance(f, dict)]
    by_shipyard = {
        str(f.get("product")) for f in facilities.values() if isinstance(f, dict) and f.get("kind") == "shipyard"
    }
    customers: list[str] = []
    buyers = budgets + [str(k) for k in _mapping(data.get("nations"))]  # (nations: issue 27, beside this)
    for i, order in enumerate(_items(data.get("orders"))):
        if not isinstance(order, dict):
            continue
        base = ("orders", str(i))
        need(base + ("product",), order.get("product"), made, "product made by a facility")
        if order.get("product") in by_shipyard:
            problems.append(
                Problem(
                    source.file,
                    source.line_of(base + ("product",)),
                    ".".join(base + ("product",)),
                    f"orders are for products of munitions factories and vehicle lines; {order.get('product')!r}"
                    " is built by a shipyard (state its `hulls` instead)",
                )
            )
        plants = order.get("plants")
        makers = [str(f) for f, spec in facilities.items() if _mapping(spec).get("product") == order.get("product")]
        for j, plant in enumerate([plants] if isinstance(plants, str) else _items(plants)):
            if isinstance(plant, str) and plant not in makers:
                at_plant: tuple[str, ...] = (*base, "plants", str(j)) if isinstance(plants, list) else (*base, "plants")
                problems.append(
                    Problem(
                        source.file,
                        source.line_of(at_plant),
                        ".".join(at_plant),
                        f"{plant!r} is not a facility making {order.get('product')!r}"
                        f"{did_you_mean(plant, makers)}; its makers: {', '.join(makers) or 'none'}",
                    )
                )
        customer = order.get("customer")
        if order.get("export") is True:
            if isinstance(customer, str) and customer in buyers:
                problems.append(
                    Problem(
                        source.file,
                        source.line_of(base + ("customer",)),
                        ".".join(base + ("customer",)),
                        f"an export customer is an outside buyer, but {customer!r} is a budget or nation: "
                        "name the buyer otherwise, or drop 'export'",
                    )
                )
        elif isinstance(customer, str) and customer not in buyers:
            hint = did_you_mean(customer, buyers) or ""
            problems.append(
                Problem(
                    source.file,
                    source.line_of(base + ("customer",)),
                    ".".join(base + ("customer",)),
                    f"unknown customer {customer!r} (a customer names a budget or a nation, or is an outside buyer"
                    f" marked 'export: true'){hint}",
                )
            )
        if isinstance(customer, str):
            customers.append(customer)
    names: set[str] = set()
    for i, target in enumerate(_items(data.get("targets"))):
        if not isinstance(target, dict):
            continue
        need(("targets", str(i), "product"), target.get("product"), products, "product")
        if "customer" in target:
            need(("targets", str(i), "customer"), target.get("customer"), customers, "customer")
        if "nation" in target:
            problems.extend(_check_target_nation(data, i, target.get("nation"), customers, source))
        name = target.get("name")
        if isinstance(name, str):
            if name in names:
                name_path = ("targets", str(i), "name")
                problems.append(
                    Problem(
                        source.file,
                        source.line_of(name_path),
                        ".".join(name_path),
                        f"target name {name!r} is used twice; names must be unique",
                    )
                )
            names.add(name)
    return problems


def nation_customers(data: dict[str, Any], nation: str) -> list[str]:
    """The customers that count for `nation`: the nation itself and the budgets drawn from it."""
    drawn = [
        str(b)
        for b, spec in _mapping(data.get("budgets")).items()
        if any(_mapping(s).get("nation") == nation for s in _sources(_mapping(spec).get("from")))
    ]
    return [nation, *drawn]


def _sources(drawn: Any) -> list[Any]:
    return drawn if isinstance(drawn, list) else [drawn] if isinstance(drawn, dict) else []


def _check_target_nation(
    data: dict[str, Any], i: int, nation: Any, customers: list[str], source: Source
) -> list[Problem]:
    """A target's `nation` is a nation of the scenario, and it (or a budget drawn from it) orders."""
    if not isinstance(nation, str):
        return []
    path = ("targets", str(i), "nation")
    nations = [str(k) for k in _mapping(data.get("nations"))]
    if nation not in nations:
        listed = f"; known nations: {', '.join(nations)}" if nations else "; no nations are defined"
        hint = did_you_mean(nation, nations) or listed
        return [Problem(source.file, source.line_of(path), ".".join(path), f"unknown nation {nation!r}{hint}")]
    if not set(nation_customers(data, nation)) & set(customers):
        return [
            Problem(
                source.file,
                source.line_of(path),
                ".".join(path),
                f"nation {nation!r} has no orders: neither it nor a budget drawn from it is an order's customer",
            )
        ]
    return []


def _consumed(fac: dict[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """(path below the facility, name) of everything a facility consumes, stages included."""
    found: list[tuple[tuple[str, ...], str]] = [(("consumes", str(m)), str(m)) for m in _mapping(fac.get("consumes"))]
    for i, stage in enumerate(_items(fac.get("stages"))):
        found += [(("stages", str(i), "consumes", str(m)), str(m)) for m in _mapping(_mapping(stage).get("consumes"))]
    return found


def check_components(facilities: dict[Any, Any], materials: list[str], source: Source) -> list[Problem]:
    """A product is not also a material's name, and no product is, through the components its
    facilities consume, made from itself (a cycle): each is named with file and line."""
    problems: list[Problem] = []
    makers: dict[str, list[Any]] = {}  # product -> facilities making it (their keys as written)
    for fname, fac in facilities.items():
        product = _mapping(fac).get("product")
        if isinstance(product, str):
            makers.setdefault(product, []).append(fname)
            if product in materials:
                path = ("facilities", str(fname), "product")
                problems.append(
                    Problem(
                        source.file,
                        source.line_of(path),
                        ".".join(path),
                        f"product {product!r} is also a material's name; a component is a product"
                        " made here, a material is supplied: rename one",
                    )
                )
    uses: dict[str, list[tuple[tuple[str, ...], str]]] = {}  # product -> (where, component) its makers consume
    for product, names in makers.items():
        for fname in names:
            for below, m in _consumed(_mapping(facilities[fname])):
                if m in makers and m not in materials:
                    uses.setdefault(product, []).append((("facilities", str(fname)) + below, m))
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done

    def walk(product: str, chain: list[str]) -> None:
        state[product] = 1
        for where, m in uses.get(product, []):
            if state.get(m) == 1:
                cycle = chain[chain.index(m) :] + [m]
                problems.append(
                    Problem(
                        source.file,
                        source.line_of(where),
                        ".".join(where),
                        f"components form a cycle: {' is made from '.join(cycle)}"
                        " (a product cannot be made, through its components, from itself)",
                    )
                )
            elif m not in state:
                walk(m, chain + [m])
        state[product] = 2

    for product in makers:
        if product not in state:
            walk(product, [product])
    return problems


def _check_shared_docks(fname: Any, fac: dict[str, Any], facilities: dict[Any, Any], source: Source) -> list[Problem]:
    other = fac.get("shares_docks_with")
    if other is None:
        return []
    path = ("facilities", str(fname), "shares_docks_with")
    yards = [str(k) for k, v in facilities.items() if _mapping(v).get("kind") == "shipyard" and k != fname]
    if not isinstance(other, str) or other not in yards:
        listed = f"; shipyards: {', '.join(yards)}" if yards else "; no other shipyard is defined"
        hint = did_you_mean(str(other), yards) or listed
        return [Problem(source.file, source.line_of(path), ".".join(path), f"unknown shipyard {other!r}{hint}")]
    if _mapping(facilities.get(other)).get("shares_docks_with") is not None:
        return [
            Problem(
                source.file,
                source.line_of(path),
                ".".join(path),
                f"{other!r} itself shares another yard's docks; "
                "name the yard that owns the docks (no chains or circles)",
            )
        ]
    return []
