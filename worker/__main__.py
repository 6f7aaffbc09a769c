"""``python -m worker`` and the ``editwatch`` command (:func:`main`).

A command's start-up imports some 900 modules whose classes, functions and tables all live
until it exits. The cyclic garbage collector, left on, traverses that growing heap again and
again while it is built (three full passes and ~300 young ones: some 8 % of the instructions
of ``import worker.cli``), and every full pass of the run after traverses it once more. None
of it is garbage: collection waits until the CLI is imported, and what exists then is frozen
(``gc.freeze``: kept out of every later pass). Objects made after that are collected as usual.
"""

from __future__ import annotations

import gc


def main() -> None:
    """Import the CLI with the collector paused, freeze what the imports made, run it."""
    gc.disable()
    try:
        from worker.cli import main as cli
    finally:
        gc.freeze()
        gc.enable()
    cli()


if __name__ == "__main__":
    main()
