"""Test helpers for the real stack: where things listen, how to read Kafka and the DB."""
