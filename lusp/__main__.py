"""``python -m lusp``: the command-line interface (see :mod:`lusp.cli`)."""
from lusp.cli import main

raise SystemExit(main())
