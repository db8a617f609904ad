"""The one settings object. Nothing else in the code base reads os.environ.

Secrets are deliberately absent: they come from the Dapr secrets API (see
`infra.sidecar.read_secret`, read at use through `infra.secret_cache`), so they are never
environment variables.
"""

from datetime import timedelta
from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    app_id: str = "todo-api"
    app_port: int = 8000
    log_level: str = "INFO"

    # The sidecar of this app. The Dapr SDK reads the same two variables itself.
    dapr_http_port: int = 3500
    dapr_grpc_port: int = 50001
    dapr_host: str = "127.0.0.1"
    sidecar_wait_seconds: float = 60.0

    pubsub_name: str = "pubsub"
    secret_store: str = "localsecretstore"
    database_url_secret: str = "database-url"
    auth_secret_name: str = "better-auth-secret"
    # Secrets that rotate (signing key, SMTP, VAPID) are read again after this many seconds,
    # and at once when a credential is refused: a new version needs no restart.
    secret_max_age_seconds: float = Field(default=30.0, ge=1, le=3600)

    # Traces (infra/tracing.py): the share of root traces kept (children follow their
    # parent; spans in error are kept whatever the ratio) and where they go.
    tracing_enabled: bool = True
    tracing_sample_ratio: float = Field(default=1.0, ge=0.0, le=1.0)
    zipkin_endpoint: str = "http://127.0.0.1:9411/api/v2/spans"

    db_pool_size: int = Field(default=10, ge=1, le=100)
    outbox_batch_size: int = Field(default=200, ge=1, le=5000)
    public_base_url: str = "http://127.0.0.1:8000"
    # Where people open a task (reminder links): the web app. Behind one ingress host it is
    # the public base URL; locally the web app has its own port.
    web_base_url: str = ""

    @property
    def task_link_base(self) -> str:
        return self.web_base_url or self.public_base_url

    # todo-api edges. Bodies are small JSON documents (a 10 000-character description
    # escaped as \uXXXX pairs is ~120 KB): anything bigger is refused before parsing.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    # Browsers allowed to call the API (CORS); the web app's dev server by default.
    cors_origins: list[str] = ["http://localhost:3000", "http://127.0.0.1:3000"]
    # Prometheus metrics are served on their own listener, never on the public API port.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=1, le=65535)
    # Per-series and per-user caps on pending tasks (a 15-minute rule with a 30-day lead
    # time would otherwise keep ~2,880 instances pending at once).
    max_pending_per_series: int = Field(default=100, ge=1, le=10_000)
    max_pending_per_user: int = Field(default=5000, ge=1, le=1_000_000)

    # Outbound URLs a user sets (push endpoints) must reach public addresses. Development
    # and test stacks may name hosts that are exempt (the test push service on 127.0.0.1);
    # production refuses any (see the validator below).
    outbound_test_hosts: list[str] = []

    # Engine: thundering-herd guards for series due at the same instant.
    materialize_rate_per_s: float = Field(default=100.0, gt=0)
    # Each series wakes at its own point of the first part of its lead window (a hash of
    # its id): with the default 15-minute lead, between 15 and 10 minutes before due, so a
    # midnight herd arrives at the machine's rate (recurrence.planning.herd_offset).
    materialize_spread_fraction: float = Field(default=1 / 3, ge=0, le=1)
    materialize_spread_max_seconds: float = Field(default=600.0, ge=0, le=86_400)
    reconcile_on_start: bool = True
    # Reminders whose job never fired (lost while the engine was down) are fired by a sweep
    # this long after their time, checked at this interval (engine/reminder_sweep.py).
    reminder_sweep_every_seconds: float = Field(default=30.0, ge=1, le=3600)
    reminder_sweep_grace_seconds: float = Field(default=60.0, ge=5, le=3600)

    # Notifications, per channel: attempts in all (the first included) and the wait after a
    # failure; the retry interval is observed by the integration tests, not a test hook.
    notify_max_attempts: int = Field(default=3, ge=1, le=10)
    notify_retry_interval_seconds: float = Field(default=5.0, ge=0.5, le=3600)
    notify_send_timeout_seconds: float = Field(default=10.0, ge=1, le=120)
    # How long a claimed ('sending') delivery belongs to its worker; after that another
    # worker (a restarted process, another replica) takes it over and sends again.
    notify_lease_seconds: float = Field(default=30.0, ge=5, le=3600)
    notify_concurrency: int = Field(default=32, ge=1, le=500)
    notify_sweep_seconds: float = Field(default=30.0, ge=1, le=3600)
    # Push: how long the push service keeps an undelivered message (RFC 8030 TTL).
    push_ttl_seconds: int = Field(default=86_400, ge=0, le=2_419_200)

    # Chatbot tools (MCP server): the public API it calls with the user's token, and the
    # Dapr state store (scoped to this app) that keeps each conversation's tool calls.
    todo_api_url: str = "http://127.0.0.1:8000"
    conversation_store: str = "conversationstore"
    conversation_ttl_seconds: int = Field(default=30 * 86_400, ge=60, le=365 * 86_400)
    # Kafka lag exporter (monitoring/exporter.py), which reads the broker directly. SASL
    # when a credentials directory is set: files `username` and `password` (a mounted
    # Secret), never environment variables.
    kafka_brokers: str = "127.0.0.1:9092"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "SCRAM-SHA-256"
    kafka_sasl_dir: str = ""
    # Host names the MCP endpoint answers to (DNS-rebinding guard of the MCP SDK).
    mcp_allowed_hosts: list[str] = ["127.0.0.1:*", "localhost:*"]

    # The user's live event stream (GET /api/v1/me/events): streams one user may hold open
    # on one API replica, how long events stay replayable, the reconnect delay clients are
    # told (SSE `retry:`), and how often old events are pruned.
    event_stream_max_per_user: int = Field(default=5, ge=1, le=100)
    event_stream_retention_hours: float = Field(default=72.0, gt=0, le=24 * 30)
    event_stream_retry_ms: int = Field(default=2000, ge=100, le=60_000)
    event_stream_prune_minutes: float = Field(default=60.0, ge=1, le=24 * 60)

    @model_validator(mode="after")
    def _lease_outlives_a_send(self) -> "Settings":
        if self.notify_lease_seconds < 2 * self.notify_send_timeout_seconds:
            raise ValueError("notify_lease_seconds must be at least twice the send timeout")
        return self

    @model_validator(mode="after")
    def _no_test_hosts_in_production(self) -> "Settings":
        if self.environment == "production" and self.outbound_test_hosts:
            raise ValueError("outbound_test_hosts must be empty in production")
        return self

    @property
    def allow_loopback_http_push(self) -> bool:
        """http:// push endpoints on loopback hosts (a test push service), never in production."""
        return self.environment != "production"

    @property
    def event_stream_retention(self) -> timedelta:
        return timedelta(hours=self.event_stream_retention_hours)

    @property
    def dapr_http_url(self) -> str:
        return f"http://{self.dapr_host}:{self.dapr_http_port}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
