"""Dapr workflow definitions and their small typed contracts: deterministic code only (no
I/O, no clock but the context's, no database or storage imports)."""
