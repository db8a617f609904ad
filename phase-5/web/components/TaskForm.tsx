"use client";
// Creating a task: a one-off, or a series when "Repeat" has a rule (live preview below it).
import { useState, type FormEvent } from "react";

import { call, newKey } from "@/lib/api";
import { browserZone, fromLocalInput, parseOffsets } from "@/lib/format";
import type { Priority, Task } from "@/lib/types";
import { useAction } from "@/lib/useAction";
import { Field, FormError } from "./Field";
import { RuleFields } from "./RuleFields";

// API fields this form shows next to a control; anything else is said above the button.
const SHOWN = ["title", "due_at", "reminders", "priority", "recurrence.rule", "recurrence.timezone", "recurrence.start"];

export function TaskForm({ onCreated }: { onCreated?: (t: Task) => void }) {
  const [title, setTitle] = useState("");
  const [due, setDue] = useState("");
  const [rule, setRule] = useState("");
  const [zone, setZone] = useState(browserZone);
  const [reminders, setReminders] = useState("");
  const [priority, setPriority] = useState<Priority>("medium");
  const { busy, error, run } = useAction();
  const [status, setStatus] = useState("");
  // One key per task being written: a second click or a retry after a timeout is a replay.
  const [key, setKey] = useState(newKey);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setStatus("");
    const body: Record<string, unknown> = { title, priority };
    const offsets = parseOffsets(reminders);
    if (offsets.length) body.reminders = offsets;
    if (rule.trim()) {
      const recurrence: Record<string, unknown> = { rule: rule.trim(), timezone: zone };
      if (due) recurrence.start = due;
      body.recurrence = recurrence;
    } else if (due) {
      body.due_at = fromLocalInput(due);
    }
    await run(async () => {
      const task = await call<Task>("/tasks", { method: "POST", body, idempotencyKey: key });
      setTitle("");
      setDue("");
      setRule("");
      setReminders("");
      setPriority("medium");
      setKey(newKey());
      setStatus(`Added “${task.title}”.`);
      onCreated?.(task);
    });
  }

  const unshown = error?.outside(SHOWN);
  const dueError = error?.forField("due_at") ?? error?.forField("recurrence.start");

  return (
    <form className="card task-form" onSubmit={submit} aria-label="New task" noValidate>
      <h2>New task</h2>
      <Field label="Title" error={error?.forField("title")}>
        <input name="title" type="text" required maxLength={500} value={title} onChange={(e) => setTitle(e.target.value)} />
      </Field>
      <div className="row">
        <Field label="Due (first occurrence for a repeating task)" error={dueError}>
          <input name="due" type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
        </Field>
        <Field label="Priority" error={error?.forField("priority")}>
          <select name="priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
            <option value="low">Low</option>
            <option value="medium">Medium</option>
            <option value="high">High</option>
          </select>
        </Field>
      </div>
      <RuleFields rule={rule} setRule={setRule} zone={zone} setZone={setZone} start={due} error={error} />
      <Field label="Reminders (optional)" hint="Before the due time, e.g. 1d, 1h, 15m" error={error?.forField("reminders")}>
        <input name="reminders" type="text" autoComplete="off" value={reminders} onChange={(e) => setReminders(e.target.value)} />
      </Field>
      <FormError message={unshown} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Adding…" : "Add task"}
        </button>
        <p role="status" className="status">
          {status}
        </p>
      </div>
    </form>
  );
}
