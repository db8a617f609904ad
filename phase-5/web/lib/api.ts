// Calls to the API through this origin's /api/v1 proxy, and the API's error contract
// ({"error": {"code", "message", "details": {"field", "errors": [{field, message}]}}})
// turned into messages per form field.
import { currentSession, signOut } from "./session";

export const API = "/api/v1";

export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** The message for one form field: exact name, or a deeper path under it
   * (`reminders.1` belongs to `reminders`). */
  forField(name: string): string | undefined {
    const hit = this.problems.find((p) => p.field === name || p.field.startsWith(`${name}.`));
    return hit?.message;
  }

  /** The message, unless one of the form's own `shown` fields carries it. */
  outside(shown: string[]): string | undefined {
    return shown.some((f) => this.forField(f)) ? undefined : this.message;
  }

  /** Anything a call threw, as an ApiError (a network failure becomes code "client"). */
  static from(err: unknown): ApiError {
    return err instanceof ApiError ? err : new ApiError(0, "client", String(err));
  }
}

interface ErrorBody {
  error?: {
    code?: string;
    message?: string;
    details?: { field?: string; errors?: FieldProblem[] };
  };
}

async function toError(res: Response): Promise<ApiError> {
  let body: ErrorBody = {};
  try {
    body = (await res.json()) as ErrorBody;
  } catch {
    // not JSON (a proxy's page): the status says enough
  }
  const err = body.error ?? {};
  const details = err.details ?? {};
  let problems = details.errors ?? [];
  if (problems.length === 0 && details.field) {
    problems = [{ field: details.field, message: err.message ?? "" }];
  }
  const message = err.message ?? `The API answered ${res.status} ${res.statusText}`.trim();
  return new ApiError(res.status, err.code ?? "http_error", message, problems);
}

export function newKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export interface CallOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  body?: unknown;
  /** Sent as Idempotency-Key: a retried click changes nothing twice. */
  idempotencyKey?: string;
  signal?: AbortSignal;
  token?: string;
}

export async function call<T>(path: string, opts: CallOptions = {}): Promise<T> {
  const token = opts.token ?? currentSession()?.token;
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers["Content-Type"] = "application/json";
  if (opts.idempotencyKey) headers["Idempotency-Key"] = opts.idempotencyKey;
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, {
      method: opts.method ?? "GET",
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      cache: "no-store",
    });
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw new ApiError(0, "network", "The app cannot reach its server. Check your connection.");
  }
  if (res.status === 401 && !opts.token) signOut();
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** SWR's fetcher: the key is the path under /api/v1. */
export const fetcher = <T>(path: string): Promise<T> => call<T>(path);
