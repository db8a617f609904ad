// Shapes of the API's JSON (api/schemas.py, api/notification_schemas.py). Instants are
// UTC strings with `Z`; `*_local` fields are wall times in the series' zone.

export type Priority = "low" | "medium" | "high";
export type Scope = "this" | "following" | "all";

export interface Task {
  task_id: string;
  series_id: string | null;
  title: string;
  description: string | null;
  priority: Priority;
  due_at: string | null;
  occurrence_at: string | null;
  status: "pending" | "completed" | "deleted";
  is_exception: boolean;
  is_recurring: boolean;
  recurrence_pattern: string | null;
  recurrence_end_date: string | null;
  upcoming_occurrence: string | null;
  reminders: string[];
  completed_at: string | null;
  created_at: string | null;
  updated_at: string | null;
}

export interface Series {
  series_id: string;
  title: string;
  description: string | null;
  priority: Priority;
  status: "active" | "paused" | "completed" | "deleted";
  rrule: string;
  phrase: string | null;
  rule_description: string;
  mode: "fixed" | "after_completion";
  timezone: string;
  start_local: string;
  ends_at: string | null;
  count: number | null;
  lead_time_minutes: number;
  reminders: string[];
  upcoming_occurrence: string | null;
  next_occurrences: string[];
  created_at: string | null;
  updated_at: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
  next: string | null;
}

export interface Preview {
  rrule: string;
  description: string;
  ended: boolean;
  occurrences: string[];
  occurrences_local: string[];
}

export interface NotificationChannels {
  email: { address: string; created_at: string | null; updated_at: string | null } | null;
  push: { subscription_id: string; endpoint: string; created_at: string | null }[];
}
