"""Channel credentials, read once at start-up from the Dapr secrets API (never from the
environment, never logged). SMTP user name and password may legitimately be empty (a local
relay without AUTH): those are read with `allow_empty=True`."""

from dataclasses import dataclass, field

from contracts.channels import VAPID_PUBLIC_KEY_NAME
from infra.sidecar import Sidecar, SidecarError

# Names of entries in the Dapr secret store (never the values).
SMTP_HOST_NAME = "smtp-host"
SMTP_PORT_NAME = "smtp-port"
SMTP_USERNAME_NAME = "smtp-username"
SMTP_PASSWORD_NAME = "smtp-password"
SMTP_FROM_NAME = "smtp-from"
VAPID_PRIVATE_KEY_NAME = "vapid-private-key"
VAPID_SUBJECT_NAME = "vapid-subject"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    username: str = ""
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class VapidConfig:
    private_key_pem: str = field(repr=False)
    public_key: str
    subject: str


async def load_smtp(sidecar: Sidecar) -> SmtpConfig:
    port = await sidecar.read_secret(SMTP_PORT_NAME)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SidecarError(f"secret {SMTP_PORT_NAME!r} is not a TCP port")
    return SmtpConfig(
        host=await sidecar.read_secret(SMTP_HOST_NAME),
        port=int(port),
        sender=await sidecar.read_secret(SMTP_FROM_NAME),
        username=await sidecar.read_secret(SMTP_USERNAME_NAME, allow_empty=True),
        password=await sidecar.read_secret(SMTP_PASSWORD_NAME, allow_empty=True),
    )


async def load_vapid(sidecar: Sidecar) -> VapidConfig:
    return VapidConfig(
        private_key_pem=await sidecar.read_secret(VAPID_PRIVATE_KEY_NAME),
        public_key=await sidecar.read_secret(VAPID_PUBLIC_KEY_NAME),
        subject=await sidecar.read_secret(VAPID_SUBJECT_NAME),
    )
