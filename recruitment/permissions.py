"""Who may do what: four roles, one table of permissions, one error that says who, what and where.

- admin: everything.
- coordinator: all sites, aggregated and pseudonymised views, site set-up, quotas and
  the deliberation's criteria, and the batch selection of every ready site (issue 13
  §5); never contact details, never a pool or a panel change.
- partner: its own organisation's sites, with contact details (and so the say on which
  of its pool's columns are personal).
- evaluator: read-only, all sites, pseudonymised; may re-run any selection and compare.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from quotas.messages import Message
from quotas.problems import KleroError


class Action(StrEnum):
    """Every action a use case can take; ``action_message`` says it in the user's language."""

    MANAGE_ORGANISATIONS = "manage organisations and users"
    MANAGE_DELIBERATIONS = "create deliberations and countries"
    SET_CRITERIA = "set the deliberation's criteria"
    SET_LABELS = "label criteria and categories in each language"
    CREATE_SITE = "create sites"
    IMPORT_PLAN = "import a deliberation's plan"
    ALLOCATE_SEATS = "set the sites' panel sizes from an allocation of seats"
    VIEW_SITE = "view the site"
    SET_QUOTAS = "change the quotas"
    CHECK_FEASIBILITY = "check the feasibility of the quotas"
    IMPORT_POOL = "import or register volunteers"
    RUN_SELECTION = "run a selection"
    RUN_BATCH_SELECTION = "select every ready site of a deliberation at once"
    RERUN_SELECTION = "re-run a selection"
    RECORD_STATUS = "record invitations, answers or attendance"
    SEAT_TABLES = "seat the panel at tables for the day"
    EXPORT_PANEL = "export the panel"
    VIEW_CONTACTS = "see contact details"
    CLASSIFY_POOL = "change which pool columns are personal"
    ERASE_VOLUNTEER = "erase a volunteer"
    EXPORT_VOLUNTEER = "export a volunteer's personal data"
    VERIFY_AUDIT = "verify the audit trail"


ALL = frozenset(Action)
# Actions a role may take on any site ("all") and on its own organisation's sites ("own").
_ALL_SITES: dict[str, frozenset[Action]] = {
    "admin": ALL,
    "coordinator": frozenset(
        {
            Action.SET_CRITERIA,
            Action.SET_LABELS,
            Action.CREATE_SITE,
            Action.IMPORT_PLAN,
            Action.ALLOCATE_SEATS,
            Action.VIEW_SITE,
            Action.SET_QUOTAS,
            Action.CHECK_FEASIBILITY,
            Action.RUN_BATCH_SELECTION,
            Action.RERUN_SELECTION,
            Action.EXPORT_PANEL,
            Action.VERIFY_AUDIT,
        }
    ),
    "evaluator": frozenset(
        {
            Action.VIEW_SITE,
            Action.CHECK_FEASIBILITY,
            Action.RERUN_SELECTION,
            Action.EXPORT_PANEL,
            Action.VERIFY_AUDIT,
        }
    ),
    "partner": frozenset(),
}
_OWN_SITES: dict[str, frozenset[Action]] = {
    "partner": frozenset(
        {
            Action.VIEW_SITE,
            Action.SET_QUOTAS,
            Action.SET_LABELS,
            Action.CHECK_FEASIBILITY,
            Action.IMPORT_POOL,
            Action.RUN_SELECTION,
            Action.RERUN_SELECTION,
            Action.RECORD_STATUS,
            Action.SEAT_TABLES,
            Action.EXPORT_PANEL,
            Action.VIEW_CONTACTS,
            Action.CLASSIFY_POOL,
            Action.ERASE_VOLUNTEER,
            Action.EXPORT_VOLUNTEER,
        }
    ),
}
# Roles whose denials end with a hint (the message ``permission_hint_<role>``): who to ask.
_HINTED = frozenset({"coordinator", "evaluator", "partner"})


@dataclass(frozen=True)
class Actor:
    """The logged-in user a use case acts for."""

    user_id: int
    login: str
    role: str
    organisation_id: int | None

    @classmethod
    def system(cls) -> Actor:
        """The service itself (demo set-up, crash recovery): acts as an admin."""
        return cls(0, "system", "admin", None)

    @classmethod
    def anonymous(cls) -> Actor:
        """Someone not signed in (a failed sign-in is recorded as theirs): may do nothing."""
        return cls(0, "anonymous", "anonymous", None)


@dataclass(frozen=True)
class SiteRef:
    """What a permission check needs to know about a site."""

    code: str
    partner_organisation_id: int


def action_message(action: Action) -> Message:
    """The action as a verb phrase in any language (the message ``action_<name>``)."""
    return Message(f"action_{action.name.lower()}")


class PermissionDenied(KleroError):
    """The acting user's role does not allow the action (on that site)."""

    exit_code = 4

    def __init__(self, actor: Actor, action: Action, site: str | None = None) -> None:
        super().__init__(
            "permission_denied",
            login=actor.login,
            role=actor.role,
            action=action_message(action),
            where=Message("permission_where_site", {"site": site}) if site else "",
            site=site,
            hint=Message(f"permission_hint_{actor.role}") if actor.role in _HINTED else "",
        )
        self.actor = actor
        self.action = action


def allowed(actor: Actor, action: Action, site: SiteRef | None = None) -> bool:
    """Whether ``actor`` may take ``action`` (on ``site`` when the action concerns one)."""
    if action in _ALL_SITES.get(actor.role, frozenset()):
        return True
    own = _OWN_SITES.get(actor.role, frozenset())
    if action not in own:
        return False
    if site is None:
        # Without a site, "own sites only" means: allowed to ask, filtered later.
        return action == Action.VIEW_SITE
    return (
        actor.organisation_id is not None and site.partner_organisation_id == actor.organisation_id
    )


def roles_for(action: Action, *, every_site: bool = False) -> frozenset[str]:
    """The roles that may take ``action`` on some site (with ``every_site``: on all of them).

    >>> sorted(roles_for(Action.VERIFY_AUDIT))
    ['admin', 'coordinator', 'evaluator']
    >>> sorted(roles_for(Action.VIEW_SITE)), sorted(roles_for(Action.VIEW_SITE, every_site=True))
    (['admin', 'coordinator', 'evaluator', 'partner'], ['admin', 'coordinator', 'evaluator'])
    """
    return frozenset(
        role
        for role in sorted(_ALL_SITES.keys() | _OWN_SITES.keys())
        if action in _ALL_SITES.get(role, frozenset())
        or (not every_site and action in _OWN_SITES.get(role, frozenset()))
    )


def require(actor: Actor, action: Action, site: SiteRef | None = None) -> None:
    """Raise PermissionDenied unless ``actor`` may take ``action`` (on ``site``)."""
    if not allowed(actor, action, site):
        raise PermissionDenied(actor, action, site.code if site else None)
