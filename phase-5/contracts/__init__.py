"""Contracts shared by the services: what goes over the wire between them (events, topics,
job names) and the checks on notification targets both todo-api and notification-service
apply. Imports nothing of the project: every other package may depend on it."""
