"""The delivery worker: sends what the delivery table says is due, one attempt at a time.

Design (SUMMARIES/decisions.md):
- The Dapr handler only writes delivery rows (intake.py) and acknowledges at once, so a slow
  or dead SMTP server never holds a Kafka partition, and the handler always answers Dapr
  within its timeout. The rows are the queue: a restart resumes from them.
- Channels are independent rows, claimed and attempted as separate asyncio tasks: a failing
  email server never delays push, and the reverse.
- A retry is not a sleep in memory: a failed attempt puts its row back to 'pending' with
  `next_attempt_at = now + notify_retry_interval_seconds`, and the worker wakes up for the
  earliest such instant. After `notify_max_attempts` attempts the delivery is published to
  `alerts-dlq` (CloudEvent id "<reminder_id>.<channel>") and marked 'failed'.

Crash window and the choice made (at-least-once, made recognisable):
  claim (commit: 'sending', lease) -> send -> record outcome (commit: 'sent').
  A crash before the server accepted the message loses nothing: the lease expires and the
  delivery is attempted again, and the server never saw a complete message (an SMTP server
  that has not answered 250 to DATA has not accepted it). A crash after the SMTP server
  answered 250 (or the push service 201) and before the commit makes the next owner send
  again: that window is a few milliseconds wide, and we prefer a rare duplicate to a lost
  reminder. Duplicates carry the same Message-ID (<reminder_id.email@domain>) and the same
  push `Topic`, so mail systems and push services can collapse them and people can tell.
  At-most-once would need the opposite: give up on any expired lease, losing every
  reminder whose process died mid-conversation, including the common, harmless case.
"""

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from time import monotonic
from typing import Any, Literal

from opentelemetry.trace import SpanKind
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from contracts.channels import normalize_email
from contracts.events import ReminderDeliveryFailed, ReminderDue, Topic, cloud_event
from infra import logging as jlog
from infra import tracing
from infra.settings import Settings
from infra.sidecar import Sidecar, SidecarError
from notifications import deliveries as store
from notifications import metrics
from notifications.content import ReminderContent, render
from notifications.deliveries import Channel, Claim, Status
from notifications.errors import PermanentDeliveryError, TargetGone, TransientDeliveryError
from notifications.intake import still_deliverable
from notifications.push_channel import PushSender, payload, topic
from notifications.smtp_channel import SmtpSender, build_message
from storage.db import transaction

log = logging.getLogger(__name__)
SOURCE = "notification-service"
# Recording an outcome is retried for this share of the claim's lease (and at least
# _RECORD_MIN_S): while the lease holds, nobody sends the message again; once it expires
# another owner does. Four quick tries (~4 s) were too few: a PostgreSQL restart of ~12 s
# right after a send made the next owner send the email again (found by the kill drill).
_RECORD_SHARE_OF_LEASE = 0.9
_RECORD_MIN_S = 3.0


def record_budget(claimed_at: float, lease_seconds: float, now: float) -> float:
    """Seconds left to record an outcome before the claim's lease runs out."""
    return max(claimed_at + lease_seconds * _RECORD_SHARE_OF_LEASE - now, _RECORD_MIN_S)


def _log_scan_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.error("delivery worker scan failed; retrying", exc_info=exc)


def _log_record_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("recording a delivery outcome failed; retrying", exc_info=exc)


@dataclass(frozen=True)
class Outcome:
    kind: Literal["sent", "gone", "transient", "permanent"]
    error: str | None = None
    delivered_to: list[str] = field(default_factory=list)


class DeliveryWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        sidecar: Sidecar,
        smtp: SmtpSender,
        push: PushSender,
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.sidecar = sidecar
        self.smtp = smtp
        self.push = push
        self.me = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"[:100]
        self._wake = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None
        self._stopping = False

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="delivery-worker")

    def kick(self) -> None:
        """New rows were committed: look now instead of at the next planned wake-up."""
        self._wake.set()

    async def stop(self) -> None:
        """Lets attempts in flight finish (each is bounded by the send timeout); what is
        still running after that is cancelled and its lease expires for the next owner."""
        self._stopping = True
        self._wake.set()
        if self._loop is not None:
            await asyncio.gather(self._loop, return_exceptions=True)
        if self._inflight:
            _, pending = await asyncio.wait(
                self._inflight, timeout=self.settings.notify_send_timeout_seconds + 2
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                wait = await self._scan_with_retries()
            except Exception:
                return  # the retries only end when the worker stops
            if wait > 0:
                await self._idle(wait)

    async def _scan_with_retries(self) -> float:
        """A scan that fails (database down) is retried after 0.5 s doubling to 15 s; the
        pause ends early on a kick or a stop."""
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(Exception),
            wait=wait_exponential(multiplier=0.5, max=15),
            stop=lambda _state: self._stopping,
            sleep=self._idle,
            before_sleep=_log_scan_retry,
            reraise=True,
        ):
            with attempt:
                return await self._scan()
        raise AssertionError("unreachable: tenacity returns or raises")

    async def _scan(self) -> float:
        """Claims what is due and starts its attempts; returns how long to wait before the
        next scan (0: more may be due now)."""
        cfg = self.settings
        free = cfg.notify_concurrency - len(self._inflight)
        claims: list[Claim] = []
        if free > 0:
            async with transaction(self.sessions) as session:
                claims = await store.claim_due(session, free, cfg.notify_lease_seconds, self.me)
        for claim in claims:
            task = asyncio.create_task(self._attempt(claim))
            self._inflight.add(task)
            task.add_done_callback(self._done)
        if claims and len(claims) == free:
            return 0  # more may be due; a finishing task wakes us if we are full
        wait = cfg.notify_sweep_seconds
        if free > 0:
            async with self.sessions() as session:
                delay = await store.seconds_until_next(session)
            if delay is not None:
                wait = min(max(delay, 0.02), cfg.notify_sweep_seconds)
        return wait

    async def _idle(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()

    # -- one attempt ------------------------------------------------------------------
    async def _attempt(self, claim: Claim) -> None:
        jlog.bind(
            event_id=str(claim.reminder_id), user_id=claim.user_id, task_id=str(claim.task_id)
        )
        try:
            with tracing.span_from(
                f"deliver {claim.channel.value}",
                claim.traceparent,
                SpanKind.CLIENT,
                **{"delivery.channel": claim.channel.value, "delivery.attempt": claim.attempts},
            ):
                await self._attempt_claimed(claim)
        except Exception:
            log.exception(
                "delivery attempt crashed; its lease expires and it is taken over",
                extra={"fields": {"channel": claim.channel.value, "attempt": claim.attempts}},
            )

    async def _attempt_claimed(self, claim: Claim) -> None:
        cfg = self.settings
        if claim.taken_over_from is not None:
            metrics.TAKEOVERS.labels(claim.channel.value).inc()
            log.warning(
                "took over a delivery whose lease expired",
                extra={"fields": {"channel": claim.channel.value, "from": claim.taken_over_from}},
            )
        if claim.attempts > cfg.notify_max_attempts:
            # Only reached after a crash or a failed dead-letter publication: no more sends.
            error = claim.last_error or "outcome unknown: the process sending it stopped"
            await self._dead_letter(claim, error, claim.delivered_to)
            return
        async with self.sessions() as session:
            deliverable = await still_deliverable(session, claim.reminder_id, claim.task_id)
        if not deliverable:
            await self._record(claim, Status.CANCELLED, error="task or reminder no longer pending")
            return
        reminder = ReminderDue.model_validate(claim.reminder)
        content = render(reminder, cfg.task_link_base)
        try:
            async with asyncio.timeout(cfg.notify_lease_seconds * 0.8):
                if claim.channel == Channel.EMAIL:
                    outcome = await self._send_email(claim, reminder, content)
                else:
                    outcome = await self._send_push(claim, reminder, content)
        except TimeoutError:
            outcome = Outcome("transient", "attempt timed out", claim.delivered_to)
        await self._conclude(claim, outcome)

    async def _send_email(
        self, claim: Claim, reminder: ReminderDue, content: ReminderContent
    ) -> Outcome:
        async with self.sessions() as session:
            address = await store.email_of(session, claim.user_id)
        if address is None:
            return Outcome("gone", "no email address registered any more")
        try:
            to = normalize_email(address)
            # Read at use: a rotated sender or login reaches this very message.
            config = await self.smtp.config()
            message = build_message(reminder, content, config.sender, to)
            await self.smtp.send(message, config)
        except (TransientDeliveryError, PermanentDeliveryError) as exc:
            kind: Literal["transient", "permanent"] = (
                "transient" if isinstance(exc, TransientDeliveryError) else "permanent"
            )
            metrics.ATTEMPTS.labels(Channel.EMAIL.value, kind).inc()
            log.warning("email attempt failed", extra=self._fields(claim, str(exc)))
            return Outcome(kind, str(exc))
        except ValueError as exc:
            metrics.ATTEMPTS.labels(Channel.EMAIL.value, "permanent").inc()
            return Outcome("permanent", f"stored address unusable: {exc}")
        metrics.ATTEMPTS.labels(Channel.EMAIL.value, "ok").inc()
        return Outcome("sent")

    async def _send_push(
        self, claim: Claim, reminder: ReminderDue, content: ReminderContent
    ) -> Outcome:
        async with self.sessions() as session:
            targets = await store.push_targets(session, claim.user_id)
        done = list(claim.delivered_to)
        todo = [t for t in targets if t.endpoint not in done]
        if not todo:
            if done:
                return Outcome("sent", None, done)
            return Outcome("gone", "no push subscription left", done)
        body, tag = payload(reminder, content), topic(reminder)
        results = await asyncio.gather(
            *(self.push.send(t, body, tag) for t in todo), return_exceptions=True
        )
        gone: list[str] = []
        transient: list[str] = []
        permanent: list[str] = []
        for target, result in zip(todo, results, strict=True):
            if result is None:
                done.append(target.endpoint)
                metrics.ATTEMPTS.labels(Channel.PUSH.value, "ok").inc()
            elif isinstance(result, TargetGone):
                gone.append(target.endpoint)
                metrics.ATTEMPTS.labels(Channel.PUSH.value, "gone").inc()
            elif isinstance(result, PermanentDeliveryError):
                permanent.append(str(result))
                metrics.ATTEMPTS.labels(Channel.PUSH.value, "permanent").inc()
            elif isinstance(result, Exception):
                transient.append(str(result) or type(result).__name__)
                metrics.ATTEMPTS.labels(Channel.PUSH.value, "transient").inc()
            else:
                raise result  # BaseException (cancellation): not ours to swallow
        if gone:
            async with transaction(self.sessions) as session:
                for endpoint in gone:
                    await store.remove_push_target(session, claim.user_id, endpoint)
            log.info("push subscription gone; removed", extra=self._fields(claim, None))
        if transient:
            error = "; ".join(transient)
            log.warning("push attempt failed", extra=self._fields(claim, error))
            return Outcome("transient", error, done)
        if done:
            return Outcome("sent", "; ".join(permanent) or None, done)
        if permanent:
            return Outcome("permanent", "; ".join(permanent), done)
        return Outcome("gone", "every push subscription is gone", done)

    # -- outcomes ---------------------------------------------------------------------
    async def _conclude(self, claim: Claim, outcome: Outcome) -> None:
        cfg = self.settings
        if outcome.kind == "sent":
            await self._record(claim, Status.SENT, outcome.error, outcome.delivered_to)
        elif outcome.kind == "gone":
            await self._record(claim, Status.GONE, outcome.error, outcome.delivered_to)
        elif outcome.kind == "transient" and claim.attempts < cfg.notify_max_attempts:
            async with transaction(self.sessions) as session:
                await store.retry_later(
                    session,
                    claim,
                    self.me,
                    delay=cfg.notify_retry_interval_seconds,
                    error=outcome.error or "unknown error",
                    delivered_to=outcome.delivered_to,
                )
            self._wake.set()  # the loop recomputes its next wake-up
        else:
            await self._dead_letter(claim, outcome.error or "unknown error", outcome.delivered_to)

    async def _dead_letter(self, claim: Claim, error: str, delivered_to: list[str]) -> None:
        cfg = self.settings
        failed = ReminderDeliveryFailed(
            reminder_id=claim.reminder_id,
            task_id=claim.task_id,
            user_id=claim.user_id,
            channel=claim.channel.value,
            attempts=min(claim.attempts, cfg.notify_max_attempts),
            error=error,
            scheduled_time=claim.scheduled_time,
            reminder=claim.reminder,
        )
        event = cloud_event(
            failed, source=SOURCE, event_id=f"{claim.reminder_id}.{claim.channel.value}"
        )
        try:
            await self.sidecar.publish(str(Topic.ALERTS_DLQ), event, claim.user_id)
        except SidecarError as exc:
            # Comes back after the interval with attempts past the limit: dead-letter only.
            log.error("dead-letter publication failed", extra=self._fields(claim, str(exc)))
            async with transaction(self.sessions) as session:
                await store.retry_later(
                    session,
                    claim,
                    self.me,
                    delay=cfg.notify_retry_interval_seconds,
                    error=error,
                    delivered_to=delivered_to,
                    attempts_floor=cfg.notify_max_attempts,
                )
            return
        metrics.DEAD_LETTERS.labels(claim.channel.value).inc()
        log.error("delivery dead-lettered", extra=self._fields(claim, error))
        await self._record(claim, Status.FAILED, error, delivered_to)

    async def _record(
        self,
        claim: Claim,
        status: Status,
        error: str | None = None,
        delivered_to: list[str] | None = None,
    ) -> None:
        """Commits a terminal outcome. A database hiccup right after a send is retried
        here, because giving up would let the lease expire and the message go out again."""
        result: Any = False
        budget = record_budget(claim.claimed_at, self.settings.notify_lease_seconds, monotonic())
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type((SQLAlchemyError, OSError)),
            stop=stop_after_delay(budget),
            wait=wait_exponential(multiplier=0.25, max=2),
            before_sleep=_log_record_retry,
            reraise=True,
        ):
            with attempt:
                async with transaction(self.sessions) as session:
                    result = await store.finish(
                        session, claim, self.me, status, error=error, delivered_to=delivered_to
                    )
        if result is False:
            log.warning(
                "lease lost before the outcome was recorded", extra=self._fields(claim, error)
            )
            return
        metrics.DELIVERIES.labels(claim.channel.value, status.value).inc()
        if status == Status.SENT and isinstance(result, datetime):
            lateness = (result - claim.scheduled_time).total_seconds()
            metrics.LATENESS.labels(claim.channel.value).observe(max(0.0, lateness))
            log.info(
                "delivered",
                extra={
                    "fields": {"channel": claim.channel.value, "lateness_s": round(lateness, 3)}
                },
            )

    @staticmethod
    def _fields(claim: Claim, error: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {"channel": claim.channel.value, "attempt": claim.attempts}
        if error:
            fields["error"] = error[:300]
        return {"fields": fields}
