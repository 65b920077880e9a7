"""`python -m sim` is the same as the `rearm` command."""

from sim.cli.main import main

raise SystemExit(main())
