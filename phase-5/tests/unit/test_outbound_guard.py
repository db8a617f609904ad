"""The SSRF guard (infra/outbound.py): which destinations a user-set URL may reach."""

import ipaddress
import socket

import pytest

from infra import outbound
from infra.outbound import ForbiddenDestination, check_url, is_public, pin, resolve_public

REFUSED = [
    "https://169.254.169.254/latest/meta-data/",
    "https://localhost:18932/",
    "https://[::1]:5433/",
    "https://10.0.0.1/x",
    "http://127.0.0.1:8000/internal/admin",
    "https://127.1/",
    "https://0x7f000001/",
    "https://2130706433/",
    "https://0.0.0.0/",
    "https://192.168.1.10/",
    "https://172.16.0.1/",
    "https://100.64.0.1/",
    "https://224.0.0.1/",
    "https://[fe80::1]/",
    "https://[fd00::1]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[2002:7f00:1::]/",
    "https://metadata/",
    "https://kubernetes.default.svc.internal/",
    "https://printer.local/",
    "https://app.localhost/",
]


@pytest.mark.parametrize("url", REFUSED)
def test_internal_destinations_are_refused(url: str) -> None:
    with pytest.raises(ForbiddenDestination):
        check_url(url)


def test_public_destinations_and_named_test_hosts_pass() -> None:
    assert check_url("https://fcm.googleapis.com/fcm/send/abc")
    assert check_url("https://[2606:4700:4700::1111]/x")
    assert check_url("http://127.0.0.1:9/push", test_hosts=["127.0.0.1"])
    with pytest.raises(ForbiddenDestination):  # naming one host exempts that host only
        check_url("http://127.0.0.2:9/push", test_hosts=["127.0.0.1"])


def test_embedded_ipv4_is_judged_too() -> None:
    assert not is_public(ipaddress.ip_address("::ffff:10.0.0.1"))
    assert is_public(ipaddress.ip_address("8.8.8.8"))


def _resolver(answer: list[str]):  # type: ignore[no-untyped-def]
    async def fake(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address(a) for a in answer]

    return fake


async def test_a_name_resolving_inside_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # One public and one private answer: rebinding-style split answers are refused whole.
    monkeypatch.setattr(outbound, "resolve", _resolver(["93.184.215.14", "10.1.2.3"]))
    with pytest.raises(ForbiddenDestination, match=r"10\.1\.2\.3"):
        await resolve_public("https://push.example.net/x")


async def test_send_is_pinned_to_the_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbound, "resolve", _resolver(["93.184.215.14"]))
    target = await pin("https://push.example.net:8443/send/abc?x=1")
    assert target.url == "https://93.184.215.14:8443/send/abc?x=1"
    assert target.headers == {"Host": "push.example.net:8443"}
    assert target.extensions == {"sni_hostname": "push.example.net"}
    monkeypatch.setattr(outbound, "resolve", _resolver(["2606:4700::1"]))
    assert (await pin("https://push.example.net/a")).url == "https://[2606:4700::1]/a"


async def test_test_hosts_are_sent_as_is_and_unknown_names_fail(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = await pin("http://127.0.0.1:9/p", test_hosts=["127.0.0.1"])
    assert target.url == "http://127.0.0.1:9/p" and not target.headers

    async def unresolvable(host: str, port: int) -> list[ipaddress.IPv4Address]:
        raise socket.gaierror("no such name")

    monkeypatch.setattr(outbound, "resolve", unresolvable)
    with pytest.raises(OSError):
        await pin("https://push.example.net/x")
