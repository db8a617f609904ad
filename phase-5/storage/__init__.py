"""PostgreSQL persistence: table definitions, engine/session wiring, migrations runner."""
