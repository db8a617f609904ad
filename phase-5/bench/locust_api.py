"""Locust users doing task operations through the API (create, list, read, update,
complete), for bench_api_ops.py. Each simulated user is a user of the platform with its
own token; no wait between operations, so the load is as much as the users can drive."""

import sys
import uuid
from pathlib import Path

from locust import FastHttpUser, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.stack import auth


class TaskUser(FastHttpUser):
    def on_start(self) -> None:
        self.headers = auth(f"user-{uuid.uuid4().hex[:12]}")
        self.tasks_ids: list[str] = []

    @task(3)
    def create(self) -> None:
        with self.client.post(
            "/api/v1/tasks", json={"title": "load"}, headers=self.headers,
            name="POST /tasks", catch_response=True,
        ) as r:  # fmt: skip
            if r.status_code == 201:
                self.tasks_ids.append(r.json()["task_id"])
            else:
                r.failure(f"{r.status_code}")

    @task(3)
    def list_pending(self) -> None:
        self.client.get(
            "/api/v1/tasks?status=pending&page_size=20", headers=self.headers, name="GET /tasks"
        )

    @task(2)
    def read(self) -> None:
        if self.tasks_ids:
            self.client.get(
                f"/api/v1/tasks/{self.tasks_ids[-1]}", headers=self.headers, name="GET /tasks/id"
            )

    @task(1)
    def update(self) -> None:
        if self.tasks_ids:
            self.client.patch(
                f"/api/v1/tasks/{self.tasks_ids[-1]}", json={"priority": "high"},
                headers=self.headers, name="PATCH /tasks/id",
            )  # fmt: skip

    @task(1)
    def complete(self) -> None:
        if self.tasks_ids:
            self.client.post(
                f"/api/v1/tasks/{self.tasks_ids.pop()}/complete", headers=self.headers,
                name="POST /tasks/id/complete",
            )  # fmt: skip
