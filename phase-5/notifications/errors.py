"""What a channel adapter may raise; the worker turns each into an outcome.

DeliveryError            base class, never raised itself
├── TransientDeliveryError   try again after the retry interval (timeouts, 4xx SMTP
│                            replies, push 429/5xx, connection refused)
├── PermanentDeliveryError   retrying cannot help (5xx SMTP replies, push 400/403/413):
│                            the delivery goes to alerts-dlq at once
└── TargetGone               the push subscription no longer exists (404/410): it is
                             removed and never tried again; not a failure
"""


class DeliveryError(Exception):
    """A channel could not deliver; the message never contains a secret."""


class TransientDeliveryError(DeliveryError):
    pass


class PermanentDeliveryError(DeliveryError):
    pass


class TargetGone(DeliveryError):
    pass
