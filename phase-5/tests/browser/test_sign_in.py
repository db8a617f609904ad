"""Signing in with a token: the API's refusal in words next to the field, then the app."""

import jwt
from playwright.sync_api import Page, expect

from tests.support.browser import WEB, described_by, shot
from tests.support.stack import token


def test_a_refused_token_is_explained_next_to_the_field_and_a_good_one_signs_in(
    page: Page, user: str
) -> None:
    page.goto(f"{WEB}/tasks")
    page.wait_for_url(f"{WEB}/signin?next=%2Ftasks")
    field = page.get_by_label("Access token")

    forged = jwt.encode({"sub": user, "iat": 1, "exp": 4102444800}, "not-the-key", "HS256")
    field.fill(forged)
    page.get_by_role("button", name="Sign in").click()
    expect(field).to_have_attribute("aria-invalid", "true")
    # The API's own words (api/auth.py), tied to the field for screen readers.
    assert "Token is invalid." in described_by(field)
    shot(page, "signin-refused")

    field.fill(token(user))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{WEB}/tasks")  # back where the user was going
    expect(page.get_by_role("banner")).to_contain_text(user)
    expect(page.get_by_role("heading", name="Tasks")).to_be_visible()

    # Signing out forgets the token: the tasks page sends the user back to sign in.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{WEB}/tasks")
    page.wait_for_url(f"{WEB}/signin?next=%2Ftasks")
