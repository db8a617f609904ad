// The signed-in user's live event stream (GET /api/v1/me/events, Server-Sent Events; the
// contract is in SUMMARIES/events.md). Read with fetch, not EventSource: EventSource cannot
// send the bearer token. After a drop it reconnects with the last seen id in Last-Event-ID,
// so the API replays what was missed. Everything is refetched once ("resync") when that
// cannot work: on the first connection (what changed between the page's first reads and
// the stream's start) and when the API answers `stream.reset` (the id is too old).
import { createParser, type EventSourceMessage } from "eventsource-parser";

export interface LiveEvent {
  id: string | null;
  type: string; // v1.task.completed, v1.series.updated, ... or "resync"
  taskId: string | null;
  seriesId: string | null;
  data: Record<string, unknown>;
}

export type LiveStatus = "off" | "connecting" | "live" | "reconnecting";

type Listener = (e: LiveEvent) => void;

const MIN_DELAY_MS = 500;
const RESYNC: LiveEvent = { id: null, type: "resync", taskId: null, seriesId: null, data: {} };
const MAX_DELAY_MS = 15_000;

function idOf(data: Record<string, unknown>, name: "task_id" | "series_id"): string | null {
  const direct = data[name];
  if (typeof direct === "string") return direct;
  // Tolerate a nested shape ({task: {task_id}}) as well as the flat one.
  const nested = data[name === "task_id" ? "task" : "series"];
  if (nested && typeof nested === "object") {
    const v = (nested as Record<string, unknown>)[name];
    if (typeof v === "string") return v;
  }
  return null;
}

export function toLiveEvent(msg: EventSourceMessage): LiveEvent {
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(msg.data);
    if (parsed && typeof parsed === "object") data = parsed as Record<string, unknown>;
  } catch {
    // a non-JSON data line still tells that something changed
  }
  return {
    id: msg.id ?? null,
    type: msg.event ?? "message",
    taskId: idOf(data, "task_id"),
    seriesId: idOf(data, "series_id"),
    data,
  };
}

export class LiveStream {
  private lastId: string | null = null;
  private abort: AbortController | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly statusListeners = new Set<(s: LiveStatus) => void>();
  status: LiveStatus = "off";

  constructor(
    private readonly url: string,
    private readonly onUnauthorized: () => void,
  ) {}

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  private setStatus(s: LiveStatus): void {
    this.status = s;
    for (const fn of this.statusListeners) fn(s);
  }

  private emit(e: LiveEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  start(token: string): void {
    this.stop();
    const abort = new AbortController();
    this.abort = abort;
    void this.run(token, abort.signal);
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
    this.setStatus("off");
  }

  private async run(token: string, signal: AbortSignal): Promise<void> {
    let delay = MIN_DELAY_MS;
    let retryHint: number | null = null;
    this.setStatus("connecting");
    while (!signal.aborted) {
      try {
        const headers: Record<string, string> = {
          Accept: "text/event-stream",
          Authorization: `Bearer ${token}`,
        };
        if (this.lastId !== null) headers["Last-Event-ID"] = this.lastId;
        const res = await fetch(this.url, { headers, signal, cache: "no-store" });
        if (res.status === 401) {
          this.setStatus("off");
          this.onUnauthorized();
          return;
        }
        if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
        this.setStatus("live");
        delay = MIN_DELAY_MS;
        if (this.lastId === null) this.emit(RESYNC);
        const parser = createParser({
          onEvent: (msg) => {
            if (msg.id !== undefined) this.lastId = msg.id;
            if (msg.event === "stream.ready") return;
            this.emit(msg.event === "stream.reset" ? RESYNC : toLiveEvent(msg));
          },
          onRetry: (ms) => {
            retryHint = ms;
          },
        });
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (signal.aborted) return;
      }
      this.setStatus("reconnecting");
      // The server's `retry:` is the floor; failures in a row back off above it.
      const wait = Math.max(retryHint ?? 0, delay);
      await new Promise((r) => setTimeout(r, wait + Math.random() * 250));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
