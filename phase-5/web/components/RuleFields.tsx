"use client";
// The repeat rule, its time zone and the live preview of what the rule means.
import { useId, useMemo } from "react";

import type { ApiError } from "@/lib/api";
import { zones, when } from "@/lib/format";
import { usePreview } from "@/lib/usePreview";
import { Field } from "./Field";

export function RuleFields({
  rule,
  setRule,
  zone,
  setZone,
  start,
  error,
  ruleLabel = "Repeat (optional)",
  prefix = "recurrence",
}: {
  rule: string;
  setRule: (v: string) => void;
  zone: string;
  setZone: (v: string) => void;
  start: string;
  /** The last submit's error: its recurrence.* fields show here. */
  error: ApiError | null;
  ruleLabel?: string;
  prefix?: string;
}) {
  const { preview, error: previewError, loading } = usePreview(rule, zone, start);
  const zoneNames = useMemo(() => zones(), []);
  const previewId = useId();
  const listId = useId();
  const submitted = (name: string) => error?.forField(`${prefix}.${name}`);
  const previewed = (name: string) => previewError?.forField(name);
  const ruleError =
    submitted("rule") ??
    previewed("rule") ??
    previewed("count") ??
    previewed("ends_at") ??
    (previewError && previewError.problems.length === 0 ? previewError.message : undefined);
  const zoneError = submitted("timezone") ?? previewed("timezone");

  return (
    <>
      <Field
        label={ruleLabel}
        hint='A phrase like "every Monday at 10 AM", "monthly on the last Friday", or an RRULE'
        error={ruleError}
      >
        <input
          name="rule"
          type="text"
          autoComplete="off"
          value={rule}
          onChange={(e) => setRule(e.target.value)}
          aria-controls={previewId}
        />
      </Field>
      {rule.trim() !== "" && (
        <Field label="Time zone" error={zoneError}>
          <input
            name="timezone"
            type="text"
            list={listId}
            autoComplete="off"
            value={zone}
            onChange={(e) => setZone(e.target.value)}
          />
        </Field>
      )}
      <datalist id={listId}>
        {rule.trim() !== "" && zoneNames.map((z) => <option key={z} value={z} />)}
      </datalist>
      <section
        id={previewId}
        className="preview"
        aria-live="polite"
        aria-busy={loading}
        aria-label="What the rule means"
        data-testid="rule-preview"
        hidden={rule.trim() === ""}
      >
        {preview && (
          <>
            <p className="preview-description" data-testid="rule-description">
              {preview.description}
              {preview.ended && " (already ended)"}
            </p>
            <p className="hint">
              <code>{preview.rrule}</code>
            </p>
            {preview.occurrences.length > 0 && (
              <>
                <p className="preview-next">Next occurrences:</p>
                <ol className="preview-list" data-testid="preview-occurrences">
                  {preview.occurrences.map((o) => (
                    <li key={o}>
                      <time dateTime={o}>{when(o, zone)}</time>
                    </li>
                  ))}
                </ol>
              </>
            )}
          </>
        )}
        {!preview && loading && <p className="hint">Reading the rule…</p>}
      </section>
    </>
  );
}
