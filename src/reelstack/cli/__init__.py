"""The ``reelstack`` command: one module per command group."""
