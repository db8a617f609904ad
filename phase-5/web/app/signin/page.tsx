"use client";
import { useRouter, useSearchParams } from "next/navigation";
import { Suspense, useState, type FormEvent } from "react";

import { Field } from "@/components/Field";
import { ApiError, call } from "@/lib/api";
import { parseToken, signIn } from "@/lib/session";

function SignInForm() {
  const router = useRouter();
  const params = useSearchParams();
  const [token, setToken] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError("");
    const parsed = parseToken(token);
    if (!parsed) {
      setError("This is not a token: paste the whole output of dev-token.sh (three parts with dots).");
      return;
    }
    setBusy(true);
    try {
      // The API is the judge: a token it refuses never gets stored.
      await call("/tasks?page_size=1", { token: parsed.token });
      signIn(parsed.token);
      const next = params.get("next");
      router.replace(next && next.startsWith("/") && !next.startsWith("//") ? next : "/tasks");
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card narrow" onSubmit={submit} noValidate aria-label="Sign in">
      <h1>Sign in</h1>
      <Field
        label="Access token"
        hint={
          <>
            On a developer machine: <code>./phase-5/scripts/dev-token.sh alice</code>. Tokens last an hour.
          </>
        }
        error={error || undefined}
      >
        <textarea
          name="token"
          rows={4}
          spellCheck={false}
          autoComplete="off"
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
      </Field>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
      </div>
    </form>
  );
}

export default function SignInPage() {
  return (
    <Suspense>
      <SignInForm />
    </Suspense>
  );
}
