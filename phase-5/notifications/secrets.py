"""Channel credentials, read once at start-up from the Dapr secrets API (never from the
environment, never logged). SMTP user name and password may legitimately be empty (a local
relay without AUTH): those are read with `allow_empty=True`."""

from dataclasses import dataclass, field

from infra.sidecar import Sidecar, SidecarError

SMTP_HOST = "smtp-host"
SMTP_PORT = "smtp-port"
SMTP_USERNAME = "smtp-username"
SMTP_PASSWORD = "smtp-password"
SMTP_FROM = "smtp-from"
VAPID_PRIVATE_KEY = "vapid-private-key"
VAPID_PUBLIC_KEY = "vapid-public-key"
VAPID_SUBJECT = "vapid-subject"


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
    port = await sidecar.read_secret(SMTP_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SidecarError(f"secret {SMTP_PORT!r} is not a TCP port")
    return SmtpConfig(
        host=await sidecar.read_secret(SMTP_HOST),
        port=int(port),
        sender=await sidecar.read_secret(SMTP_FROM),
        username=await sidecar.read_secret(SMTP_USERNAME, allow_empty=True),
        password=await sidecar.read_secret(SMTP_PASSWORD, allow_empty=True),
    )


async def load_vapid(sidecar: Sidecar) -> VapidConfig:
    return VapidConfig(
        private_key_pem=await sidecar.read_secret(VAPID_PRIVATE_KEY),
        public_key=await sidecar.read_secret(VAPID_PUBLIC_KEY),
        subject=await sidecar.read_secret(VAPID_SUBJECT),
    )
