"""``python -m worker`` is the ``editwatch`` command."""

from worker.cli import main

main()
