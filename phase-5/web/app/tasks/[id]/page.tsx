"use client";
// One task: where a reminder's link leads.
import Link from "next/link";
import { useParams } from "next/navigation";
import useSWR from "swr";

import { RequireSession } from "@/components/RequireSession";
import { TaskRow } from "@/components/TaskRow";
import type { ApiError } from "@/lib/api";
import { when } from "@/lib/format";
import type { Task } from "@/lib/types";

function TaskDetail({ id }: { id: string }) {
  const { data: task, error } = useSWR<Task, ApiError>(`/tasks/${id}`);
  if (error?.status === 404) return <p className="card">This task does not exist any more.</p>;
  if (error) return <p role="alert" className="form-error">{error.message}</p>;
  if (!task) return <p aria-busy="true">Loading…</p>;
  return (
    <section className="card" aria-labelledby="task-heading">
      <h1 id="task-heading">{task.title}</h1>
      <ul className="tasks">
        <TaskRow task={task} />
      </ul>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{task.status}</dd>
        <dt>Due</dt>
        <dd>{when(task.due_at)}</dd>
        {task.description && (
          <>
            <dt>Notes</dt>
            <dd>{task.description}</dd>
          </>
        )}
        <dt>Reminders</dt>
        <dd>{task.reminders.length ? task.reminders.join(", ") + " before" : "none"}</dd>
        {task.series_id && (
          <>
            <dt>Series</dt>
            <dd>
              <Link href={`/series/${task.series_id}`}>Open the series</Link>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

export default function TaskPage() {
  const { id } = useParams<{ id: string }>();
  return (
    <RequireSession>
      <TaskDetail id={id} />
    </RequireSession>
  );
}
