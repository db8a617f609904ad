"""Reminder links open the web app: its own URL locally, the one public host behind an ingress."""

from infra.settings import Settings


def test_links_use_the_web_app_when_it_has_its_own_url() -> None:
    s = Settings(public_base_url="http://127.0.0.1:8000", web_base_url="http://localhost:3000")
    assert s.task_link_base == "http://localhost:3000"


def test_links_fall_back_to_the_public_host() -> None:
    assert Settings(public_base_url="https://todo.example").task_link_base == "https://todo.example"
