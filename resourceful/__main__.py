"""``python -m resourceful``: the command line (see :mod:`resourceful.cli`)."""

from resourceful.cli import main

raise SystemExit(main())
