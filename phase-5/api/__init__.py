"""todo-api: REST API over tasks and series; sole producer of task events (via the outbox)."""
