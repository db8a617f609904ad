"""Channel credentials from the Dapr secrets API, read at use through a `SecretCache`
(never from the environment, never logged), so a rotated SMTP password or VAPID key is
picked up without a restart. SMTP user name and password may legitimately be empty (a local
relay without AUTH): those are read with `allow_empty=True`."""

from dataclasses import dataclass, field

from contracts.channels import VAPID_PUBLIC_KEY_NAME
from infra.secret_cache import SecretCache
from infra.sidecar import SidecarError

# Names of entries in the Dapr secret store (never the values).
SMTP_HOST_NAME = "smtp-host"
SMTP_PORT_NAME = "smtp-port"
SMTP_USERNAME_NAME = "smtp-username"
SMTP_PASSWORD_NAME = "smtp-password"
SMTP_FROM_NAME = "smtp-from"
VAPID_PRIVATE_KEY_NAME = "vapid-private-key"
VAPID_SUBJECT_NAME = "vapid-subject"

_SMTP_OPTIONAL = {SMTP_USERNAME_NAME, SMTP_PASSWORD_NAME}
# What a refused login re-reads: the server and the credentials (a rotation may move both).
_SMTP_LOGIN = (SMTP_HOST_NAME, SMTP_PORT_NAME, SMTP_USERNAME_NAME, SMTP_PASSWORD_NAME)


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


async def load_smtp(secrets: SecretCache) -> SmtpConfig:
    port = await secrets.get(SMTP_PORT_NAME)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SidecarError(f"secret {SMTP_PORT_NAME!r} is not a TCP port")
    return SmtpConfig(
        host=await secrets.get(SMTP_HOST_NAME),
        port=int(port),
        sender=await secrets.get(SMTP_FROM_NAME),
        username=await secrets.get(SMTP_USERNAME_NAME, allow_empty=True),
        password=await secrets.get(SMTP_PASSWORD_NAME, allow_empty=True),
    )


async def refresh_smtp_login(secrets: SecretCache) -> bool:
    """The server refused our login: read host, port and credentials again now. True if
    any of them changed (then trying again at once may succeed)."""
    changed = False
    for name in _SMTP_LOGIN:
        changed |= await secrets.refresh(name, allow_empty=name in _SMTP_OPTIONAL)
    return changed


async def load_vapid(secrets: SecretCache) -> VapidConfig:
    return VapidConfig(
        private_key_pem=await secrets.get(VAPID_PRIVATE_KEY_NAME),
        public_key=await secrets.get(VAPID_PUBLIC_KEY_NAME),
        subject=await secrets.get(VAPID_SUBJECT_NAME),
    )


async def refresh_vapid(secrets: SecretCache) -> bool:
    """A push service refused our VAPID signature: read the key pair again now."""
    changed = await secrets.refresh(VAPID_PRIVATE_KEY_NAME)
    return await secrets.refresh(VAPID_SUBJECT_NAME) or changed
