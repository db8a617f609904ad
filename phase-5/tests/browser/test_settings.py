"""Reminder settings: email, and subscribing this browser to Web Push end to end.

Headless Chromium on this machine cannot reach a browser vendor's push service, so
`PushManager.subscribe` is replaced by the one thing that service would do: hand back a
subscription, here one on the tests' own push service (tests/support/push.py), with keys
made like a browser makes them. Everything else is real: the service worker registration,
the permission, the VAPID key the API serves, the app's PUT, and then a reminder that
notification-service encrypts to the keys the app registered and the push service decrypts.
"""

import json
from datetime import UTC, datetime, timedelta

import httpx
from playwright.sync_api import Browser, expect

from tests.support.browser import WEB, described_by, field_error, shot, sign_in
from tests.support.push import PushSink
from tests.support.stack import auth, eventually, secrets

_FAKE_PUSH_SERVICE = """
(() => {
  const sub = %s;
  let current = null;
  const bytes = (b64) => {
    const padded = b64 + '='.repeat((4 - b64.length %% 4) %% 4);
    const s = atob(padded.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(s, c => c.charCodeAt(0));
  };
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    window.__applicationServerKey = btoa(String.fromCharCode(...key))
      .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
    window.__userVisibleOnly = options.userVisibleOnly;
    current = {
      endpoint: sub.endpoint,
      options: { applicationServerKey: key.buffer, userVisibleOnly: true },
      toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
      getKey: (name) => bytes(sub.keys[name]).buffer,
      unsubscribe: async () => { current = null; return true; },
    };
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
})();
"""


def test_email_is_saved_and_a_bad_address_is_explained(
    browser: Browser, api: httpx.Client, user: str
) -> None:
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        sign_in(page, user)
        page.goto(f"{WEB}/settings")
        email = page.get_by_label("Send reminders to")
        email.fill("not an address")
        page.get_by_role("button", name="Save email").click()
        refused = api.put("/me/notifications", json={"email": "not an address"}, headers=auth(user))
        assert refused.status_code == 422
        message = refused.json()["error"]["details"]["errors"][0]["message"]
        expect(field_error(email)).to_have_text(message)
        assert message in described_by(email)

        email.fill("me@example.org")
        page.get_by_role("button", name="Save email").click()
        expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
        got = api.get("/me/notifications", headers=auth(user)).json()
        assert got["email"]["address"] == "me@example.org"
    finally:
        ctx.close()


def test_subscribing_this_browser_to_web_push(
    browser: Browser, api: httpx.Client, user: str, push: PushSink
) -> None:
    sub = push.new_subscription()
    ctx = browser.new_context()
    try:
        ctx.grant_permissions(["notifications"], origin=WEB)
        ctx.add_init_script(_FAKE_PUSH_SERVICE % json.dumps(sub.as_json()))
        page = ctx.new_page()
        sign_in(page, user)
        page.goto(f"{WEB}/settings")
        page.get_by_role("button", name="Send reminders to this browser").click()
        expect(page.get_by_role("status").filter(has_text="gets reminders now")).to_be_visible()

        # The service worker is really registered and controls the app's scope.
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == f"{WEB}/"
        # The app asked for visible notifications under the VAPID key the API serves.
        assert page.evaluate("window.__applicationServerKey") == secrets()["vapid-public-key"]
        assert page.evaluate("window.__userVisibleOnly") is True
        channels = api.get("/me/notifications", headers=auth(user)).json()
        assert [p["endpoint"] for p in channels["push"]] == [sub.endpoint]
        expect(page.get_by_test_id("push-devices")).to_contain_text("this browser")
        shot(page, "settings")

        # A reminder reaches the subscription the app registered, readable with its keys.
        due = datetime.now(UTC) + timedelta(seconds=8)
        api.post(
            "/tasks",
            json={"title": "Take the pills", "due_at": due.isoformat(), "reminders": ["0m"]},
            headers=auth(user),
        )
        received = eventually(lambda: push.received(sub.endpoint), timeout=60)
        assert received[0].payload["title"] == "Take the pills"

        page.get_by_role("button", name="Turn off for this browser").click()
        expect(page.get_by_role("status").filter(has_text="no longer")).to_be_visible()
        assert api.get("/me/notifications", headers=auth(user)).json()["push"] == []
    finally:
        ctx.close()
