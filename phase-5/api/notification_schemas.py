"""Bodies of the notification-channel endpoints (api/routes/notifications.py).

The push subscription is what the browser's `PushSubscription.toJSON()` produces
({endpoint, expirationTime, keys: {p256dh, auth}}); fields we do not use are ignored there,
while a misspelt top-level field is an error."""

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.channels import MAX_EMAIL, MAX_ENDPOINT, check_auth, check_p256dh
from contracts.channels import normalize_email as _normalize_email


class PushKeys(BaseModel):
    model_config = ConfigDict(extra="ignore")

    p256dh: str = Field(min_length=1, max_length=128, description="base64url P-256 point")
    auth: str = Field(min_length=1, max_length=64, description="base64url 16-byte secret")

    @field_validator("p256dh")
    @classmethod
    def _p256dh(cls, v: str) -> str:
        return check_p256dh(v)

    @field_validator("auth")
    @classmethod
    def _auth(cls, v: str) -> str:
        return check_auth(v)


class PushSubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    endpoint: str = Field(min_length=1, max_length=MAX_ENDPOINT)
    keys: PushKeys


class NotificationChannelsUpdate(BaseModel):
    """Sets the email address (replacing the previous one) and/or adds or refreshes one push
    subscription (keyed by its endpoint); what is absent is left as it is."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=MAX_EMAIL)
    push: PushSubscriptionIn | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        return None if v is None else _normalize_email(v)

    @model_validator(mode="after")
    def _something(self) -> "NotificationChannelsUpdate":
        if self.email is None and self.push is None:
            raise ValueError("Give an email address, a push subscription, or both")
        return self


class EmailChannelPublic(BaseModel):
    address: str
    created_at: datetime | None
    updated_at: datetime | None


class PushSubscriptionPublic(BaseModel):
    """The keys are not echoed back: `auth` is a shared secret of the browser's."""

    subscription_id: uuid.UUID
    endpoint: str
    created_at: datetime | None
    updated_at: datetime | None


class NotificationChannels(BaseModel):
    email: EmailChannelPublic | None
    push: list[PushSubscriptionPublic]


class VapidPublicKey(BaseModel):
    """`applicationServerKey` for `pushManager.subscribe`: base64url uncompressed P-256."""

    public_key: str
