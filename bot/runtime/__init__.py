"""The running process: the composition root that wires adapters from settings, logs, metrics."""
