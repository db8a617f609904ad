"""notification-service: turns v1.reminder.due events into email and Web Push deliveries."""
