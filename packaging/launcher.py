"""Entry point of the PyInstaller bundle: the same `reverie` command the wheel installs."""

import multiprocessing
import sys

from reverie.cli import main

if __name__ == "__main__":
    # A frozen app has no interpreter to re-exec: a library that spawns processes needs this first.
    multiprocessing.freeze_support()
    sys.exit(main())
