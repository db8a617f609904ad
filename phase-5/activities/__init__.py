"""Workflow activities: the only place the engine does I/O. Each is idempotent."""
