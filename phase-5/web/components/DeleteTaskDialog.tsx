"use client";
// Deleting a task. One occurrence goes at once; "this and following" or "all" removes
// every future occurrence, so the user ticks an explicit confirmation first (and the API
// refuses without confirm=true anyway).
import { useState, type FormEvent } from "react";
import { useSWRConfig } from "swr";

import { ApiError, call } from "@/lib/api";
import type { Scope, Task } from "@/lib/types";
import { Dialog } from "./Dialog";
import { FormError } from "./Field";
import { SCOPE_LABELS } from "./EditTaskDialog";

export function DeleteTaskDialog({ task, onClose }: { task: Task; onClose: () => void }) {
  const { mutate } = useSWRConfig();
  const [scope, setScope] = useState<Scope>("this");
  const [confirmed, setConfirmed] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const many = task.is_recurring && scope !== "this";

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (many && !confirmed) return;
    setBusy(true);
    setError(null);
    try {
      const query = task.is_recurring ? `?scope=${scope}${many ? "&confirm=true" : ""}` : "";
      await call<void>(`/tasks/${task.task_id}${query}`, { method: "DELETE" });
      void mutate((k) => typeof k === "string" && (k.startsWith("/tasks") || k.startsWith("/series")));
      onClose();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, "client", String(err)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open title={`Delete “${task.title}”?`} onClose={onClose}>
      <form onSubmit={submit} aria-label="Delete task">
        {task.is_recurring ? (
          <fieldset className="scope">
            <legend>What to delete</legend>
            {(Object.keys(SCOPE_LABELS) as Scope[]).map((s) => (
              <label key={s} className="radio">
                <input
                  type="radio"
                  name="scope"
                  value={s}
                  checked={scope === s}
                  onChange={() => {
                    setScope(s);
                    setConfirmed(false);
                  }}
                />
                {SCOPE_LABELS[s]}
              </label>
            ))}
          </fieldset>
        ) : (
          <p>The task is removed from your list.</p>
        )}
        {many && (
          <div className="danger-zone">
            <p>
              {scope === "all"
                ? "Every pending occurrence of this series is deleted and the series stops."
                : "This occurrence and every one after it are deleted; earlier ones stay."}{" "}
              Completed occurrences stay in your history.
            </p>
            <label className="checkbox">
              <input type="checkbox" name="confirm" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
              Yes, delete all future occurrences
            </label>
          </div>
        )}
        <FormError message={error?.message} />
        <div className="actions">
          <button type="submit" className="danger" disabled={busy || (many && !confirmed)}>
            {many ? "Delete all future occurrences" : "Delete"}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
