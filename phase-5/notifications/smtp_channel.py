"""Email over SMTP (aiosmtplib): one message per reminder, plain text and HTML.

The Message-ID is derived from the reminder (`<reminder_id.email@sender-domain>`), so a
message sent again after a crash (see worker.py) is the same message to the recipient's
mail system, which may collapse it, and recognisable to a person either way."""

from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from contracts.events import ReminderDue
from infra.secret_cache import SecretCache
from infra.sidecar import SidecarError
from notifications.content import ReminderContent
from notifications.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError
from notifications.secrets import SmtpConfig, load_smtp, refresh_smtp_login

SMTPS_PORT = 465
# 530 authentication required, 534 mechanism too weak, 535 credentials invalid (RFC 4954).
LOGIN_REFUSED = frozenset({530, 534, 535})


def message_id(reminder: ReminderDue, sender: str) -> str:
    domain = sender.rpartition("@")[2] or "todo.local"
    return f"<{reminder.reminder_id}.email@{domain}>"


def build_message(
    reminder: ReminderDue, content: ReminderContent, sender: str, to: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = content.subject
    msg["Message-ID"] = message_id(reminder, sender)
    # The instant the reminder was due to fire, not the send time: identical on a resend.
    msg["Date"] = format_datetime(reminder.scheduled_time)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Reminder-Id"] = str(reminder.reminder_id)
    msg["X-Task-Id"] = str(reminder.task_id)
    msg.set_content(content.text)
    msg.add_alternative(content.html, subtype="html")
    return msg


class SmtpSender:
    """Reads its server and credentials at use (`SecretCache`), so a rotation in the secret
    store reaches the next message without a restart."""

    def __init__(self, secrets: SecretCache, timeout: float) -> None:
        self.secrets = secrets
        self.timeout = timeout

    async def config(self) -> SmtpConfig:
        try:
            return await load_smtp(self.secrets)
        except SidecarError as exc:
            raise TransientDeliveryError(f"SMTP settings unavailable: {exc}"[:500]) from exc

    async def send(self, message: EmailMessage, config: SmtpConfig) -> None:
        """Returns once the server accepted the message (250 after DATA). A refused login is
        read as a rotation in progress, never as the message's fault: the credentials are
        read again at once and, if they changed, used straight away; otherwise the attempt
        is transient (retried after the interval, then dead-lettered), never lost at once."""
        try:
            await self._send(message, config)
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code not in LOGIN_REFUSED:
                raise _classified(exc) from exc
            try:
                changed = await refresh_smtp_login(self.secrets)
            except SidecarError:
                changed = False
            if not changed:
                raise TransientDeliveryError(f"SMTP login refused: {exc.code}") from exc
            try:
                await self._send(message, await self.config())
            except aiosmtplib.SMTPResponseException as again:
                if again.code in LOGIN_REFUSED:
                    raise TransientDeliveryError(f"SMTP login refused: {again.code}") from again
                raise _classified(again) from again
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientDeliveryError(f"SMTP {type(exc).__name__}: {exc}"[:500]) from exc

    async def _send(self, message: EmailMessage, cfg: SmtpConfig) -> None:
        try:
            await aiosmtplib.send(
                message,
                hostname=cfg.host,
                port=cfg.port,
                username=cfg.username or None,
                password=cfg.password or None,
                use_tls=cfg.port == SMTPS_PORT,
                # None: STARTTLS whenever the server offers it.
                start_tls=None if cfg.port != SMTPS_PORT else False,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            error = (
                f"recipient refused: {'; '.join(f'{r.code} {r.message}' for r in exc.recipients)}"
            )
            if codes and all(c >= 500 for c in codes):
                raise PermanentDeliveryError(error) from exc
            raise TransientDeliveryError(error) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            if isinstance(exc, aiosmtplib.SMTPResponseException):
                raise  # send() tells a refused login from the rest
            raise TransientDeliveryError(f"SMTP {type(exc).__name__}: {exc}"[:500]) from exc


def _classified(exc: aiosmtplib.SMTPResponseException) -> DeliveryError:
    error = f"SMTP {exc.code} {exc.message}"[:500]
    return PermanentDeliveryError(error) if exc.code >= 500 else TransientDeliveryError(error)
