"use client";
// Where reminders go: an email address, Web Push to this browser; and the calendar feed.
import { useEffect, useState, type FormEvent } from "react";
import useSWR from "swr";

import { Field, FormError } from "@/components/Field";
import { RequireSession } from "@/components/RequireSession";
import { ApiError, call } from "@/lib/api";
import { when } from "@/lib/format";
import { currentSubscription, disablePush, enablePush, pushSupported } from "@/lib/push";
import type { NotificationChannels } from "@/lib/types";

function EmailForm({ channels, reload }: { channels: NotificationChannels; reload: () => void }) {
  const [email, setEmail] = useState(channels.email?.address ?? "");
  const [error, setError] = useState<ApiError | null>(null);
  const [status, setStatus] = useState("");

  async function save(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setStatus("");
    try {
      if (email.trim() === "") {
        await call("/me/notifications/email", { method: "DELETE" });
        setStatus("Email reminders are off.");
      } else {
        await call("/me/notifications", { method: "PUT", body: { email: email.trim() } });
        setStatus("Saved.");
      }
      reload();
    } catch (err) {
      setError(ApiError.from(err));
    }
  }

  return (
    <form onSubmit={save} noValidate aria-label="Email reminders">
      <h2>Email</h2>
      <Field label="Send reminders to" hint="Leave empty to stop email reminders." error={error?.forField("email")}>
        <input name="email" type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      </Field>
      <FormError message={error?.outside(["email"])} />
      <div className="actions">
        <button type="submit" className="primary">
          Save email
        </button>
        <p role="status" className="status">
          {status}
        </p>
      </div>
    </form>
  );
}

function PushSettings({ channels, reload }: { channels: NotificationChannels; reload: () => void }) {
  const [endpoint, setEndpoint] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [status, setStatus] = useState("");
  const [busy, setBusy] = useState(false);
  const supported = typeof window !== "undefined" && pushSupported();

  useEffect(() => {
    void currentSubscription().then((s) => setEndpoint(s?.endpoint ?? null));
  }, []);
  const registered = endpoint !== null && channels.push.some((p) => p.endpoint === endpoint);

  async function run(action: () => Promise<string>) {
    setBusy(true);
    setError("");
    setStatus("");
    try {
      setStatus(await action());
      reload();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="push-heading">
      <h2 id="push-heading">Push notifications</h2>
      {!supported && <p>This browser cannot receive push notifications.</p>}
      {supported && (
        <div className="actions">
          {registered ? (
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                run(async () => {
                  await disablePush();
                  setEndpoint(null);
                  return "This browser no longer gets reminders.";
                })
              }
            >
              Turn off for this browser
            </button>
          ) : (
            <button
              type="button"
              className="primary"
              disabled={busy}
              aria-describedby={error ? "push-error" : undefined}
              onClick={() =>
                run(async () => {
                  const sub = await enablePush();
                  setEndpoint(sub.endpoint);
                  return "This browser gets reminders now.";
                })
              }
            >
              Send reminders to this browser
            </button>
          )}
          <p role="status" className="status">
            {status}
          </p>
        </div>
      )}
      {error && (
        <p id="push-error" role="alert" className="field-error">
          {error}
        </p>
      )}
      {channels.push.length > 0 && (
        <>
          <h3>Devices that get reminders</h3>
          <ul className="devices" data-testid="push-devices">
            {channels.push.map((p) => (
              <li key={p.subscription_id}>
                <span>{new URL(p.endpoint).host}</span>
                {p.endpoint === endpoint && <span className="badge">this browser</span>}
                {p.created_at && <span className="hint"> since {when(p.created_at)}</span>}
                <button
                  type="button"
                  aria-label={`Stop reminders to ${new URL(p.endpoint).host}`}
                  onClick={() =>
                    run(async () => {
                      await call(`/me/notifications/push?endpoint=${encodeURIComponent(p.endpoint)}`, { method: "DELETE" });
                      return "Removed.";
                    })
                  }
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function CalendarFeed() {
  const { data, mutate } = useSWR<{ active: boolean; created_at: string | null; last_fetched_at: string | null }>(
    "/me/calendar",
  );
  const [url, setUrl] = useState("");
  const [error, setError] = useState("");

  async function run(path: string, method: "POST" | "DELETE") {
    setError("");
    try {
      const out = await call<{ url: string } | undefined>(path, { method });
      setUrl(out?.url ?? "");
      void mutate();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    }
  }

  return (
    <section aria-labelledby="calendar-heading">
      <h2 id="calendar-heading">Calendar feed</h2>
      <p className="hint">A private link your calendar app can subscribe to. Anyone with the link sees your tasks.</p>
      {url && (
        <Field label="Your feed link (shown once)">
          <input type="text" readOnly value={url} onFocus={(e) => e.target.select()} />
        </Field>
      )}
      {data?.active && !url && <p>A feed link is active{data.last_fetched_at ? `, last read ${when(data.last_fetched_at)}` : ""}.</p>}
      <div className="actions">
        <button type="button" onClick={() => run(data?.active ? "/me/calendar/rotate" : "/me/calendar", "POST")}>
          {data?.active ? "Replace the link" : "Create a link"}
        </button>
        {data?.active && (
          <button type="button" onClick={() => run("/me/calendar", "DELETE")}>
            Turn the feed off
          </button>
        )}
      </div>
      <FormError message={error} />
    </section>
  );
}

function Settings() {
  const { data, error, mutate } = useSWR<NotificationChannels, ApiError>("/me/notifications");
  if (error) return <p role="alert" className="form-error">{error.message}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  const reload = () => void mutate();
  return (
    <div className="layout">
      <section className="card" aria-labelledby="settings-heading">
        <h1 id="settings-heading">Reminders</h1>
        <p className="hint">Set reminder times on each task or series; here is where they are sent.</p>
        <EmailForm channels={data} reload={reload} />
        <PushSettings channels={data} reload={reload} />
      </section>
      <section className="card">
        <CalendarFeed />
      </section>
    </div>
  );
}

export default function SettingsPage() {
  return (
    <RequireSession>
      <Settings />
    </RequireSession>
  );
}
