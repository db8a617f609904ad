"""What the platform exports about others: the Kafka consumer-lag exporter."""
