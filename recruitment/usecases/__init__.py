"""The one door to the database: each use case takes the acting user and runs in one transaction.

Every use case checks permissions (``recruitment.permissions``) and writes audit events
(``recruitment.audit``) for what it changes. Start with ``start(url)``, which opens the
database, refuses an out-of-date schema and marks runs left by crashed processes failed.
"""

from __future__ import annotations

from recruitment.db import Database, open_database
from recruitment.usecases.accounts import (
    FactorState,
    LoginLock,
    SignInLocks,
    second_factor_state,
    sign_in_locks,
)
from recruitment.usecases.audit_trail import (
    audit_head,
    check_audit_guards,
    verify_audit,
    verify_audit_anchors,
    verify_pools,
)
from recruitment.usecases.batch import (
    STATUSES as BATCH_STATUSES,
)
from recruitment.usecases.batch import (
    BatchReport,
    SiteOutcome,
    plan_batch,
    run_batch,
)
from recruitment.usecases.batch_numbers import site_number
from recruitment.usecases.batch_workers import BatchCompute, run_batch_on
from recruitment.usecases.duplicates import DuplicatePerson, cross_site_duplicates
from recruitment.usecases.invitation_texts import (
    InvitationTexts,
    invitation_texts,
    set_meeting,
    set_message_template,
)
from recruitment.usecases.invitations import (
    InvitationExport,
    export_invitations,
    prepare_invitations,
    record_invitations,
)
from recruitment.usecases.labels import (
    LabelsReport,
    deliberation_labels,
    import_labels,
    set_labels,
)
from recruitment.usecases.overview import (
    SitesOverview,
    SiteSummary,
    SiteView,
    list_sites,
    sites_overview,
)
from recruitment.usecases.panels import (
    PanelExport,
    PanelStatus,
    export_panel,
    panel_status,
    prepare_panel_export,
    record_panel_export,
    record_seat_status,
)
from recruitment.usecases.passwords import change_password
from recruitment.usecases.personal import (
    ClassifyReport,
    classify_pool,
    deliberation_criteria,
    set_criteria,
    site_columns,
)
from recruitment.usecases.plan import PlanResult, PlanSiteOutcome, import_plan
from recruitment.usecases.pools import (
    ColumnOptions,
    ImportPreview,
    ImportRefused,
    ImportReport,
    import_frame,
    import_pool,
    preview_import,
)
from recruitment.usecases.quota_sets import (
    QuotaSetView,
    check_feasibility,
    set_quotas,
    set_quotas_from_file,
    set_quotas_from_margins,
    set_quotas_from_margins_file,
    site_quotas,
)
from recruitment.usecases.recovery import recover_interrupted_runs
from recruitment.usecases.registration import (
    RATE_LIMIT,
    RATE_WINDOW,
    Question,
    Registered,
    RegistrationForm,
    register_online,
    registration_form,
    today_utc,
)
from recruitment.usecases.registration_setup import (
    RegistrationSettings,
    channel_mix,
    registration_settings,
    set_consent_text,
    set_registration_dates,
    site_form,
)
from recruitment.usecases.replacements import ReplacementSummary, replace_dropouts
from recruitment.usecases.reports import deliberation_report, parse_level
from recruitment.usecases.reruns import RerunReport, RunView, list_runs, rerun_selection
from recruitment.usecases.seat_plans import (
    CountrySeats,
    SeatAllocation,
    SeatRequest,
    SiteSeats,
    apply_seats,
    plan_seats,
)
from recruitment.usecases.second_factor import (
    TotpSetup,
    confirm_totp,
    disable_totp,
    enable_totp,
)
from recruitment.usecases.selection import RunSummary, run_selection
from recruitment.usecases.setup import (
    NewSite,
    bootstrap_admin,
    create_country,
    create_deliberation,
    create_organisation,
    create_site,
    create_user,
)
from recruitment.usecases.signin import (
    LoginLocked,
    PasswordChangeRequired,
    PasswordChecked,
    SignInFrom,
    Unlocked,
    authenticate,
    check_password,
    check_second_factor,
    unlock_login,
)
from recruitment.usecases.tables import (
    TableConstraints,
    TablePlanView,
    TableSettings,
    constraint_files,
    move_person,
    plan_document,
    seat_site,
    site_tables,
)
from recruitment.usecases.user_import import (
    OneTimePassword,
    UserImportReport,
    UserRow,
    import_users,
    password_file_text,
    read_user_rows,
    user_rows,
)
from recruitment.usecases.volunteers import (
    Person,
    erase_volunteer,
    export_volunteer_data,
    register_people,
    register_volunteer,
)
from recruitment.usecases.weights import SiteWeights, record_weights_export, site_weights


