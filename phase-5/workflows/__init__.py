"""recurring-task-service: Dapr workflow definitions (deterministic) and the service around them."""
