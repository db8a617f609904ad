// The same-origin door to todo-api: the browser calls /api/v1/... here and this server
// forwards to API_URL (read at run time, so one build serves every environment). Bodies
// stream both ways, so the live event stream passes through event by event; a browser
// that goes away aborts the upstream request.
import type { NextRequest } from "next/server";

export const dynamic = "force-dynamic";
export const runtime = "nodejs";

const API_URL = (process.env.API_URL ?? "http://127.0.0.1:8000").replace(/\/$/, "");

// Only what the API contract uses crosses the proxy: no cookies, no hop-by-hop headers.
const REQUEST_HEADERS = [
  "accept",
  "authorization",
  "content-type",
  "idempotency-key",
  "last-event-id",
  "traceparent",
];
const RESPONSE_HEADERS = [
  "cache-control",
  "content-type",
  "idempotent-replayed",
  "location",
  "retry-after",
  "www-authenticate",
];

function unreachable(): Response {
  const body = {
    error: {
      code: "unavailable",
      message: "The API did not answer. Check that the stack is running, then try again.",
      details: {},
    },
  };
  return Response.json(body, { status: 502, headers: { "cache-control": "no-store" } });
}

async function forward(req: NextRequest): Promise<Response> {
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = req.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  let upstream: Response;
  try {
    upstream = await fetch(`${API_URL}${req.nextUrl.pathname}${req.nextUrl.search}`, {
      method: req.method,
      headers,
      body: hasBody ? await req.arrayBuffer() : undefined,
      redirect: "manual",
      cache: "no-store",
      signal: req.signal,
    });
  } catch {
    return unreachable();
  }
  const out = new Headers();
  for (const name of RESPONSE_HEADERS) {
    const value = upstream.headers.get(name);
    if (value !== null) out.set(name, value);
  }
  if (out.get("content-type")?.startsWith("text/event-stream")) {
    // No cache or proxy on the way may hold events back.
    out.set("cache-control", "no-cache, no-transform");
    out.set("x-accel-buffering", "no");
  }
  const empty = upstream.status === 204 || upstream.status === 304 || req.method === "HEAD";
  return new Response(empty ? null : upstream.body, { status: upstream.status, headers: out });
}

export const GET = forward;
export const POST = forward;
export const PUT = forward;
export const PATCH = forward;
export const DELETE = forward;
export const HEAD = forward;
