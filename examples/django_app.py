import os

from django.urls import path

from helpscout import HelpScoutWebHook
from helpscout.integrations.django import webhook_view

hook = HelpScoutWebHook(secret_key=os.environ["HELPSCOUT_WEBHOOK_SECRET"])


def handle(event):
    """Called once per verified delivery; raise to make Help Scout retry."""
    if event.event_type == "convo.created":
        print("new conversation:", event.record.subject, event.record.customer.email)


urlpatterns = [path("helpscout", webhook_view(hook, handle))]  # csrf-exempt, POST only
