// The signed-in user's API token. Kept in sessionStorage: it is gone when the tab closes,
// and tokens live at most an hour anyway (the API refuses longer ones).
import { useSyncExternalStore } from "react";

const KEY = "p5.token";
const listeners = new Set<() => void>();

export interface Session {
  token: string;
  user: string;
  expiresAt: number; // epoch ms
}

function decode(token: string): Session | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
    const claims = JSON.parse(json) as { sub?: unknown; exp?: unknown };
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number") return null;
    return { token, user: claims.sub, expiresAt: claims.exp * 1000 };
  } catch {
    return null;
  }
}

/** Reads the claims for display only; the API is what checks the signature. */
export function parseToken(token: string): Session | null {
  return decode(token.trim());
}

let cached: { raw: string | null; session: Session | null } = { raw: null, session: null };

export function currentSession(): Session | null {
  if (typeof window === "undefined") return null;
  const raw = window.sessionStorage.getItem(KEY);
  if (raw !== cached.raw) cached = { raw, session: raw ? decode(raw) : null };
  const s = cached.session;
  return s && s.expiresAt > Date.now() ? s : null;
}

function notify(): void {
  for (const fn of listeners) fn();
}

export function signIn(token: string): void {
  window.sessionStorage.setItem(KEY, token.trim());
  notify();
}

export function signOut(): void {
  window.sessionStorage.removeItem(KEY);
  notify();
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** undefined while rendering on the server (before the browser's storage is known). */
export function useSession(): Session | null | undefined {
  return useSyncExternalStore(subscribe, currentSession, () => undefined);
}
