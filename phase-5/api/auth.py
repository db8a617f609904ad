"""Bearer JWT verification: HS256 with the shared BETTER_AUTH_SECRET, `sub` = user id,
`exp` required and at most one hour after `iat`. The secret is read at use
(`SigningKey`): a rotated key is honoured without a restart."""

import jwt

from api.errors import Unauthorized
from infra.secret_cache import SecretCache

MAX_TOKEN_LIFETIME_S = 3600
MAX_TOKEN_BYTES = 4096


class WrongKey(Unauthorized):
    """The signature does not verify with the key we hold (maybe an old one)."""


def user_from_token(authorization: str | None, secret: str) -> str:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("Missing bearer token: send Authorization: Bearer <JWT>.")
    token = authorization[7:].strip()
    if len(token) > MAX_TOKEN_BYTES:
        raise Unauthorized("Token is too long.")
    try:
        # algorithms pins HS256: `alg: none` and key-confusion tokens are refused here.
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "iat", "sub"]}
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("Token has expired.") from exc
    except jwt.InvalidSignatureError as exc:
        raise WrongKey("Token is invalid.") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized("Token is invalid.") from exc
    sub, iat, exp = claims.get("sub"), claims.get("iat"), claims.get("exp")
    if not isinstance(sub, str) or not sub or len(sub) > 128 or not sub.isprintable():
        raise Unauthorized("Token subject is invalid.")
    if not isinstance(iat, int | float) or not isinstance(exp, int | float):
        raise Unauthorized("Token times are invalid.")
    if exp - iat > MAX_TOKEN_LIFETIME_S:
        raise Unauthorized("Token lifetime exceeds one hour.")
    return sub


class SigningKey:
    """The token-signing secret from the secret store, kept `Settings.secret_max_age_seconds`.
    A token whose signature fails makes it read the secret again at once (at most every few
    seconds, so bad tokens cannot flood the store): after a rotation, tokens signed with the
    new key are accepted at their first use, and the old key stops working within max-age."""

    def __init__(self, secrets: SecretCache, name: str) -> None:
        self.secrets = secrets
        self.name = name

    async def user(self, authorization: str | None) -> str:
        try:
            return user_from_token(authorization, await self.secrets.get(self.name))
        except WrongKey:
            if not await self.secrets.refresh(self.name):
                raise
        return user_from_token(authorization, await self.secrets.get(self.name))
