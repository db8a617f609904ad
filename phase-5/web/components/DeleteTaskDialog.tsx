"use client";
// Deleting a task. One occurrence goes at once; "this and following" or "all" removes
// every future occurrence, so the user ticks an explicit confirmation first (and the API
// refuses without confirm=true anyway).
import { useState, type FormEvent } from "react";

import { call } from "@/lib/api";
import type { Scope, Task } from "@/lib/types";
import { useAction } from "@/lib/useAction";
import { Dialog } from "./Dialog";
import { DialogActions } from "./DialogActions";
import { FormError } from "./Field";
import { ScopeChoice } from "./ScopeChoice";

export function DeleteTaskDialog({ task, onClose }: { task: Task; onClose: () => void }) {
  const [scope, setScope] = useState<Scope>("this");
  const [confirmed, setConfirmed] = useState(false);
  const { busy, error, run } = useAction();
  const many = task.is_recurring && scope !== "this";

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (many && !confirmed) return;
    const query = task.is_recurring ? `?scope=${scope}${many ? "&confirm=true" : ""}` : "";
    if (await run(() => call<void>(`/tasks/${task.task_id}${query}`, { method: "DELETE" }))) onClose();
  }

  return (
    <Dialog open title={`Delete “${task.title}”?`} onClose={onClose}>
      <form onSubmit={submit} aria-label="Delete task">
        {task.is_recurring ? (
          <ScopeChoice
            legend="What to delete"
            scope={scope}
            onChange={(s) => {
              setScope(s);
              setConfirmed(false);
            }}
          />
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
        <DialogActions
          label={many ? "Delete all future occurrences" : "Delete"}
          busy={busy}
          disabled={many && !confirmed}
          danger
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
