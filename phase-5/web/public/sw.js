// Service worker: shows the reminders todo-api sends by Web Push
// ({title, body, task_id, due_at, url}) and opens the task when one is clicked.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: "Reminder", body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "Reminder";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.task_id || undefined,
      data: { taskId: data.task_id || null },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  // The task's page on this origin, whatever host the reminder's own link names.
  const taskId = event.notification.data && event.notification.data.taskId;
  const target = new URL(taskId ? `/tasks/${taskId}` : "/tasks", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const w of windows) {
        if (w.url === target && "focus" in w) return w.focus();
      }
      return self.clients.openWindow(target);
    }),
  );
});