def start(url: str | None = None) -> Database:
    """Open the database for the service: schema checked, interrupted runs marked failed."""
    db = open_database(url)
    recover_interrupted_runs(db)
    return db


__all__ = [
    "BATCH_STATUSES",
    "RATE_LIMIT",
    "RATE_WINDOW",
    "BatchCompute",
    "BatchReport",
    "ClassifyReport",
    "ColumnOptions",
    "CountrySeats",
    "Database",
    "DuplicatePerson",
    "FactorState",
    "ImportPreview",
    "ImportRefused",
    "ImportReport",
    "InvitationExport",
    "InvitationTexts",
    "LabelsReport",
    "LoginLock",
    "LoginLocked",
    "NewSite",
    "OneTimePassword",
    "PanelExport",
    "PanelStatus",
    "PasswordChangeRequired",
    "PasswordChecked",
    "Person",
    "PlanResult",
    "PlanSiteOutcome",
    "Question",
    "QuotaSetView",
    "Registered",
    "RegistrationForm",
    "RegistrationSettings",
    "ReplacementSummary",
    "RerunReport",
    "RunSummary",
    "RunView",
    "SeatAllocation",
    "SeatRequest",
    "SignInFrom",
    "SignInLocks",
    "SiteOutcome",
    "SiteSeats",
    "SiteSummary",
    "SiteView",
    "SiteWeights",
    "SitesOverview",
    "TableConstraints",
    "TablePlanView",
    "TableSettings",
    "TotpSetup",
    "Unlocked",
    "UserImportReport",
    "UserRow",
    "apply_seats",
    "audit_head",
    "authenticate",
    "bootstrap_admin",
    "change_password",
    "channel_mix",
    "check_audit_guards",
    "check_feasibility",
    "check_password",
    "check_second_factor",
    "classify_pool",
    "confirm_totp",
    "constraint_files",
    "create_country",
    "create_deliberation",
    "create_organisation",
    "create_site",
    "create_user",
    "cross_site_duplicates",
    "deliberation_criteria",
    "deliberation_labels",
    "deliberation_report",
    "disable_totp",
    "enable_totp",
    "erase_volunteer",
    "export_invitations",
    "export_panel",
    "export_volunteer_data",
    "import_frame",
    "import_labels",
    "import_plan",
    "import_pool",
    "import_users",
    "invitation_texts",
    "list_runs",
    "list_sites",
    "move_person",
    "panel_status",
    "parse_level",
    "password_file_text",
    "plan_batch",
    "plan_document",
    "plan_seats",
    "prepare_invitations",
    "prepare_panel_export",
    "preview_import",
    "read_user_rows",
    "record_invitations",
    "record_panel_export",
    "record_seat_status",
    "record_weights_export",
    "recover_interrupted_runs",
    "register_online",
    "register_people",
    "register_volunteer",
    "registration_form",
    "registration_settings",
    "replace_dropouts",
    "rerun_selection",
    "run_batch",
    "run_batch_on",
    "run_selection",
    "seat_site",
    "second_factor_state",
    "set_consent_text",
    "set_criteria",
    "set_labels",
    "set_meeting",
    "set_message_template",
    "set_quotas",
    "set_quotas_from_file",
    "set_quotas_from_margins",
    "set_quotas_from_margins_file",
    "set_registration_dates",
    "sign_in_locks",
    "site_columns",
    "site_form",
    "site_number",
    "site_quotas",
    "site_tables",
    "site_weights",
    "sites_overview",
    "start",
    "today_utc",
    "unlock_login",
    "user_rows",
    "verify_audit",
    "verify_audit_anchors",
    "verify_pools",
]
