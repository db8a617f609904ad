"use client";
// App-wide state: SWR (every read, keyed by its API path) and the live event stream,
// which revalidates exactly the keys an event affects.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { SWRConfig, useSWRConfig } from "swr";

import { fetcher } from "@/lib/api";
import { affects } from "@/lib/affects";
import { LiveStream, type LiveEvent, type LiveStatus } from "@/lib/live";
import { signOut, useSession } from "@/lib/session";

const LiveContext = createContext<LiveStatus>("off");

export function useLiveStatus(): LiveStatus {
  return useContext(LiveContext);
}

// Events of one burst (a completion and the next instance it brings) refetch once.
const COALESCE_MS = 25;

function LiveBridge({ children }: { children: ReactNode }) {
  const session = useSession();
  const { mutate } = useSWRConfig();
  const [status, setStatus] = useState<LiveStatus>("off");
  const token = session?.token;

  useEffect(() => {
    if (!token) return;
    const stream = new LiveStream("/api/v1/me/events", signOut);
    let pending: LiveEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      const events = pending;
      pending = [];
      timer = null;
      void mutate((key) => typeof key === "string" && events.some((e) => affects(e, key)));
    };
    const offEvents = stream.subscribe((e) => {
      pending.push(e);
      timer ??= setTimeout(flush, COALESCE_MS);
    });
    const offStatus = stream.onStatus(setStatus);
    stream.start(token);
    return () => {
      offEvents();
      offStatus();
      stream.stop();
      if (timer) clearTimeout(timer);
    };
  }, [token, mutate]);

  return <LiveContext.Provider value={status}>{children}</LiveContext.Provider>;
}

export function Providers({ children }: { children: ReactNode }) {
  const value = useMemo(
    () => ({
      fetcher,
      // The live stream says when data changed; focus still refreshes a tab left asleep.
      revalidateOnFocus: true,
      shouldRetryOnError: false,
      keepPreviousData: true,
    }),
    [],
  );
  return (
    <SWRConfig value={value}>
      <LiveBridge>{children}</LiveBridge>
    </SWRConfig>
  );
}
