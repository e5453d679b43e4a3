"""Entry point for ``python -m directory``."""

import sys

from directory.cli import main

if __name__ == "__main__":
    sys.exit(main())
