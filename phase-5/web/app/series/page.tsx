"use client";
import Link from "next/link";
import useSWR from "swr";

import { RequireSession } from "@/components/RequireSession";
import type { ApiError } from "@/lib/api";
import { when } from "@/lib/format";
import type { Page, Series } from "@/lib/types";

function SeriesList() {
  const { data, error } = useSWR<Page<Series>, ApiError>("/series?page_size=50");
  if (error) return <p role="alert" className="form-error">{error.message}</p>;
  if (!data) return <p aria-busy="true">Loading…</p>;
  return (
    <section className="card" aria-labelledby="series-heading">
      <h1 id="series-heading">Repeating tasks</h1>
      {data.items.length === 0 ? (
        <p className="empty">No repeating tasks yet: give a task a repeat rule when you add it.</p>
      ) : (
        <ul className="series-list">
          {data.items.map((s) => (
            <li key={s.series_id}>
              <Link href={`/series/${s.series_id}`}>{s.title}</Link>
              <span className={`badge status-${s.status}`}>{s.status}</span>
              <p className="task-meta">
                {s.rule_description}
                {s.status === "active" && s.next_occurrences[0] && <> · next {when(s.next_occurrences[0], s.timezone)}</>}
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export default function SeriesListPage() {
  return (
    <RequireSession>
      <SeriesList />
    </RequireSession>
  );
}
