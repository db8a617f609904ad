"""Edges shared by every service: settings, logging, Dapr sidecar access, database engine."""
