import os
from typing import Annotated

from fastapi import Depends, FastAPI

from helpscout import HelpScoutWebHook, WebHookEvent
from helpscout.integrations.fastapi import webhook_event, webhook_router

hook = HelpScoutWebHook(secret_key=os.environ["HELPSCOUT_WEBHOOK_SECRET"])


async def handle(event):
    """Called once per verified delivery; raise to make Help Scout retry."""
    if event.event_type == "convo.created":
        print("new conversation:", event.record.subject, event.record.customer.email)


app = FastAPI()
app.include_router(webhook_router(hook, handle, path="/helpscout"))


VerifiedEvent = Annotated[WebHookEvent, Depends(webhook_event(hook))]


@app.post("/helpscout/tags")  # or take the verified event as a dependency
async def tags_changed(event: VerifiedEvent):
    return {"tags": [tag.tag for tag in event.record.tags or []]}
