// This browser's Web Push subscription: service worker, permission, the VAPID key the
// API serves, and the subscription handed to the API (PUT /me/notifications).
import { call } from "./api";

export class PushProblem extends Error {}

export function pushSupported(): boolean {
  return typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const b64 = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((v, i) => v === b[i]);
}

async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register("/sw.js");
  return navigator.serviceWorker.ready;
}

export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.getRegistration("/");
  return reg ? reg.pushManager.getSubscription() : null;
}

export async function enablePush(): Promise<PushSubscription> {
  if (!pushSupported()) throw new PushProblem("This browser cannot receive push notifications.");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    throw new PushProblem("Notifications are blocked for this site: allow them in the browser's site settings, then try again.");
  }
  const reg = await registration();
  const { public_key } = await call<{ public_key: string }>("/push/public-key");
  const key = keyBytes(public_key);
  let sub = await reg.pushManager.getSubscription();
  // A subscription made for another server key (the key was rotated) cannot be used.
  if (sub && !sameKey(sub.options.applicationServerKey, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  try {
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  } catch (e) {
    throw new PushProblem(`The browser's push service refused the subscription (${(e as Error).message}).`);
  }
  await call("/me/notifications", { method: "PUT", body: { push: sub.toJSON() } });
  return sub;
}

export async function disablePush(): Promise<void> {
  const sub = await currentSubscription();
  if (!sub) return;
  await call(`/me/notifications/push?endpoint=${encodeURIComponent(sub.endpoint)}`, { method: "DELETE" });
  await sub.unsubscribe();
}
