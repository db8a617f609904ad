"use client";
// Editing a whole series (PATCH /series/{id}) and deleting it (needs an explicit yes).
import { useState, type FormEvent } from "react";

import { call } from "@/lib/api";
import { parseOffsets } from "@/lib/format";
import type { Series } from "@/lib/types";
import { useAction } from "@/lib/useAction";
import { Dialog } from "./Dialog";
import { DialogActions } from "./DialogActions";
import { Field, FormError } from "./Field";
import { RuleFields } from "./RuleFields";
const SHOWN = ["title", "reminders", "lead_time_minutes", "recurrence.rule", "recurrence.timezone"];

export function EditSeriesDialog({ series, onClose }: { series: Series; onClose: () => void }) {
  const originalRule = series.phrase ?? series.rrule;
  const [title, setTitle] = useState(series.title);
  const [rule, setRule] = useState(originalRule);
  const [zone, setZone] = useState(series.timezone);
  const [reminders, setReminders] = useState(series.reminders.join(", "));
  const [lead, setLead] = useState(String(series.lead_time_minutes));
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const body: Record<string, unknown> = {};
    if (title !== series.title) body.title = title;
    if (rule.trim() !== originalRule || zone !== series.timezone) body.recurrence = { rule: rule.trim(), timezone: zone };
    const offsets = parseOffsets(reminders);
    if (offsets.join(",") !== series.reminders.join(",")) body.reminders = offsets;
    if (lead !== String(series.lead_time_minutes)) body.lead_time_minutes = lead === "" ? null : Number(lead);
    if (await run(() => call<Series>(`/series/${series.series_id}`, { method: "PATCH", body }))) onClose();
  }

  const unshown = error?.outside(SHOWN);
  return (
    <Dialog open title="Edit the series" onClose={onClose}>
      <form onSubmit={submit} noValidate aria-label="Edit series">
        <p className="hint">Changes apply to every pending occurrence that was not edited on its own.</p>
        <Field label="Title" error={error?.forField("title")}>
          <input name="title" type="text" value={title} onChange={(e) => setTitle(e.target.value)} />
        </Field>
        <RuleFields rule={rule} setRule={setRule} zone={zone} setZone={setZone} start="" error={error} ruleLabel="Repeat rule" />
        <Field label="Reminders" hint="Before each occurrence, e.g. 1d, 1h, 15m; empty for none" error={error?.forField("reminders")}>
          <input name="reminders" type="text" autoComplete="off" value={reminders} onChange={(e) => setReminders(e.target.value)} />
        </Field>
        <Field label="Show the next occurrence this many minutes ahead" error={error?.forField("lead_time_minutes")}>
          <input name="lead_time_minutes" type="number" inputMode="numeric" min={0} value={lead} onChange={(e) => setLead(e.target.value)} />
        </Field>
        <FormError message={unshown} />
        <DialogActions label="Save" busyLabel="Saving…" busy={busy} onCancel={onClose} />
      </form>
    </Dialog>
  );
}

export function DeleteSeriesDialog({
  series,
  onClose,
  onDeleted,
}: {
  series: Series;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const [confirmed, setConfirmed] = useState(false);
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!confirmed) return;
    if (await run(() => call<void>(`/series/${series.series_id}?confirm=true`, { method: "DELETE" }))) onDeleted();
  }

  return (
    <Dialog open title={`Delete the series “${series.title}”?`} onClose={onClose}>
      <form onSubmit={submit} aria-label="Delete series">
        <div className="danger-zone">
          <p>Every pending occurrence is deleted and no new ones come. Completed occurrences stay in your history.</p>
          <label className="checkbox">
            <input type="checkbox" name="confirm" checked={confirmed} onChange={(e) => setConfirmed(e.target.checked)} />
            Yes, delete all future occurrences
          </label>
        </div>
        <FormError message={error?.message} />
        <DialogActions label="Delete all future occurrences" busy={busy} disabled={!confirmed} danger onCancel={onClose} />
      </form>
    </Dialog>
  );
}
