"""The library's commands: each study as a typed, keyword-only function that runs it, writes
its output folder and returns a result object. `sim.api` (the front door for Python) and
`sim.cli` (the command line, which parses arguments, calls them and prints) both stand on
these; they may import the studies and presentation layers, and never the command line."""
