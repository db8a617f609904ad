"""Prometheus metrics of notification-service, served at GET /metrics."""

from prometheus_client import Counter, Histogram

DELIVERIES = Counter(
    "notification_deliveries_total",
    "Deliveries finished, by channel and outcome (sent, failed, cancelled, gone)",
    ["channel", "outcome"],
)
ATTEMPTS = Counter(
    "notification_attempts_total",
    "Send attempts, by channel and result (ok, transient, permanent, gone)",
    ["channel", "result"],
)
LATENESS = Histogram(
    "notification_delivery_lateness_seconds",
    "Time from the reminder's scheduled_time to the channel's delivery being recorded",
    ["channel"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 900, 3600),
)
DEAD_LETTERS = Counter(
    "notification_dead_letters_total",
    "Deliveries published to alerts-dlq after the channel gave up",
    ["channel"],
)
EVENTS = Counter(
    "notification_events_total",
    "alerts events received, by intake outcome",
    ["outcome"],
)
TAKEOVERS = Counter(
    "notification_lease_takeovers_total",
    "Deliveries taken over after their worker's lease expired (each may resend)",
    ["channel"],
)

# Zero series from the start, so "nothing dead-lettered" is a 0 on the dashboard and in
# increase(), not a missing series (the channels of notifications.deliveries.Channel).
for _channel in ("email", "push"):
    DEAD_LETTERS.labels(_channel)
