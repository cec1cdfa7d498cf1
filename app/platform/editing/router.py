"""Admin routes for editing: one set per content type, each write guarded by If-Match."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel
from sqlmodel import Session
from starlette.responses import Response

from app.content.models import ItemType
from app.content.queries import COLLECTIONS
from app.content.router import SlugPath
from app.core.db import SessionDep, WriteSessionDep
from app.core.deps import JSON_BODY, settings
from app.core.pagination import Page
from app.platform.access.auth import Editor
from app.platform.admin import (
    CREATE_PROBLEMS,
    ITEM_LIST_PROBLEMS,
    ITEM_PROBLEMS,
    LIST_PROBLEMS,
    NO_STORE,
    STATE_CHANGE_PROBLEMS,
    UPDATE_PROBLEMS,
    AdminJSONResponse,
    PagingDep,
    row_number,
)
from app.platform.editing import recommendations, service
from app.platform.editing.models import ItemDraft
from app.platform.editing.schemas import AdminItem, AuditEntry, Revision, create_model_for, update_model_for

router = APIRouter(
    prefix="/v1/admin",
    tags=["admin: editing"],
    dependencies=[NO_STORE],
    default_response_class=AdminJSONResponse,
)

IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description="The item's current ETag, from its last GET or write. Required: 428 without it, 412 if stale.",
    ),
]
_ETAG_HEADER: dict[str, Any] = {
    "ETag": {"description": "The draft's ETag, for If-Match.", "schema": {"type": "string", "maxLength": 100}}
}


def _answer(session: Session, draft: ItemDraft, response: Response) -> AdminItem:
    """The draft as editors see it; its ETag goes in the response's headers."""
    response.headers["ETag"] = service.etag(draft)
    item = AdminItem.model_validate(draft)
    item.document = recommendations.shown_document(session=session, draft=draft)
    return item


def _keep_days(request: Request) -> int:
    return settings(request).changes_tombstone_days


@router.get("/audit", summary="The audit log", responses=LIST_PROBLEMS)
def list_audit_events(_: Editor, session: SessionDep, paging: PagingDep) -> Page[AuditEntry]:
    """Every write, newest first: who (the key's name), what, which item, which revision, and when."""
    rows = service.audit(session=session, before=paging.position(row_number), limit=paging.limit)
    return paging.page(rows, key=lambda row: row.id, view=AuditEntry.model_validate)


def _add_type(collection: str, kind: ItemType) -> None:
    create_body: type[BaseModel] = create_model_for(kind.value)
    update_body: type[BaseModel] = update_model_for(kind.value)
    noun = kind.value
    item_path = f"/{collection}/{{slug}}"

    @router.post(
        f"/{collection}",
        status_code=201,
        name=f"create_{noun}",
        summary=f"Create a {noun} draft",
        responses={201: {"headers": _ETAG_HEADER}, **CREATE_PROBLEMS},
        dependencies=[JSON_BODY],
    )
    def create(editor: Editor, body: create_body, session: WriteSessionDep, response: Response) -> AdminItem:  # type: ignore[valid-type]
        document = body.model_dump(mode="json", exclude={"slug"}, exclude_unset=True)  # type: ignore[attr-defined]
        slug = body.slug  # type: ignore[attr-defined]
        draft = service.create(
            session=session, kind=kind, slug=slug, document=document, actor=editor.name, actor_key_id=editor.id
        )
        response.headers["Location"] = f"/v1/admin/{collection}/{draft.slug}"
        return _answer(session, draft, response)

    create.__doc__ = f"Create a {noun} as a draft; nothing is public until it is published."

    @router.get(
        item_path,
        name=f"get_{noun}_draft",
        summary=f"Get a {noun}'s draft",
        responses={200: {"headers": _ETAG_HEADER}, **ITEM_PROBLEMS},
    )
    def read(_: Editor, slug: SlugPath, session: SessionDep, response: Response) -> AdminItem:
        return _answer(session, service.get_draft(session=session, kind=kind, slug=slug), response)

    read.__doc__ = f"The {noun}'s draft document, its status and its ETag."

    @router.patch(
        item_path,
        name=f"update_{noun}",
        summary=f"Update a {noun}'s draft",
        responses={200: {"headers": _ETAG_HEADER}, **UPDATE_PROBLEMS},
        dependencies=[JSON_BODY],
    )
    def patch(
        editor: Editor,
        slug: SlugPath,
        body: update_body,  # type: ignore[valid-type]
        session: WriteSessionDep,
        response: Response,
        if_match: IfMatch = None,
    ) -> AdminItem:
        changes = body.model_dump(mode="json", exclude_unset=True)  # type: ignore[attr-defined]
        draft = service.update(
            session=session,
            kind=kind,
            slug=slug,
            changes=changes,
            if_match=if_match,
            actor=editor.name,
            actor_key_id=editor.id,
        )
        return _answer(session, draft, response)

    patch.__doc__ = f"Change some fields of the {noun}'s draft; the public endpoints keep the published revision."

    for action, change, summary, doc in (
        (
            "publish",
            service.publish,
            f"Publish a {noun}",
            f"Make the draft the published {noun}: every worker serves it within 2 s.",
        ),
        (
            "unpublish",
            service.unpublish,
            f"Unpublish a {noun}",
            f"Take the {noun} off the public endpoints; the draft stays.",
        ),
    ):
        _add_state_change(item_path, noun, action, change, summary, doc)

    @router.delete(
        item_path,
        status_code=204,
        name=f"delete_{noun}",
        summary=f"Delete a {noun}",
        response_class=Response,
        responses=STATE_CHANGE_PROBLEMS,
    )
    def remove(
        request: Request, editor: Editor, slug: SlugPath, session: WriteSessionDep, if_match: IfMatch = None
    ) -> None:
        service.delete(
            session=session,
            kind=kind,
            slug=slug,
            if_match=if_match,
            actor=editor.name,
            actor_key_id=editor.id,
            keep_days=_keep_days(request),
        )

    remove.__doc__ = f"Delete the {noun} and its draft; sync clients get a tombstone, the audit log keeps its history."

    @router.get(
        f"{item_path}/revisions",
        name=f"list_{noun}_revisions",
        summary=f"A {noun}'s revisions",
        responses=ITEM_LIST_PROBLEMS,
    )
    def revisions(_: Editor, slug: SlugPath, session: SessionDep, paging: PagingDep) -> Page[Revision]:
        rows = service.revisions(
            session=session, kind=kind, slug=slug, before=paging.position(row_number), limit=paging.limit
        )
        return paging.page(rows, key=lambda row: row.revision, view=Revision.model_validate)

    revisions.__doc__ = f"Every write to the {noun}, newest first, with the document it left."


def _add_state_change(
    item_path: str, noun: str, action: str, change: Callable[..., ItemDraft], summary: str, doc: str
) -> None:
    @router.post(
        f"{item_path}/{action}",
        name=f"{action}_{noun}",
        summary=summary,
        responses={200: {"headers": _ETAG_HEADER}, **STATE_CHANGE_PROBLEMS},
    )
    def move(
        request: Request,
        editor: Editor,
        slug: SlugPath,
        session: WriteSessionDep,
        response: Response,
        if_match: IfMatch = None,
    ) -> AdminItem:
        draft = change(
            session=session,
            kind=ItemType(noun),
            slug=slug,
            if_match=if_match,
            actor=editor.name,
            actor_key_id=editor.id,
            keep_days=_keep_days(request),
        )
        return _answer(session, draft, response)

    move.__doc__ = doc


for _collection, _kind in COLLECTIONS.items():
    _add_type(_collection, _kind)
