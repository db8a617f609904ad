"use client";
// A dialog's buttons: the action (submits its form) and Cancel.
export function DialogActions({
  label,
  busyLabel,
  busy,
  disabled = false,
  danger = false,
  onCancel,
}: {
  label: string;
  busyLabel?: string;
  busy: boolean;
  disabled?: boolean;
  danger?: boolean;
  onCancel: () => void;
}) {
  return (
    <div className="actions">
      <button type="submit" className={danger ? "danger" : "primary"} disabled={busy || disabled}>
        {busy && busyLabel ? busyLabel : label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
