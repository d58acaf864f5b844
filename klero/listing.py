"""The service commands' names and one-line summaries, stated once.

``klero --help`` lists them from here without loading the database stack, and
``klero.service.commands`` gives each command this summary as its help. Light on purpose
(nothing but this table): every klero command imports it.
"""

from __future__ import annotations

#: Each service command, in the order ``klero --help`` lists them, and its summary.
SERVICE_COMMANDS = {
    "db": "The database: create or upgrade its schema.",
    "key": "The secret key that encrypts contact details.",
    "user": "Users, their roles and how they sign in.",
    "org": "Partner organisations.",
    "deliberation": "Deliberations, their countries, and their plan (import-plan).",
    "site": "Sites: create, list, set quotas, check feasibility, open public registration.",
    "pool": "Volunteer pools of a site.",
    "volunteer": "One volunteer: erase or export their data (GDPR).",
    "panel": "A site's panel: statuses, invitations, exports.",
    "runs": "List a site's selection runs, newest first.",
    "rerun": "Re-run a recorded selection from its record and compare. Exit 1 if it differs.",
    "report": "A deliberation's report by level (global, country, region): HTML, CSV, XLSX, PDF.",
    "audit": "The audit trail: verify it, and publish its head (an anchor).",
    "demo": "Create a demo deliberation (countries, sites, synthetic pools, a user per role).",
}
