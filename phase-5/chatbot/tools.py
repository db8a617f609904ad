"""The chatbot's tools. Each one goes through the public API with the caller's token,
records the call in the conversation's history, and answers in words. A tool that takes
`series_id` falls back to the series this conversation touched last, so "skip the next
one" right after "create ..." needs no id."""

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import httpx
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from chatbot.api_client import ApiRefused, TodoApi
from chatbot.conversations import ConversationStore, StoreError, ToolCall
from chatbot.texts import preview_text, series_line, task_line, when

log = logging.getLogger(__name__)
Priority = Literal["low", "medium", "high"]
CONVERSATION_HEADER = "conversation-id"
MAX_CONVERSATION_ID = 128


@dataclass
class Caller:
    user_id: str
    token: str
    conversation_id: str


@dataclass
class ToolDeps:
    api: TodoApi
    store: ConversationStore
    caller: Callable[[Context], Caller]


def conversation_of(headers: Any, session_id: str | None) -> str:
    """The chatbot names its conversation with a `Conversation-Id` header; without one the
    MCP session is the conversation, and without a session (protocol 2026-07-28 has none)
    the user has one default conversation."""
    named = headers.get(CONVERSATION_HEADER) if headers is not None else None
    if named:
        named = str(named).strip()
        if not named or len(named) > MAX_CONVERSATION_ID or not named.isprintable():
            raise ToolError("The Conversation-Id header must be 1-128 printable characters.")
        return named
    return session_id or "default"


def _uuid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError as exc:
        raise ToolError(
            f'"{value}" is not a {what} id (a UUID such as those the list tools show).'
        ) from exc


