"""Server-side request forgery guard for every URL a user can make us call (push endpoints).

A user-supplied URL may reach public internet addresses only: loopback, private, link-local
(cloud metadata at 169.254.169.254), shared (CGNAT), multicast, reserved and unspecified
addresses are refused, as are names such as `localhost`. It is checked twice:

- when the URL is registered (`check_url`, plus `resolve_public` to refuse a name that
  already points inside), and
- at send time (`pin`): the name is resolved, every address it has must be public, and the
  request goes to that very address (Host header and TLS SNI keep the name), so a DNS answer
  that changes between the check and the connection (rebinding) cannot redirect it.

Development and test stacks may name exempt hosts (`Settings.outbound_test_hosts`, always
empty in production): the test push service listens on 127.0.0.1."""

import asyncio
import ipaddress
import re
import socket
from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

RESOLVE_TIMEOUT_S = 3.0
_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenDestination(ValueError):
    """The URL leads to an address a user may not make us call (message fit for a 422)."""


def _embedded_v4(ip: IpAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip.teredo is not None:
            return ip.teredo[1]
    return None


def is_public(ip: IpAddress) -> bool:
    """A global unicast address (and so is any IPv4 address an IPv6 one carries)."""
    inner = _embedded_v4(ip)
    if inner is not None and not is_public(inner):
        return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host:
        raise ForbiddenDestination("The URL needs a host")
    return host


_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    # Shorthand IPv4 forms (127.1, 0x7f.0.0.1, 2130706433) that resolvers accept are
    # judged as the address they denote.
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def check_url(url: str, test_hosts: Collection[str] = ()) -> str:
    """Refuses URLs whose host is an internal name or a non-public address literal."""
    host = _host(url)
    if host in test_hosts:
        return url
    ip = _literal(host)
    if ip is None:
        if host == "localhost" or host.endswith(_INTERNAL_SUFFIXES) or "." not in host:
            raise ForbiddenDestination(f'"{host}" is not a public host name')
    elif not is_public(ip):
        raise ForbiddenDestination(f"{ip} is not a public address")
    return url


async def resolve(host: str, port: int) -> list[IpAddress]:
    loop = asyncio.get_running_loop()
    infos = await asyncio.wait_for(
        loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_S
    )
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


async def resolve_public(url: str, test_hosts: Collection[str] = ()) -> list[IpAddress]:
    """The URL's addresses, all public; ForbiddenDestination if any is not. A name that does
    not resolve raises OSError (or TimeoutError): the caller decides what that means."""
    check_url(url, test_hosts)
    host = _host(url)
    parts = urlsplit(url)
    if host in test_hosts:
        return []
    addresses = await resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    if not addresses:
        raise OSError(f"{host} has no address")
    bad = [ip for ip in addresses if not is_public(ip)]
    if bad:
        raise ForbiddenDestination(f'"{host}" resolves to {bad[0]}, which is not public')
    return addresses


@dataclass(frozen=True)
class Pinned:
    """A request target bound to one checked address: send to `url` with `headers` and
    `extensions` (httpx) so the connection goes exactly where the check looked."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, str] = field(default_factory=dict)


async def pin(url: str, test_hosts: Collection[str] = ()) -> Pinned:
    addresses = await resolve_public(url, test_hosts)
    if not addresses:  # an exempt test host: sent as is
        return Pinned(url)
    parts = urlsplit(url)
    ip = addresses[0]
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    return Pinned(
        urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
        headers={"Host": parts.netloc},
        extensions={"sni_hostname": _host(url)},
    )
