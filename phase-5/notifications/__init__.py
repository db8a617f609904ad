"""notification-service: turns v1.reminder.due events into email and Web Push deliveries.

service.py       FastAPI app: Dapr subscription to `alerts`, /healthz, /metrics, lifespan
intake.py        event -> one delivery row per channel, or 'cancelled', in one transaction
worker.py        claims due rows, sends, retries, dead-letters; crash-window rationale
deliveries.py    the delivery table's SQL (claim with lease, fenced outcomes, settle)
smtp_channel.py  email over SMTP (aiosmtplib), deterministic Message-ID
push_channel.py  Web Push: VAPID (py-vapid), aes128gcm (pywebpush helper), httpx POST
content.py       what a reminder says, rendered once for both channels (pure)
secrets.py       SMTP and VAPID credentials from the Dapr secrets API
errors.py        the channel error hierarchy (transient / permanent / target gone)
metrics.py       Prometheus counters and the lateness histogram
"""
