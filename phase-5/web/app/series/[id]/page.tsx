"use client";
// One series: its rule, pause / resume / skip next, upcoming and completed occurrences.
import { useParams, useRouter } from "next/navigation";
import { useState } from "react";
import useSWR from "swr";

import { RequireSession } from "@/components/RequireSession";
import { DeleteSeriesDialog, EditSeriesDialog } from "@/components/SeriesDialogs";
import { TaskList } from "@/components/TaskList";
import { ApiError, call, newKey } from "@/lib/api";
import { when } from "@/lib/format";
import type { Series } from "@/lib/types";
import { useAction } from "@/lib/useAction";

const DONE = { pause: "Paused.", resume: "Resumed.", skip: "Skipped the next occurrence." } as const;

function SeriesDetail({ id }: { id: string }) {
  const router = useRouter();
  const { data: s, error } = useSWR<Series, ApiError>(`/series/${id}`);
  const [dialog, setDialog] = useState<"edit" | "delete" | null>(null);
  const { busy, error: actionError, run } = useAction();
  const [message, setMessage] = useState("");

  if (error?.status === 404) return <p className="card">This series does not exist.</p>;
  if (error) return <p role="alert" className="form-error">{error.message}</p>;
  if (!s) return <p aria-busy="true">Loading…</p>;
  const open = s.status === "active" || s.status === "paused";

  async function act(action: keyof typeof DONE) {
    setMessage("");
    if (await run(() => call<Series>(`/series/${id}/${action}`, { method: "POST", idempotencyKey: newKey() }))) {
      setMessage(DONE[action]);
    }
  }

  const pending = `/tasks?series_id=${id}&status=pending&page_size=50&sort=due_at`;
  const completed = `/tasks?series_id=${id}&status=completed&page_size=50&sort=-due_at`;
  return (
    <div className="layout">
      <section className="card" aria-labelledby="series-heading">
        <h1 id="series-heading">
          {s.title} <span className={`badge status-${s.status}`} data-testid="series-status">{s.status}</span>
        </h1>
        <p className="preview-description" data-testid="series-rule">{s.rule_description}</p>
        <dl className="facts">
          {s.phrase && (
            <>
              <dt>Written as</dt>
              <dd>{s.phrase}</dd>
            </>
          )}
          <dt>Rule</dt>
          <dd>
            <code>{s.rrule}</code>
          </dd>
          <dt>Time zone</dt>
          <dd>{s.timezone}</dd>
          <dt>Repeats</dt>
          <dd>{s.mode === "after_completion" ? "after each completion" : "on fixed dates"}</dd>
          {s.ends_at && (
            <>
              <dt>Ends</dt>
              <dd>{when(s.ends_at, s.timezone)}</dd>
            </>
          )}
          {s.count !== null && (
            <>
              <dt>Occurrences</dt>
              <dd>{s.count}</dd>
            </>
          )}
          <dt>Reminders</dt>
          <dd>{s.reminders.length ? `${s.reminders.join(", ")} before each` : "none"}</dd>
        </dl>
        {open && (
          <div className="actions" role="group" aria-label="Series actions">
            {s.status === "active" ? (
              <button type="button" onClick={() => act("pause")} disabled={busy}>
                Pause
              </button>
            ) : (
              <button type="button" onClick={() => act("resume")} disabled={busy}>
                Resume
              </button>
            )}
            <button type="button" onClick={() => act("skip")} disabled={busy || s.status !== "active"}>
              Skip next
            </button>
            <button type="button" onClick={() => setDialog("edit")}>
              Edit series
            </button>
            <button type="button" className="danger" onClick={() => setDialog("delete")}>
              Delete series
            </button>
          </div>
        )}
        <p role="status" className="status">
          {message}
        </p>
        {actionError && (
          <p role="alert" className="form-error">
            {actionError.message}
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="upcoming-heading">
        <h2 id="upcoming-heading">Upcoming</h2>
        <TaskList
          path={pending}
          label="Pending occurrences"
          zone={s.timezone}
          empty={s.status === "paused" ? "Paused: nothing pending." : "Nothing pending."}
        />
        {s.status === "active" && s.next_occurrences.length > 0 && (
          <>
            <h3>Later</h3>
            <ol className="later" data-testid="next-occurrences">
              {s.next_occurrences.map((o) => (
                <li key={o}>
                  <time dateTime={o}>{when(o, s.timezone)}</time>
                </li>
              ))}
            </ol>
          </>
        )}
      </section>
      <section className="card" aria-labelledby="completed-heading">
        <h2 id="completed-heading">Completed</h2>
        <TaskList path={completed} label="Completed occurrences" zone={s.timezone} empty="None completed yet." />
      </section>
      {dialog === "edit" && <EditSeriesDialog series={s} onClose={() => setDialog(null)} />}
      {dialog === "delete" && (
        <DeleteSeriesDialog series={s} onClose={() => setDialog(null)} onDeleted={() => router.push("/series")} />
      )}
    </div>
  );
}

export default function SeriesPage() {
  const { id } = useParams<{ id: string }>();
  return (
    <RequireSession>
      <SeriesDetail id={id} />
    </RequireSession>
  );
}
