"use client";
// Editing a task. For an instance of a series the user says what the change is for: this
// occurrence (it becomes an exception), this and following (the series splits here), or
// all. Only what changed is sent.
import { useEffect, useState, type FormEvent } from "react";
import useSWR from "swr";

import { call } from "@/lib/api";
import { browserZone, fromLocalInput, toLocalInput } from "@/lib/format";
import type { Priority, Scope, Series, Task } from "@/lib/types";
import { useAction } from "@/lib/useAction";
import { Dialog } from "./Dialog";
import { DialogActions } from "./DialogActions";
import { Field, FormError } from "./Field";
import { RuleFields } from "./RuleFields";
import { ScopeChoice } from "./ScopeChoice";

const SHOWN = ["title", "description", "priority", "due_at", "recurrence.rule", "recurrence.timezone"];

export function EditTaskDialog({ task, onClose }: { task: Task; onClose: () => void }) {
  const { data: series } = useSWR<Series>(task.series_id ? `/series/${task.series_id}` : null);
  const [scope, setScope] = useState<Scope>("this");
  const [title, setTitle] = useState(task.title);
  const [description, setDescription] = useState(task.description ?? "");
  const [priority, setPriority] = useState<Priority>(task.priority);
  const [due, setDue] = useState(toLocalInput(task.due_at));
  const originalRule = series?.phrase ?? series?.rrule ?? "";
  const [rule, setRule] = useState("");
  const [zone, setZone] = useState(browserZone);
  const [ruleTouched, setRuleTouched] = useState(false);
  // The series arrives after the dialog opens; fill the rule once, never over typing.
  useEffect(() => {
    if (series && !ruleTouched) {
      setRule(series.phrase ?? series.rrule);
      setZone(series.timezone);
    }
  }, [series, ruleTouched]);
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    if (title !== task.title) body.title = title;
    if (description !== (task.description ?? "")) body.description = description;
    if (priority !== task.priority) body.priority = priority;
    if (scope === "this" && due !== toLocalInput(task.due_at) && due) body.due_at = fromLocalInput(due);
    if (scope !== "this" && task.is_recurring && (rule.trim() !== originalRule || zone !== series?.timezone)) {
      body.recurrence = { rule: rule.trim(), timezone: zone };
    }
    const query = task.is_recurring ? `?scope=${scope}` : "";
    if (await run(() => call<Task>(`/tasks/${task.task_id}${query}`, { method: "PATCH", body }))) onClose();
  }

  const unshown = error?.outside(SHOWN);

  return (
    <Dialog open title={`Edit “${task.title}”`} onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label="Edit task">
        {task.is_recurring && <ScopeChoice legend="Apply the change to" scope={scope} onChange={setScope} />}
        <Field label="Title" error={error?.forField("title")}>
          <input name="title" type="text" value={title} onChange={(e) => setTitle(e.target.value)} />
        </Field>
        <Field label="Notes" error={error?.forField("description")}>
          <textarea name="description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <Field label="Priority" error={error?.forField("priority")}>
          <select name="priority" value={priority} onChange={(e) => setPriority(e.target.value as Priority)}>
            <option value="low">Low</option>
            <option value="medium">Medium</option>
            <option value="high">High</option>
          </select>
        </Field>
        {scope === "this" ? (
          <Field label="Due" error={error?.forField("due_at")}>
            <input name="due" type="datetime-local" value={due} onChange={(e) => setDue(e.target.value)} />
          </Field>
        ) : (
          <RuleFields
            rule={rule}
            setRule={(v) => {
              setRuleTouched(true);
              setRule(v);
            }}
            zone={zone}
            setZone={(v) => {
              setRuleTouched(true);
              setZone(v);
            }}
            start=""
            error={error}
            ruleLabel="Repeat rule"
          />
        )}
        <FormError message={unshown} />
        <DialogActions label="Save" busyLabel="Saving…" busy={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}
