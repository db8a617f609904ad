"""Email over SMTP (aiosmtplib): one message per reminder, plain text and HTML.

The Message-ID is derived from the reminder (`<reminder_id.email@sender-domain>`), so a
message sent again after a crash (see worker.py) is the same message to the recipient's
mail system, which may collapse it, and recognisable to a person either way."""

from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from contracts.events import ReminderDue
from notifications.content import ReminderContent
from notifications.errors import PermanentDeliveryError, TransientDeliveryError
from notifications.secrets import SmtpConfig

SMTPS_PORT = 465


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
    def __init__(self, config: SmtpConfig, timeout: float) -> None:
        self.config = config
        self.timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        """Returns once the server accepted the message (250 after DATA)."""
        cfg = self.config
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
        except aiosmtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.code} {exc.message}"[:500]
            if exc.code >= 500:
                raise PermanentDeliveryError(error) from exc
            raise TransientDeliveryError(error) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientDeliveryError(f"SMTP {type(exc).__name__}: {exc}"[:500]) from exc
