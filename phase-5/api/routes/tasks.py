"""Tasks: one-off tasks and the instances of recurring series."""

import uuid

from fastapi import APIRouter
from sqlmodel import select

from api.deps import CurrentUser, SessionDep
from api.errors import NotFound
from api.outbox import add_event
from api.schemas import TaskCreate, TaskPublic
from infra.messaging import EventType
from storage.tables import Task

router = APIRouter(prefix="/tasks", tags=["tasks"])


def _public(task: Task) -> TaskPublic:
    return TaskPublic.model_validate(task, from_attributes=True)


@router.post("", status_code=201, response_model=TaskPublic)
async def create_task(body: TaskCreate, user_id: CurrentUser, session: SessionDep) -> TaskPublic:
    task = Task(
        user_id=user_id,
        title=body.title,
        description=body.description,
        priority=body.priority,
        due_date=body.due_at,
    )
    session.add(task)
    await session.flush()
    await session.refresh(task)
    public = _public(task)
    add_event(session, EventType.TASK_CREATED, user_id, {"task": public.model_dump(mode="json")})
    return public


@router.get("/{task_id}", response_model=TaskPublic)
async def get_task(task_id: uuid.UUID, user_id: CurrentUser, session: SessionDep) -> TaskPublic:
    task = (
        await session.exec(select(Task).where(Task.task_id == task_id, Task.user_id == user_id))
    ).first()
    if task is None:
        raise NotFound("Task not found.")
    return _public(task)
