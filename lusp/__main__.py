"""``python -m lusp``: the command-line interface (see :mod:`lusp.cli`)."""
from lusp.cli import main

if __name__ == "__main__":  # not when a render worker (lusp.render_pool, spawn) re-imports the main module
    raise SystemExit(main())
