"""Plot functions: each takes result data (as stored in an output directory) and an optional
`ax`, and returns a matplotlib Figure; saving is the caller's job (`style.save`)."""

from sim.present.plots.budget import plot_budget
from sim.present.plots.capacity import plot_capacity
from sim.present.plots.gantt import plot_gantt
from sim.present.plots.studies import plot_bottlenecks, plot_indices, plot_tornado
from sim.present.plots.sweep import plot_sweep
from sim.present.plots.timeline import plot_timeline
from sim.present.plots.waiting import plot_waiting

__all__ = [
    "plot_bottlenecks",
    "plot_budget",
    "plot_capacity",
    "plot_gantt",
    "plot_indices",
    "plot_sweep",
    "plot_timeline",
    "plot_tornado",
    "plot_waiting",
]
