"use client";
// One task in a list: complete (or reopen), edit, delete, and the way to its series.
import Link from "next/link";
import { useState } from "react";

import { call, newKey } from "@/lib/api";
import { when } from "@/lib/format";
import type { Task } from "@/lib/types";
import { useAction } from "@/lib/useAction";
import { DeleteTaskDialog } from "./DeleteTaskDialog";
import { EditTaskDialog } from "./EditTaskDialog";

export function TaskRow({ task, zone }: { task: Task; zone?: string }) {
  const [dialog, setDialog] = useState<"edit" | "delete" | null>(null);
  const { busy, error, run } = useAction();
  const done = task.status === "completed";

  async function toggle() {
    const action = done ? "reopen" : "complete";
    await run(() => call(`/tasks/${task.task_id}/${action}`, { method: "POST", idempotencyKey: newKey() }));
  }

  return (
    <li className={`task task-${task.status}`} data-task-id={task.task_id} data-status={task.status}>
      <div className="task-main">
        <button
          type="button"
          className="complete"
          onClick={toggle}
          disabled={busy}
          aria-label={done ? `Reopen “${task.title}”` : `Complete “${task.title}”`}
        >
          <span aria-hidden="true">{done ? "✓" : ""}</span>
        </button>
        <div className="task-text">
          <Link href={`/tasks/${task.task_id}`} className="task-title">
            {task.title}
          </Link>
          <p className="task-meta">
            <time dateTime={task.due_at ?? undefined}>{when(task.due_at, zone)}</time>
            {task.priority !== "medium" && <span className={`badge prio-${task.priority}`}>{task.priority}</span>}
            {task.series_id && (
              <Link className="badge badge-link" href={`/series/${task.series_id}`}>
                repeats
              </Link>
            )}
            {task.is_exception && <span className="badge">edited</span>}
            {done && task.completed_at && <span>done {when(task.completed_at, zone)}</span>}
          </p>
        </div>
      </div>
      <div className="task-actions">
        {!done && (
          <button type="button" onClick={() => setDialog("edit")} aria-label={`Edit “${task.title}”`}>
            Edit
          </button>
        )}
        {!done && (
          <button type="button" onClick={() => setDialog("delete")} aria-label={`Delete “${task.title}”`}>
            Delete
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="field-error">
          {error.message}
        </p>
      )}
      {dialog === "edit" && <EditTaskDialog task={task} onClose={() => setDialog(null)} />}
      {dialog === "delete" && <DeleteTaskDialog task={task} onClose={() => setDialog(null)} />}
    </li>
  );
}
