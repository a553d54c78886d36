"""``python -m reelstack.cli`` runs the ``reelstack`` command."""

from reelstack.cli.main import main

main()
