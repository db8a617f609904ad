"""Bearer JWT verification: HS256 with the shared BETTER_AUTH_SECRET, `sub` = user id,
`exp` required and at most one hour after `iat`."""

import jwt

from api.errors import Unauthorized

MAX_TOKEN_LIFETIME_S = 3600
MAX_TOKEN_BYTES = 4096


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
