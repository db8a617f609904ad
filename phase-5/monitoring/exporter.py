"""The Kafka lag exporter: `uvicorn monitoring.exporter:app`, no Dapr sidecar (it talks to
the broker itself, read-only). GET /metrics for Prometheus, GET /healthz for probes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from infra import logging as jlog
from infra.settings import Settings, get_settings
from monitoring.kafka_lag import READ_TIMEOUT_S, KafkaLagCollector, KafkaLagReader
from monitoring.reader_process import ReaderProcess


def kafka_config(settings: Settings) -> dict[str, str | int | float | bool]:
    config: dict[str, str | int | float | bool] = {
        "bootstrap.servers": settings.kafka_brokers,
        "security.protocol": settings.kafka_security_protocol,
        "client.id": settings.app_id,
    }
    if settings.kafka_sasl_dir:
        creds = Path(settings.kafka_sasl_dir)
        config |= {
            "sasl.mechanisms": settings.kafka_sasl_mechanism,
            "sasl.username": (creds / "username").read_text().strip(),
            "sasl.password": (creds / "password").read_text().strip(),
        }
    return config


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    jlog.configure(settings.log_level, settings.app_id)
    # The reads run in a child process: librdkafka can abort the process it runs in when
    # the broker goes away (monitoring/reader_process.py).
    reader = ReaderProcess(
        partial(KafkaLagReader, kafka_config(settings)), answer_within=3 * READ_TIMEOUT_S
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(KafkaLagCollector(reader))
    app.state.registry = registry
    try:
        yield
    finally:
        reader.close()


app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/metrics")
def metrics() -> Response:
    # A sync route: the broker reads block, so FastAPI runs them in its thread pool.
    return Response(generate_latest(app.state.registry), media_type=CONTENT_TYPE_LATEST)
