"""Alembic environment: always runs on a connection handed in by `storage.db.migrate`,
so migrations use the same credentials the app got from the Dapr secrets API."""

from alembic import context
from sqlmodel import SQLModel

import storage.notification_tables
import storage.tables  # noqa: F401  (registers the tables on the metadata)

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.db.migrate(engine)")
context.configure(connection=connection, target_metadata=SQLModel.metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
