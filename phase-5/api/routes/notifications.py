"""Where a user's reminders go: an email address and Web Push subscriptions.

    GET    /me/notifications                      the caller's channels
    PUT    /me/notifications                      set email and/or add a push subscription
    DELETE /me/notifications/email                remove the address (204, idempotent)
    DELETE /me/notifications/push?endpoint=URL    remove one subscription (204, idempotent)
    GET    /push/public-key                       VAPID applicationServerKey (no auth)

Every query is scoped by the caller's user id: another user's channels are invisible and
untouchable. notification-service reads these tables when it sends."""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import text
from sqlmodel import col, select

from api.contract import responses
from api.deps import CurrentUser, RuntimeDep, SessionDep
from api.errors import Conflict, Invalid, Unavailable
from api.notification_schemas import (
    EmailChannelPublic,
    NotificationChannels,
    NotificationChannelsUpdate,
    PushSubscriptionPublic,
    VapidPublicKey,
)
from api.routes import API_V1
from contracts.channels import (
    ENDPOINT_CHARS,
    MAX_ENDPOINT,
    VAPID_PUBLIC_KEY_NAME,
    check_endpoint,
)
from infra.outbound import ForbiddenDestination, resolve_public
from infra.sidecar import SidecarError
from storage.notification_tables import NotificationEmail, PushSubscription

router = APIRouter(prefix=API_V1, tags=["notifications"])
MAX_PUSH_SUBSCRIPTIONS = 10

_UPSERT_EMAIL = text(
    """
    INSERT INTO notification_emails (user_id, address) VALUES (:u, :a)
    ON CONFLICT (user_id) DO UPDATE SET address = EXCLUDED.address, updated_at = now()
    """
)
_UPSERT_PUSH = text(
    """
    INSERT INTO push_subscriptions (subscription_id, user_id, endpoint, p256dh, auth)
    VALUES (gen_random_uuid(), :u, :e, :p, :a)
    ON CONFLICT (user_id, endpoint) DO UPDATE
        SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth, updated_at = now()
    """
)


async def _channels(session: SessionDep, user_id: str) -> NotificationChannels:
    email = (
        await session.exec(select(NotificationEmail).where(NotificationEmail.user_id == user_id))
    ).first()
    subs = (
        await session.exec(
            select(PushSubscription)
            .where(PushSubscription.user_id == user_id)
            .order_by(col(PushSubscription.created_at), col(PushSubscription.subscription_id))
        )
    ).all()
    return NotificationChannels(
        email=None
        if email is None
        else EmailChannelPublic.model_validate(email, from_attributes=True),
        push=[PushSubscriptionPublic.model_validate(s, from_attributes=True) for s in subs],
    )


@router.get("/me/notifications", response_model=NotificationChannels)
async def list_channels(user_id: CurrentUser, session: SessionDep) -> NotificationChannels:
    return await _channels(session, user_id)


@router.put("/me/notifications", response_model=NotificationChannels)
async def set_channels(
    body: NotificationChannelsUpdate, user_id: CurrentUser, session: SessionDep, runtime: RuntimeDep
) -> NotificationChannels:
    if body.email is not None:
        await session.execute(_UPSERT_EMAIL, {"u": user_id, "a": body.email})
    if body.push is not None:
        allow_http = runtime.settings.allow_loopback_http_push
        try:
            endpoint = check_endpoint(body.push.endpoint, allow_loopback_http=allow_http)
            # A name that resolves inside is refused now; one that does not resolve yet is
            # kept, and the sender checks every address again when it sends.
            await resolve_public(endpoint, runtime.settings.outbound_test_hosts)
        except (OSError, TimeoutError):
            pass
        except (ForbiddenDestination, ValueError) as exc:
            raise Invalid("push.endpoint", str(exc)) from exc
        # One user's concurrent PUTs take turns, so the cap below holds.
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:u))"), {"u": user_id})
        count, known = (
            await session.execute(
                text(
                    "SELECT count(*), count(*) FILTER (WHERE endpoint = :e) "
                    "FROM push_subscriptions WHERE user_id = :u"
                ),
                {"u": user_id, "e": endpoint},
            )
        ).one()
        if not known and count >= MAX_PUSH_SUBSCRIPTIONS:
            raise Conflict(
                f"At most {MAX_PUSH_SUBSCRIPTIONS} push subscriptions; remove one first.",
                {"field": "push"},
            )
        await session.execute(
            _UPSERT_PUSH,
            {"u": user_id, "e": endpoint, "p": body.push.keys.p256dh, "a": body.push.keys.auth},
        )
    return await _channels(session, user_id)


@router.delete("/me/notifications/email", status_code=204)
async def remove_email(user_id: CurrentUser, session: SessionDep) -> Response:
    await session.execute(
        text("DELETE FROM notification_emails WHERE user_id = :u"), {"u": user_id}
    )
    return Response(status_code=204)


@router.delete("/me/notifications/push", status_code=204)
async def remove_push(
    user_id: CurrentUser,
    session: SessionDep,
    endpoint: Annotated[
        str, Query(min_length=1, max_length=MAX_ENDPOINT, pattern=ENDPOINT_CHARS.pattern)
    ],
) -> Response:
    await session.execute(
        text("DELETE FROM push_subscriptions WHERE user_id = :u AND endpoint = :e"),
        {"u": user_id, "e": endpoint},
    )
    return Response(status_code=204)


@router.get("/push/public-key", response_model=VapidPublicKey, responses=responses(503))
async def vapid_public_key(response: Response, runtime: RuntimeDep) -> VapidPublicKey:
    """From the Dapr secrets API, read at use (kept for the secrets' max age): after a
    rotation browsers subscribe with the new key."""
    try:
        key = await runtime.signing_key.secrets.get(VAPID_PUBLIC_KEY_NAME)
    except SidecarError as exc:
        raise Unavailable("Web Push is not configured at the moment.") from exc
    response.headers["Cache-Control"] = "public, max-age=300"
    return VapidPublicKey(public_key=key)
