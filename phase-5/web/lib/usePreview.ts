"use client";
// The rule's preview as the user types: debounced, the previous request aborted, so what
// shows always belongs to the text in the box.
import { useEffect, useState } from "react";

import { ApiError, call } from "./api";
import type { Preview } from "./types";

const DEBOUNCE_MS = 250;

export interface PreviewState {
  preview: Preview | null;
  error: ApiError | null;
  loading: boolean;
}

export function usePreview(rule: string, timezone: string, start: string): PreviewState {
  const [state, setState] = useState<PreviewState>({ preview: null, error: null, loading: false });

  useEffect(() => {
    const text = rule.trim();
    if (!text || !timezone) {
      setState({ preview: null, error: null, loading: false });
      return;
    }
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    const timer = setTimeout(() => {
      const body: Record<string, unknown> = { rule: text, timezone, count: 5 };
      if (start) body.start = start;
      call<Preview>("/recurrence/preview", { method: "POST", body, signal: abort.signal })
        .then((preview) => setState({ preview, error: null, loading: false }))
        .catch((e: unknown) => {
          if (abort.signal.aborted) return;
          const error = e instanceof ApiError ? e : new ApiError(0, "network", String(e));
          setState({ preview: null, error, loading: false });
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [rule, timezone, start]);

  return state;
}
