// Which reads (SWR keys = API paths) one live event makes stale.
import type { LiveEvent } from "./live";

function isList(key: string, resource: "tasks" | "series"): boolean {
  return key === `/${resource}` || key.startsWith(`/${resource}?`);
}

export function affects(e: LiveEvent, key: string): boolean {
  if (e.type === "resync") return true;
  if (e.type.startsWith("stream.")) return false; // the stream's own messages
  if (e.type.startsWith("v1.reminder.")) return false;
  const tasks = isList(key, "tasks");
  const seriesList = isList(key, "series");
  if (e.type.startsWith("v1.task.")) {
    if (tasks) return true;
    if (key.startsWith("/tasks/")) return e.taskId === null || key === `/tasks/${e.taskId}`;
    if (e.seriesId === null) return false;
    return seriesList || key === `/series/${e.seriesId}`;
  }
  if (e.type.startsWith("v1.series.")) {
    if (tasks || seriesList) return true;
    if (key.startsWith("/series/")) return e.seriesId === null || key === `/series/${e.seriesId}`;
    // A series change (pause, delete) changes its instances.
    return key.startsWith("/tasks/");
  }
  // A kind this app does not know yet: refetch what shows tasks and series.
  return key.startsWith("/tasks") || key.startsWith("/series");
}
