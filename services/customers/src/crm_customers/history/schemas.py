import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class FollowUpKind(StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"
    MEETING = "meeting"
    WECHAT = "wechat"
    OTHER = "other"


class ActivityKind(StrEnum):
    MEETING = "meeting"
    TRAINING = "training"
    EXHIBITION = "exhibition"
    OTHER = "other"


class FollowUpIn(BaseModel):
    kind: FollowUpKind
    content: str = Field(min_length=1, max_length=10_000)
    at: datetime | None = Field(None, description="When it happened; default now")
    contact_id: uuid.UUID | None = None
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    next_follow_up_at: datetime | None = Field(
        None, description="Sets the customer's next follow-up and reminds its owner"
    )


class ActivityIn(BaseModel):
    kind: ActivityKind
    title: str = Field(min_length=1, max_length=200)
    content: str = Field("", max_length=10_000)
    at: datetime
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class FeedbackIn(BaseModel):
    content: str = Field(min_length=1, max_length=10_000)
    rating: int = Field(ge=1, le=5)
    contact_id: uuid.UUID | None = None
    at: datetime | None = None


class EntryOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    type: str = Field(description="follow_up, activity or feedback")
    kind: str
    title: str | None
    content: str
    at: datetime
    contact_id: uuid.UUID | None
    attachment_ids: list[uuid.UUID]
    next_follow_up_at: datetime | None
    rating: int | None
    created_by: uuid.UUID | None
    created_at: datetime


class EntryPage(BaseModel):
    items: list[EntryOut]
    next_cursor: str | None = None


class ReminderOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    user_id: uuid.UUID
    due_at: datetime
    interaction_id: uuid.UUID | None
    note: str | None
    done: bool


class ReminderList(BaseModel):
    items: list[ReminderOut]
