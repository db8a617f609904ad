"use client";
// The task list (50 a page) with its filters in the URL, and the form to add a task.
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Suspense, useId } from "react";
import useSWR from "swr";

import { RequireSession } from "@/components/RequireSession";
import { TaskForm } from "@/components/TaskForm";
import { TaskList } from "@/components/TaskList";
import type { Page, Series } from "@/lib/types";

const PAGE_SIZE = 50;
const STATUSES = [
  ["pending", "Pending"],
  ["completed", "Completed"],
  ["all", "All"],
] as const;
type StatusFilter = (typeof STATUSES)[number][0];

function Tasks() {
  const params = useSearchParams();
  const router = useRouter();
  const path = usePathname();
  const seriesSelect = useId();
  const status = (STATUSES.find(([v]) => v === params.get("status"))?.[0] ?? "pending") as StatusFilter;
  const series = params.get("series") ?? "";
  const page = Math.max(1, Number(params.get("page")) || 1);
  const { data: allSeries } = useSWR<Page<Series>>("/series?page_size=50");

  const go = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params.toString());
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === "") next.delete(k);
      else next.set(k, v);
    }
    if (!("page" in changes)) next.delete("page");
    const q = next.toString();
    router.replace(q ? `${path}?${q}` : path, { scroll: false });
  };

  const query = new URLSearchParams({ page_size: String(PAGE_SIZE), page: String(page) });
  if (status !== "all") query.set("status", status);
  if (series) query.set("series_id", series);
  // Newest completions first; pending ones by due date.
  query.set("sort", status === "completed" ? "-due_at" : "due_at");

  return (
    <div className="layout">
      <TaskForm />
      <section className="card" aria-labelledby="tasks-heading">
        <h1 id="tasks-heading">Tasks</h1>
        <div className="filters">
          <fieldset className="segmented">
            <legend className="sr-only">Show</legend>
            {STATUSES.map(([value, text]) => (
              <label key={value} className={status === value ? "on" : undefined}>
                <input
                  type="radio"
                  name="status"
                  value={value}
                  checked={status === value}
                  onChange={() => go({ status: value === "pending" ? null : value })}
                />
                {text}
              </label>
            ))}
          </fieldset>
          <div className="field inline">
            <label htmlFor={seriesSelect}>Series</label>
            <select id={seriesSelect} name="series" value={series} onChange={(e) => go({ series: e.target.value })}>
              <option value="">All tasks</option>
              {allSeries?.items.map((s) => (
                <option key={s.series_id} value={s.series_id}>
                  {s.title} ({s.rule_description})
                </option>
              ))}
            </select>
          </div>
        </div>
        <TaskList
          path={`/tasks?${query.toString()}`}
          label="Task list"
          empty={status === "completed" ? "Nothing completed yet." : "No tasks here. Add one with the form."}
          onPage={(p) => go({ page: p > 1 ? String(p) : null })}
        />
      </section>
    </div>
  );
}

export default function TasksPage() {
  return (
    <RequireSession>
      <Suspense>
        <Tasks />
      </Suspense>
    </RequireSession>
  );
}
