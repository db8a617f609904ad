"use client";
// One user action against the API, as every form and button here runs it: busy while it
// runs, the API's error kept for the form to show, and every task and series list
// revalidated once it succeeded (the live stream would bring the change too, a moment later).
import { useState } from "react";
import { useSWRConfig } from "swr";

import { ApiError } from "./api";

export const isTaskOrSeriesKey = (k: unknown): boolean =>
  typeof k === "string" && (k.startsWith("/tasks") || k.startsWith("/series"));

export function useAction() {
  const { mutate } = useSWRConfig();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  /** Runs `action`; true when it succeeded. */
  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await action();
      void mutate(isTaskOrSeriesKey);
      return true;
    } catch (err) {
      setError(ApiError.from(err));
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, run };
}
