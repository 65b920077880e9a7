"""kind: shipyard — few, long builds on a limited number of docks.

A hull passes its ordered stages; it holds a dock only through dock stages (one dock across
consecutive dock stages). Before each stage it needs the yard to be up, money for the stage's
`cost_share` of the hull's cost, the stage's materials and people; it waits for whatever is
short, booking that cause, and takes them all at once when none is. Hulls are laid down one
after another: the next once the last one has started, no sooner than `drumbeat` after that
start, and only while fewer of this yard's hulls than there are docks are started (or waiting
to start) without having reached their first dock, so hulls never pile up ahead of the docks.

A yard serves its own hulls in order, oldest first: a hull's stage takes only the money,
materials and people left beyond what the yard's older hulls in build hold back. Older hulls
hold back the money their coming stages will need (each expected to begin when the stage before
it ends, by the durations drawn at laying down; a stage a hull waits to begin, now) beyond what
the appropriations arriving before each will bring; of a budget without carry-over, whose money
lapses at its next appropriation, only the stages they begin before then. They hold back the
materials and people of the stage they wait to begin. A hull waiting for a dock holds nothing
back: it waits behind the hulls in the docks, which may be newer ones. So one more dock, or more
money, lets a newer hull start sooner but does not spend what an older one is about to need.

Docks shared with other programmes are held for the one of higher priority (`sim.model.docks`):
a programme tells its docks when its hulls are due to ask for a first dock (`due_at_dock`).
Installed capacity is its share of the docks (each dock counted once across the programmes
sharing it: `sim.model.docks.divide_docks`) ÷ the mean dock days, capped at 1 ÷ `drumbeat`; a
programme whose last hull has started has none.

Hulls in build at the start (`in_progress`) are the programme's first hulls (numbered before
the hulls laid down in the run, for learning and unit cost), recorded as started on day 0. Each
is in a stage that began on a date before the start: that stage lasts its drawn duration
(its own stream, `in_progress`) less the time already spent in it, and was paid and supplied
before the start; the stages after it are paid as they begin, like any hull's. A hull in a dock
stage holds a dock from the start (ahead of any other hull), and a hull before its first dock
counts among those on their way to one; so the docks they hold delay the new hulls.

Booked time for a shipyard is hull-days (each hull in build books its days to producing or to
what it waits for) plus the yard's days before its first start.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from sim.language.schema import Shipyard as ShipyardSpec
from sim.language.values import mean_of
from sim.model.docks import RESERVATION_GRACE, DockPool
from sim.model.expansion import ExpansionPlan
from sim.model.facility import DOCKS, DOWN, MONEY, NOT_AVAILABLE, Facility, workforce_cause
from sim.model.streams import IN_PROGRESS, item_key, next_draw
from sim.model.world import World

EPS = 1e-9


class Shipyard(Facility):
    """Hulls built stage by stage on docks of its own or of the yard named in `shares_docks_with`."""

    kind = "shipyard"

    def __init__(self, world: World, index: int, name: str, spec: ShipyardSpec) -> None:
        super().__init__(world, index, name, spec)
        self.yard = spec  # (the base class keeps it as a `FacilityBase`)
        n = len(spec.stages)
        names = [s.name for s in spec.stages]
        stage_paths = [f"{self.path}.stages.{item_key(names, i)}" for i in range(n)]
        streams = world.streams
        #: per stage, the per-unit streams of its duration and of each material it consumes
        #: (None: fixed), one draw per hull in the order hulls are laid down
        self.duration_draws = [streams.units(spec.stages[i].duration, f"{stage_paths[i]}.duration") for i in range(n)]
        self.consume_draws = [
            {m: streams.units(v, f"{stage_paths[i]}.consumes.{m}") for m, v in spec.stages[i].consumes.items()}
            for i in range(n)
        ]
        self.shares = [s.cost_share if s.cost_share is not None else 1.0 / n for s in spec.stages]
        docked = [i for i, s in enumerate(spec.stages) if s.dock]
        self.first_dock = docked[0] if docked else 0
        self.dock_days = sum((mean_of(spec.stages[i].duration) for i in docked), 0.0)
        #: mean days before the first dock (learning not applied)
        self.pre_dock_days = sum((mean_of(spec.stages[i].duration) for i in range(self.first_dock)), 0.0)
        first = (
            self.realism.date(streams.day(spec.first_start, f"{self.path}.first_start", world.clock))
            if spec.first_start is not None
            else 0.0
        )
        self.first_start = max(self.available_from, first)
        #: the hulls in build at the start: (the stage each is in, days it has spent in it)
        self.carried = [(spec.stage_index(h.stage), -min(0.0, world.clock.day_of(h.since))) for h in spec.in_progress]
        #: per stage, the stream of the in-progress hulls' durations (None: fixed)
        self.carried_draws = [
            streams.rng(f"{stage_paths[i]}.duration", IN_PROGRESS) if spec.in_progress else None for i in range(n)
        ]
        self.exponent = math.log2(spec.learning)
        #: the build times of the hulls it lays down, over those planned (`sim.model.realism`)
        self.slowness = 1.0 / self.realism.achieved
        self.dock_days *= self.slowness
        self.pre_dock_days *= self.slowness
        self.started = 0
        self.delivered = 0
        self.durations: dict[int, list[float]] = {}  # hull -> drawn stage durations (learning applied)
        self.docks: DockPool | None = None
        self.installed = 0.0  # installed capacity recorded so far (per day)
        self.tenant = False  # counted among the programmes the docks' capacity is divided among
        self.all_started = False  # its last hull has started
        self.undocked = 0  # hulls launched that have not yet reached their first dock
        self.launched = 0  # hulls laid down (their build begun, started or not)
        self.launched_at = 0.0  # when the last of them was laid down
        self.last_start = 0.0  # when the last hull to start started
        self.due: dict[int, float] = {}  # hull laid down, not yet asking for a dock -> due then
        #: hull in build with stages still to begin -> (its next stage, the day it is expected to
        #: begin: when the stage in work ends), in the order hulls are laid down
        self.ahead: dict[int, tuple[int, float]] = {}
        self.costs: dict[int, float] = {}  # hull -> its cost (learning applied)
        self.docking: set[int] = set()  # hulls waiting for a dock
        #: hull waiting to begin a stage (not for a dock) -> the materials and people it needs
        self.asking: dict[int, tuple[dict[str, float], dict[str, int]]] = {}
        self._docked = self.env.event()
        if spec.shares_docks_with is None:
            assert spec.docks is not None
            self.docks = DockPool(self.env, spec.docks, spec.reserve_docks)
            world.docks[name] = self.docks
            self.records.docks.append((index, self.available_from, self.available_from, float(spec.docks)))

    @property
    def in_progress(self) -> int:
        """Hulls started and not yet delivered."""
        return self.started - self.delivered

    # -- capacity -----------------------------------------------------------------------------
    def rate(self, docks: float) -> float:
        """Installed capacity with `docks` docks: docks ÷ mean dock days, capped at 1 ÷ drumbeat."""
        cap = 1.0 / self.yard.drumbeat if self.yard.drumbeat else math.inf
        by_docks = docks / self.dock_days if self.dock_days > 0 else cap
        return 0.0 if math.isinf(by_docks) else min(by_docks, cap)

    def fills(self) -> float:
        """The docks this programme can keep busy: mean dock days ÷ drumbeat (no drumbeat: any)."""
        return self.dock_days / self.yard.drumbeat if self.yard.drumbeat else math.inf

    def install(self, rate: float) -> None:
        """Record the installed capacity as `rate` per day from now (or `available_from`)."""
        delta = rate - self.installed
        if delta != 0:
            t = max(self.env.now, self.available_from)
            self.records.capacity.append((self.index, self.product, t, t, delta))
            self.installed = rate

    def _docks_shared(self, share: float) -> None:
        """The docks were divided (`sim.model.docks.DockPool.divide`): `share` of them are ours."""
        self.install(self.rate(share))

    def _hull_docked(self) -> None:
        self._docked.succeed()
        self._docked = self.env.event()

    def _docks_added(self, old: int, new: int) -> None:
        self._hull_docked()

    def commission(self, plan: ExpansionPlan) -> None:
        """An expansion opens its docks now."""
        assert self.docks is not None
        if plan.docks > 0:
            self.records.docks.append((self.index, self.env.now, self.env.now, float(plan.docks)))
            self.docks.add(plan.docks)

    def takes_from(self) -> set[str]:
        """The materials its hulls may take: at laying down and in each stage."""
        return set(self.materials).union(*(s.consumes for s in self.yard.stages))

    # -- processes ----------------------------------------------------------------------------
    def start(self) -> None:
        """Find the docks (own or shared), count this programme in their capacity while it has
        hulls to start (the docks are first divided once every programme has started:
        `sim.model.replication`), lay down hulls."""
        if self.yard.shares_docks_with is not None:
            self.docks = self.world.docks[self.yard.shares_docks_with]
        assert self.docks is not None
        self.docks.listeners.append(self._docks_added)
        docked = any(s.dock for s in self.yard.stages)
        if docked:
            self.docks.join(self.priority, self.due_at_dock)
        self.start_carried()
        if self.yard.hulls is None or self.yard.hulls > 0:
            if not docked:
                self.install(self.rate(0.0))
            elif self.available_from > self.env.now:
                self.env.process(self.count_in_later())
            else:
                self.count_in()
        super().start()

    def count_in(self) -> None:
        """Count this programme among those the docks' capacity is divided among."""
        assert self.docks is not None
        self.tenant = True
        self.docks.count_in(self.index, self.fills(), self._docks_shared)

    def count_in_later(self) -> Generator[Any, Any, None]:
        """A programme not yet available shares the docks' capacity from `available_from` on."""
        assert self.docks is not None
        yield self.after(self.available_from - self.env.now)
        if not self.all_started:
            self.count_in()
            self.docks.divide()

    def start_carried(self) -> None:
        """Put the hulls in build at the start to work (module docstring)."""
        stages = self.yard.stages
        has_docks = any(s.dock for s in stages)
        for k, (first, spent) in enumerate(self.carried):
            hull = k + 1
            factor = hull**self.exponent
            durations = [
                next_draw(stages[i].duration, self.carried_draws[i] if i >= first else None) * factor
                if i >= first
                else 0.0
                for i in range(len(stages))
            ]
            durations[first] = max(0.0, durations[first] - spent)
            self.started += 1
            self.launched = hull
            self.records.starts.append((0.0, self.index, 1.0))
            if has_docks and first <= self.first_dock:
                self.undocked += 1
                if not stages[first].dock:
                    self.due[hull] = sum(durations[first : self.first_dock], 0.0)
            self.env.process(self.build_hull(hull, None, durations, first))

    def run(self) -> Generator[Any, Any, None]:
        """Lay down hull after hull: each once the last has started, drumbeat apart, and while
        fewer hulls than docks are on their way to a dock."""
        assert self.docks is not None
        if self.first_start > self.env.now:
            yield from self.wait(self.after(self.first_start - self.env.now), NOT_AVAILABLE)
        else:
            yield self.after(0.0)  # at its rank among the facilities of the instant
        hull = carried = len(self.carried)
        has_docks = any(s.dock for s in self.yard.stages)
        while has_docks and self.undocked >= self.docks.count:  # (hulls in build at the start)
            yield self._docked
        while self.yard.hulls is None or hull < carried + self.yard.hulls:
            hull += 1
            started = self.env.event()
            self.launched, self.launched_at = hull, self.env.now
            if has_docks:
                self.undocked += 1
                self.due[hull] = self.env.now + self.pre_dock(hull)
            self.env.process(self.build_hull(hull, started))
            if has_docks:
                self.docks.review()
            began = yield started
            if self.yard.drumbeat:
                next_start = began + self.yard.drumbeat
                if next_start > self.env.now:
                    yield self.after(next_start - self.env.now)
            while has_docks and self.undocked >= self.docks.count:
                yield self._docked

    def pre_dock(self, hull: int) -> float:
        """Mean days hull `hull` spends before its first dock (learning applied)."""
        return self.pre_dock_days * hull**self.exponent if self.pre_dock_days > 0 else 0.0

    def due_at_dock(self, now: float) -> list[float]:
        """Days this programme's hulls are due to ask for a first dock: each hull laid down that
        has not asked yet (its start, or its laying down if it has not started, plus the mean
        stages before the dock), and the next hull, if any are left: due to start at
        `first_start`, or `drumbeat` after the last start. While the last hull laid down has not
        started, the next is counted from now, and not at all once that hull is late by the
        grace (`sim.model.docks.RESERVATION_GRACE`): a programme short of money holds no docks
        for hulls it cannot start."""
        days = list(self.due.values())
        carried = len(self.carried)
        if self.yard.hulls is not None and self.launched >= carried + self.yard.hulls:
            return days
        if self.launched == carried:
            start = self.first_start
        else:
            if self.started >= self.launched:
                last = self.last_start
            elif now < self.launched_at + RESERVATION_GRACE:
                last = now  # it may start now at the earliest
            else:
                return days
            start = max(self.first_start, last + (self.yard.drumbeat or 0.0))
        days.append(start + self.pre_dock(self.launched + 1))
        return days

    def build_hull(
        self, hull: int, started: simpy.Event | None, carried: list[float] | None = None, first: int = 0
    ) -> Generator[Any, Any, None]:
        """One hull through its stages, from keel to delivery; a hull in build at the start
        (`started` None) from stage `first` with its `carried` durations (that stage's what is
        left of it), that stage already paid and supplied."""
        assert self.docks is not None
        stages = self.yard.stages
        factor = hull**self.exponent * (self.slowness if carried is None else 1.0)
        if carried is None:
            # every draw of the hull is made as it is laid down: hull k takes draw k of each stream
            durations = [next_draw(stages[i].duration, self.duration_draws[i]) * factor for i in range(len(stages))]
            consumed = [
                {m: next_draw(v, self.consume_draws[i][m]) for m, v in stages[i].consumes.items()}
                for i in range(len(stages))
            ]
        else:
            durations = carried
            consumed = [{} for _ in stages]  # (the stage in work took its materials before the start)
            for i in range(first + 1, len(stages)):
                consumed[i] = {m: next_draw(v, self.consume_draws[i][m]) for m, v in stages[i].consumes.items()}
        self.durations[hull] = durations
        cost = self.unit_cost.cost(hull - 1, 1)
        self.costs[hull] = cost
        self.ahead[hull] = (first, self.env.now) if carried is None else (first + 1, self.env.now + durations[first])
        keel = 0.0
        dock: int | None = None
        for i, stage in enumerate(stages):
            if i < first:
                continue
            paid = carried is not None and i == first  # before the start
            if stage.dock and dock is None:
                self.due.pop(hull, None)
                holds = 0.0
                for j in range(i, len(stages)):
                    if not stages[j].dock:
                        break
                    holds += durations[j]
                self.docking.add(hull)
                # a hull in its dock at the start is there already: ahead of any other
                dock = yield from self.wait(self.docks.request(math.inf if paid else self.priority, holds), DOCKS)
                self.docking.discard(hull)
                if i == self.first_dock:
                    self.undocked -= 1
                    self._hull_docked()
            takes = consumed[i]
            if i == 0 and not paid:
                for m, use in self.consumes.items():
                    takes[m] = takes.get(m, 0.0) + use
            people = {p: n + stage.workforce.get(p, 0) for p, n in self.yard.workforce.items()}
            people.update({p: n for p, n in stage.workforce.items() if p not in people})
            self.asking[hull] = (takes, people)
            money = 0.0 if paid else cost * self.shares[i]
            yield from self.begin_stage(hull, money, takes, people, f"stage:{stage.name}")
            del self.asking[hull]
            if i + 1 < len(stages):
                self.ahead[hull] = (i + 1, self.env.now + durations[i])
            else:
                self.ahead.pop(hull, None)
                del self.costs[hull]
            if i == 0 and started is not None:
                self.started += 1
                self.records.starts.append((self.env.now, self.index, 1.0))
                keel = self.env.now  # the hull's production begins
                started.succeed(self.env.now)
                self.last_start = self.env.now
                if self.yard.hulls is not None and hull == len(self.carried) + self.yard.hulls:
                    self.last_hull_started()
                if hull in self.due:
                    self.due[hull] = self.env.now + self.pre_dock(hull)
                    self.docks.review()
            t0 = self.env.now
            yield from self.work(durations[i], produce=True)
            self.release_people(people)
            place = dock if stage.dock and dock is not None else -1
            self.records.stages.append((self.index, hull, stage.name, place, t0, self.env.now))
            if dock is not None and (i + 1 == len(stages) or not stages[i + 1].dock):
                self.docks.release(dock)
                dock = None
        self.delivered += 1
        self.reach_stock(1.0, keel)

    def last_hull_started(self) -> None:
        """No hulls left to start: no installed capacity from now; the docks go to the others."""
        assert self.docks is not None
        self.all_started = True
        if self.tenant:
            self.tenant = False
            self.docks.count_out(self.index)
        else:
            self.install(0.0)

    def held_back(self, hull: int) -> tuple[float, dict[str, float], dict[str, int]]:
        """What this yard's hulls older than `hull` hold back from it (module docstring): the
        money their coming stages need beyond the appropriations that arrive before each (of a
        budget without carry-over, the stages before its next appropriation), and the materials
        and people of the stages they wait to begin."""
        now: float = self.env.now
        budget = self.budget
        until = self.world.horizon if budget.carry_over else min(budget.next_appropriation(now), self.world.horizon)
        n = len(self.shares)
        needs: list[tuple[float, float]] = []  # (day an older hull's stage begins, its money)
        for older, (i, day) in self.ahead.items():
            if older >= hull:
                break  # (in the order they were laid down)
            if older in self.docking:
                continue
            durations, cost = self.durations[older], self.costs[older]
            begins = day if day > now else now
            while i < n and begins < until:
                needs.append((begins, cost * self.shares[i] * budget.cost_multiplier(begins)))
                begins += durations[i]
                i += 1
        needs.sort()
        money = need = arrived = 0.0
        k = 0
        schedule = budget.schedule
        for day, amount in needs:
            while k < len(schedule) and schedule[k][0] <= day:
                if schedule[k][0] > now:
                    arrived += schedule[k][2]
                k += 1
            need += amount
            if need - arrived > money:
                money = need - arrived
        materials: dict[str, float] = {}
        people: dict[str, int] = {}
        for older, (takes, crew) in self.asking.items():
            if older >= hull:
                continue
            for m, a in takes.items():
                materials[m] = materials.get(m, 0.0) + a
            for p, count in crew.items():
                people[p] = people.get(p, 0) + count
        return money, materials, people

    def begin_stage(
        self, hull: int, money: float, takes: dict[str, float], people: dict[str, int], what: str
    ) -> Generator[Any, Any, None]:
        """Wait until the yard is up and money, materials and people are all there beyond what
        older hulls hold back (`held_back`); take them."""
        materials = self.world.materials
        pools = self.world.pools
        claims: dict[str, int] = {}
        while True:
            amount = money * self.budget.cost_multiplier(self.env.now)
            held, held_takes, held_people = self.held_back(hull)
            need = amount + held if amount > 0 else 0.0
            short_money = need > self.budget.balance * (1 + EPS) + EPS
            wanted = {m: a + held_takes.get(m, 0.0) if a > 0 else 0.0 for m, a in takes.items()}
            short = next((m for m, a in wanted.items() if materials[m].available(self.env.now) + EPS < a), None)
            held_pool = next(
                (
                    p
                    for p, k in people.items()
                    if k > 0 and p in held_people and pools[p].available() + EPS < k + held_people[p]
                ),
                None,
            )
            if self.clock.down or short_money or short is not None or held_pool is not None:
                self.drop_claims(claims)  # a claim on people holds its place only while people are all it lacks
            if self.clock.down:
                yield from self.wait(self.clock.repaired(), DOWN)
                continue
            if short_money:
                yield from self.wait(self.budget.funds_arrived(self.priority), MONEY)
                continue
            if short is not None:
                when = materials[short].wake_day(wanted[short])
                yield from self.wait(materials[short].arrival(when, self.rank), materials[short].cause)
                continue
            if held_pool is not None:
                more = people[held_pool] + held_people.get(held_pool, 0)
                yield from self.wait(pools[held_pool].freed(more), workforce_cause(held_pool))
                continue
            pool = self.short_pool(people, claims)
            if pool is not None:
                yield from self.wait(pools[pool].freed(people[pool]), workforce_cause(pool))
                continue
            break
        self.budget.commit(min(amount, self.budget.balance), self.index, what)
        for m, a in takes.items():
            materials[m].take(a)
        self.take_people(people, claims)
