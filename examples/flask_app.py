import os

from flask import Flask

from helpscout import HelpScoutWebHook
from helpscout.integrations.flask import webhook_blueprint

hook = HelpScoutWebHook(secret_key=os.environ["HELPSCOUT_WEBHOOK_SECRET"])


def handle(event):
    """Called once per verified delivery; raise to make Help Scout retry."""
    if event.event_type == "convo.created":
        print("new conversation:", event.record.subject, event.record.customer.email)


app = Flask(__name__)
app.register_blueprint(webhook_blueprint(hook, handle, url="/helpscout"))
