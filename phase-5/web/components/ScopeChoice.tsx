"use client";
// Which occurrences of a series a change or a deletion is for.
import type { Scope } from "@/lib/types";

export const SCOPE_LABELS: Record<Scope, string> = {
  this: "This occurrence",
  following: "This and following occurrences",
  all: "All occurrences",
};

export function ScopeChoice({ legend, scope, onChange }: { legend: string; scope: Scope; onChange: (s: Scope) => void }) {
  return (
    <fieldset className="scope">
      <legend>{legend}</legend>
      {(Object.keys(SCOPE_LABELS) as Scope[]).map((s) => (
        <label key={s} className="radio">
          <input type="radio" name="scope" value={s} checked={scope === s} onChange={() => onChange(s)} />
          {SCOPE_LABELS[s]}
        </label>
      ))}
    </fieldset>
  );
}