def register(server: MCPServer, deps: ToolDeps) -> None:
    api, store = deps.api, deps.store

    async def remember(caller: Caller, call: ToolCall) -> None:
        # The change is made by then: a history that cannot be written must not turn a done
        # action into an error the model would retry (a second series, a second skip).
        try:
            await store.record(caller.user_id, caller.conversation_id, call)
        except (StoreError, httpx.HTTPError):
            log.warning("conversation history not saved", exc_info=True)

    async def run(
        ctx: Context,
        tool: str,
        arguments: dict[str, Any],
        body: Callable[[Caller], Awaitable[tuple[str, dict[str, Any]]]],
    ) -> str:
        caller = deps.caller(ctx)
        try:
            text, refs = await body(caller)
        except ToolError:
            await remember(caller, ToolCall(tool, arguments, ok=False))
            raise
        await remember(caller, ToolCall(tool, arguments, ok=True, **refs))
        return text

    async def series_or_last(caller: Caller, series_id: str | None) -> str:
        if series_id:
            return _uuid(series_id, "series")
        try:
            history = await store.calls(caller.user_id, caller.conversation_id)
        except (StoreError, httpx.HTTPError) as exc:
            raise ToolError(
                "The conversation history is unavailable right now: pass series_id "
                "(list_series shows the ids)."
            ) from exc
        for call in reversed(history):
            if call.ok and call.series_id:
                return call.series_id
        raise ToolError(
            "Which series? None was mentioned in this conversation yet: call list_series and "
            "pass its series_id."
        )

    async def get_series(caller: Caller, sid: str) -> dict[str, Any]:
        series: dict[str, Any] = await api.call(
            "GET", f"/series/{sid}", caller.token, what="series"
        )
        return series

    @server.tool()
    async def create_recurring_task(
        title: str,
        rule: str,
        ctx: Context,
        timezone: str = "UTC",
        description: str | None = None,
        priority: Priority = "medium",
        reminders: list[str] | None = None,
    ) -> str:
        """Create a recurring task. `rule` is a phrase ("every weekday at 9 AM", "monthly on
        the last Friday", "every 2 weeks on Monday and Wednesday") or an RFC 5545 RRULE;
        `timezone` is the user's IANA zone (e.g. "Europe/Paris"); `reminders` are offsets
        before each occurrence such as "15m", "1h", "1d"."""
        args = {"title": title, "rule": rule, "timezone": timezone}

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            payload: dict[str, Any] = {
                "title": title,
                "priority": priority,
                "recurrence": {"rule": rule, "timezone": timezone},
            }
            if description:
                payload["description"] = description
            if reminders:
                payload["reminders"] = reminders
            created = await api.call("POST", "/tasks", c.token, what="task", json=payload)
            s = created["series"]
            text = (
                f'Created "{s["title"]}": {s["rule_description"]}. First one due '
                f"{when(created['due_at'], s['timezone'])}. Series id {s['series_id']}."
            )
            return text, {
                "series_id": s["series_id"],
                "task_id": created["task_id"],
                "title": s["title"],
            }

        return await run(ctx, "create_recurring_task", args, body)

    @server.tool()
    async def list_series(
        ctx: Context, status: Literal["active", "paused", "completed"] | None = None
    ) -> str:
        """List the user's recurring series (newest first) with their rule and next
        occurrences."""

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            params: dict[str, Any] = {"page_size": 50}
            if status:
                params["status"] = status
            page = await api.call("GET", "/series", c.token, what="series", params=params)
            if not page["items"]:
                return "The user has no recurring series" + (
                    f" that are {status}." if status else "."
                ), {}
            lines = [series_line(s) for s in page["items"]]
            more = page["total"] - len(page["items"])
            tail = f"\n(and {more} more)" if more > 0 else ""
            return f"{page['total']} series:\n" + "\n".join(lines) + tail, {}

        return await run(ctx, "list_series", {"status": status}, body)

    @server.tool()
    async def upcoming_occurrences(ctx: Context, series_id: str | None = None) -> str:
        """The occurrences of one series: the tasks already created (with their task ids,
        needed to edit or delete one occurrence) and the next ones the series will create.
        Without `series_id`, the series this conversation used last."""

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            sid = await series_or_last(c, series_id)
            s = await get_series(c, sid)
            tasks = await api.call(
                "GET",
                "/tasks",
                c.token,
                what="task",
                params={"series_id": sid, "status": "pending", "page_size": 50},
            )
            tz = s["timezone"]
            created = [task_line(t, tz) for t in tasks["items"]]
            later = [f"- {when(at, tz)}" for at in s.get("next_occurrences") or []]
            parts = [f'"{s["title"]}" ({s["status"]}): {s["rule_description"]}.']
            parts.append("Pending tasks:\n" + ("\n".join(created) or "- none"))
            none = "- none while paused" if s["status"] == "paused" else "- none"
            parts.append("Later occurrences (not created yet):\n" + ("\n".join(later) or none))
            return "\n".join(parts), {"series_id": sid, "title": s["title"]}

        return await run(ctx, "upcoming_occurrences", {"series_id": series_id}, body)

    @server.tool()
    async def preview_rule(rule: str, ctx: Context, timezone: str = "UTC", count: int = 5) -> str:
        """Show what a rule means and its next occurrences, without saving anything."""

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            p = await api.call(
                "POST",
                "/recurrence/preview",
                c.token,
                what="rule",
                json={"rule": rule, "timezone": timezone, "count": count},
            )
            return preview_text(p, timezone), {}

        return await run(ctx, "preview_rule", {"rule": rule, "timezone": timezone}, body)

    @server.tool()
    async def skip_next_occurrence(ctx: Context, series_id: str | None = None) -> str:
        """Skip the next occurrence of a series (without `series_id`: the series this
        conversation used last)."""

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            sid = await series_or_last(c, series_id)
            before = await get_series(c, sid)
            pending = await api.call(
                "GET",
                "/tasks",
                c.token,
                what="task",
                params={"series_id": sid, "status": "pending", "page_size": 1},
            )
            skipped = (
                pending["items"][0]["due_at"]
                if pending["items"]
                else (before.get("upcoming_occurrence"))
            )
            s = await api.call("POST", f"/series/{sid}/skip", c.token, what="series")
            tz = s["timezone"]
            nxt = s.get("next_occurrences") or []
            after = f" The next one is {when(nxt[0], tz)}." if nxt else ""
            text = f'Skipped "{s["title"]}" on {when(skipped, tz)}.{after}'
            return text, {"series_id": sid, "title": s["title"]}

        return await run(ctx, "skip_next_occurrence", {"series_id": series_id}, body)

    @server.tool()
    async def edit_occurrence(
        task_id: str,
        ctx: Context,
        title: str | None = None,
        due_at: str | None = None,
        description: str | None = None,
        priority: Priority | None = None,
    ) -> str:
        """Change one occurrence only (the rest of the series stays as it is). `due_at` is
        an ISO 8601 date-time with offset, e.g. "2026-12-03T11:00:00+01:00"."""
        changes = {
            k: v
            for k, v in (
                ("title", title),
                ("due_at", due_at),
                ("description", description),
                ("priority", priority),
            )
            if v is not None
        }

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            if not changes:
                raise ToolError("Nothing to change: give a title, due_at, description or priority.")
            tid = _uuid(task_id, "task")
            t = await api.call(
                "PATCH",
                f"/tasks/{tid}",
                c.token,
                what="task",
                params={"scope": "this"},
                json=changes,
            )
            text = f'Changed this occurrence only: "{t["title"]}" due {when(t["due_at"])}.'
            refs = {"task_id": tid, "series_id": t.get("series_id"), "title": t["title"]}
            return text, refs

        return await run(ctx, "edit_occurrence", {"task_id": task_id, **changes}, body)

    @server.tool()
    async def edit_series(
        ctx: Context,
        series_id: str | None = None,
        title: str | None = None,
        rule: str | None = None,
        timezone: str | None = None,
        description: str | None = None,
        priority: Priority | None = None,
    ) -> str:
        """Change a whole series: its title, description, priority, or its rule (a new rule
        replaces the upcoming occurrences). Without `series_id`: the series this
        conversation used last."""

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            sid = await series_or_last(c, series_id)
            changes: dict[str, Any] = {
                k: v
                for k, v in (("title", title), ("description", description), ("priority", priority))
                if v is not None
            }
            if rule is not None or timezone is not None:
                current = await get_series(c, sid)
                changes["recurrence"] = {
                    "rule": rule or current["rrule"],
                    "timezone": timezone or current["timezone"],
                }
            if not changes:
                raise ToolError(
                    "Nothing to change: give a title, rule, timezone, description or priority."
                )
            s = await api.call("PATCH", f"/series/{sid}", c.token, what="series", json=changes)
            return (
                "Updated the series:\n" + series_line(s),
                {"series_id": sid, "title": s["title"]},
            )

        args = {"series_id": series_id, "title": title, "rule": rule, "timezone": timezone}
        return await run(ctx, "edit_series", args, body)

    async def pause_or_resume(ctx: Context, action: str, series_id: str | None) -> str:
        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            sid = await series_or_last(c, series_id)
            s = await api.call("POST", f"/series/{sid}/{action}", c.token, what="series")
            if action == "pause":
                text = f'Paused "{s["title"]}": no new occurrences until it is resumed.'
            else:
                nxt = s.get("next_occurrences") or []
                ahead = f" Next: {when(nxt[0], s['timezone'])}." if nxt else ""
                text = f'Resumed "{s["title"]}" (missed occurrences are not brought back).{ahead}'
            return text, {"series_id": sid, "title": s["title"]}

        return await run(ctx, f"{action}_series", {"series_id": series_id}, body)

    @server.tool()
    async def pause_series(ctx: Context, series_id: str | None = None) -> str:
        """Pause a series: it creates nothing until resumed."""
        return await pause_or_resume(ctx, "pause", series_id)

    @server.tool()
    async def resume_series(ctx: Context, series_id: str | None = None) -> str:
        """Resume a paused series from its next occurrence after now."""
        return await pause_or_resume(ctx, "resume", series_id)

    @server.tool()
    async def delete_occurrence(task_id: str, ctx: Context) -> str:
        """Delete one occurrence (one task); the series goes on."""

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            tid = _uuid(task_id, "task")
            t = await api.call("GET", f"/tasks/{tid}", c.token, what="task")
            await api.call(
                "DELETE", f"/tasks/{tid}", c.token, what="task", params={"scope": "this"}
            )
            text = f'Deleted the occurrence "{t["title"]}" due {when(t.get("due_at"))}.'
            return text, {"task_id": tid, "series_id": t.get("series_id"), "title": t["title"]}

        return await run(ctx, "delete_occurrence", {"task_id": task_id}, body)

    @server.tool()
    async def delete_series(
        ctx: Context, series_id: str | None = None, confirm: bool = False
    ) -> str:
        """Delete a series: all its future occurrences go (completed ones stay). The first
        call only asks: relay the question to the user, and call again with confirm=true
        only after they say yes."""

        async def body(c: Caller) -> tuple[str, dict[str, Any]]:
            sid = await series_or_last(c, series_id)
            s = await get_series(c, sid)
            refs = {"series_id": sid, "title": s["title"]}
            if s["status"] == "deleted":
                return f'"{s["title"]}" is already deleted.', refs
            if not confirm:
                pending = await api.call(
                    "GET",
                    "/tasks",
                    c.token,
                    what="task",
                    params={"series_id": sid, "status": "pending", "page_size": 1},
                )
                return (
                    f'Deleting "{s["title"]}" ({s["rule_description"]}) removes ALL its future '
                    f"occurrences ({pending['total']} pending task(s) now, and every later one); "
                    "completed ones stay. Nothing is deleted yet: ask the user to confirm, then "
                    f'call delete_series with series_id "{sid}" and confirm=true.'
                ), refs
            await api.call(
                "DELETE", f"/series/{sid}", c.token, what="series", params={"confirm": "true"}
            )
            return f'Deleted "{s["title"]}" and all its future occurrences.', refs

        return await run(ctx, "delete_series", {"series_id": series_id, "confirm": confirm}, body)

    _ = ApiRefused  # documented error type of every tool
