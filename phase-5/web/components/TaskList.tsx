"use client";
import useSWR from "swr";

import type { ApiError } from "@/lib/api";
import type { Page, Task } from "@/lib/types";
import { TaskRow } from "./TaskRow";

/** The tasks at `path` (an API list path); `empty` says what an empty list means. */
export function TaskList({
  path,
  label,
  empty,
  onPage,
  zone,
}: {
  path: string;
  label: string;
  empty: string;
  onPage?: (page: number) => void;
  /** Show times in this zone (a series' own), else in the browser's. */
  zone?: string;
}) {
  const { data, error, isLoading } = useSWR<Page<Task>, ApiError>(path);
  if (error) return <p role="alert" className="form-error">{error.message}</p>;
  if (!data) return <p aria-busy={isLoading}>Loading…</p>;
  const first = (data.page - 1) * data.page_size + 1;
  const last = first + data.items.length - 1;
  return (
    <section aria-label={label}>
      {data.items.length === 0 ? (
        <p className="empty">{empty}</p>
      ) : (
        <ul className="tasks" data-testid="task-list">
          {data.items.map((t) => (
            <TaskRow key={t.task_id} task={t} zone={zone} />
          ))}
        </ul>
      )}
      {onPage && data.total > 0 && (
        <nav className="pager" aria-label={`${label} pages`}>
          <button type="button" disabled={data.page <= 1} onClick={() => onPage(data.page - 1)}>
            Previous
          </button>
          <span>
            {first}–{last} of {data.total}
          </span>
          <button type="button" disabled={!data.next} onClick={() => onPage(data.page + 1)}>
            Next
          </button>
        </nav>
      )}
    </section>
  );
}
