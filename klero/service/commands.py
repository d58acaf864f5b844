"""Every service command on one Typer app, which ``klero.app`` loads when one of them runs.

Importing this module loads the database stack. Each command's summary is its entry in
``klero.listing.SERVICE_COMMANDS``, which ``klero --help`` lists without importing this
(tests/klero/test_app.py checks that every listed command is here, and only those).
"""

from __future__ import annotations

import typer

from klero.listing import SERVICE_COMMANDS
from klero.service import (
    audit,
    database,
    deliberations,
    invitations,
    labels,
    panels,
    pools,
    registration,
    reports,
    users,
)

# A site's public registration, on the ``site`` group (klero/service/registration.py).
deliberations.site_app.command("registration")(registration.site_registration)
deliberations.site_app.command("consent")(registration.site_consent)
# Invitations by mail merge (klero/service/invitations.py).
deliberations.site_app.command("meeting")(invitations.site_meeting)
deliberations.site_app.command("message")(invitations.site_message)
panels.panel_app.command("invitations")(invitations.panel_invitations)
service_app = typer.Typer(no_args_is_help=True, add_completion=False)
for group, name in (
    (database.db_app, "db"),
    (database.key_app, "key"),
    (users.user_app, "user"),
    (deliberations.org_app, "org"),
    (deliberations.delib_app, "deliberation"),
    (deliberations.site_app, "site"),
    (pools.pool_app, "pool"),
    (panels.volunteer_app, "volunteer"),
    (panels.panel_app, "panel"),
    (audit.audit_app, "audit"),
):
    service_app.add_typer(group, name=name, help=SERVICE_COMMANDS[name])
deliberations.delib_app.command("labels")(labels.labels_command)
service_app.command("runs", help=SERVICE_COMMANDS["runs"])(panels.runs_command)
service_app.command("rerun", help=SERVICE_COMMANDS["rerun"])(panels.rerun_command)
service_app.command("demo", help=SERVICE_COMMANDS["demo"])(deliberations.demo_command)
service_app.command("report", help=SERVICE_COMMANDS["report"])(reports.report_command)
