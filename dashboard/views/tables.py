"""Tables for the day: seat the site's panel, view and download the plan, move one person."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard.data import pool_view, run_view
from dashboard.i18n import format_number
from dashboard.ui import (
    attempt,
    db,
    lang,
    save_upload,
    show_error,
    show_problems,
    site_page,
    tr,
)
from quotas.problems import InvalidInput, KleroError, Problem, errors_only
from recruitment import usecases as uc
from recruitment.dashboard_support import may
from recruitment.permissions import Action

who, site = site_page("tables")
details = run_view(who, site)
if details is None:
    st.info(tr("selection.no_run"))
    st.stop()
can_seat = may(who, Action.SEAT_TABLES, site, db())


def constraints(uploads: list[UploadedFile | None]) -> tuple[uc.TableConstraints, list[Problem]]:
    """The together / apart groups and the facilitators' tables of the uploaded files."""
    paths = [None if upload is None else save_upload(upload) for upload in uploads]
    try:
        together, apart, fixed, problems = uc.constraint_files(*paths)
    except InvalidInput as error:
        return ((), (), {}), list(error.problems)
    return (together, apart, fixed), problems


def seat_form(criteria: list[str]) -> None:
    """Criteria, sizes, seed, the columns to seat by, the constraint files; then seat."""
    balance = st.multiselect(tr("tables.balance"), criteria, default=criteria, key="tables_balance")
    inputs = st.columns(4)
    size = inputs[0].number_input(tr("tables.size"), 2, 50, 8, key="tables_size")
    rounds = inputs[1].number_input(tr("tables.rounds"), 1, 20, 2, key="tables_rounds")
    seed = inputs[2].number_input(tr("tables.seed"), 0, 2**31 - 1, 1, key="tables_seed")
    name = inputs[3].text_input(tr("tables.name_column"), "", key="tables_name")
    pool = pool_view(who, site)
    none = tr("tables.no_column")
    stored = [none] + ([] if pool is None else sorted({*pool.features, *pool.attributes}))
    by = st.columns(2)
    language = by[0].selectbox(tr("tables.language_column"), stored, key="tables_lang")
    zone = by[1].selectbox(tr("tables.time_zone_column"), stored, key="tables_zone")
    files = st.columns(3)
    uploads = [
        col.file_uploader(tr(f"tables.{kind}"), type=["csv", "xlsx"], key=f"tables_{kind}")
        for col, kind in zip(files, ("together", "apart", "facilitators"), strict=True)
    ]
    if not st.button(tr("tables.go"), key="tables_go", disabled=not balance):
        return
    (together, apart, fixed), problems = constraints(uploads)
    if errors_only(problems):
        show_problems(problems, "tables.files_refused")
        return
    settings = uc.TableSettings(
        balance=tuple(balance),
        table_size=int(size),
        rounds=int(rounds),
        seed=int(seed),
        language_column=None if language == none else language,
        time_zone_column=None if zone == none else zone,
        name_column=name.strip() or None,
        together=together,
        apart=apart,
        fixed=fixed,
    )
    if attempt(uc.seat_site, db(), who, site, settings) is not None:
        st.rerun()


if can_seat:
    with st.expander(tr("tables.make"), expanded=False):
        seat_form(
            [c for c in details.pool.columns if c in details.panel.columns and c != "pseudonym"]
        )

view: uc.TablePlanView | None
try:
    view = uc.site_tables(db(), who, site)
except KleroError as error:
    if error.code != "tables_no_plan":
        show_error(error)
    view = None
if view is None:
    st.info(tr("tables.none"))
    st.stop()
    raise RuntimeError("unreachable")  # st.stop() raises; this keeps type checkers calm
seating = view.seating
names = view.names
figures, random = seating.figures, seating.random
cols = st.columns(3)
cols[0].metric(tr("tables.count"), format_number(seating.table_count, lang()))
cols[1].metric(
    tr("tables.deviation"),
    f"{figures.deviation:.2f}",
    help=tr(
        "tables.deviation_help", random=f"{random.deviation:.2f}", floor=f"{seating.floor:.2f}"
    ),
)
cols[2].metric(
    tr("tables.pairs"),
    format_number(len(figures.repeated_pairs), lang()),
    help=tr("tables.pairs_help", random=len(random.repeated_pairs)),
)
st.caption(tr("tables.made", login=view.created_by, at=view.created_at, moves=view.moves))

round_number = int(
    st.selectbox(
        tr("tables.round"), list(range(1, seating.tables.shape[0] + 1)), key="tables_round"
    )
)
ids = seating.request.ids
deviation = {(t.round, t.table): t.deviation for t in figures.tables}
rows = []
for table in sorted(seating.labels):
    seated = [ids[i] for i in range(len(ids)) if seating.tables[round_number - 1, i] == table]
    shown = sorted(view.names.get(p, p) for p in seated)
    rows.append(
        {
            tr("tables.table"): table,
            tr("tables.label"): seating.labels[table],
            tr("tables.people"): ", ".join(shown),
            tr("tables.size_now"): len(seated),
            tr("tables.table_deviation"): round(deviation[round_number, table], 2),
        }
    )
frame = pd.DataFrame(rows)
if not any(seating.labels.values()):
    frame = frame.drop(columns=tr("tables.label"))
st.dataframe(frame, hide_index=True, width="stretch")

cols = st.columns(3)
for col, kind, mime in zip(
    cols, ("csv", "html", "pdf"), ("text/csv", "text/html", "application/pdf"), strict=True
):
    col.download_button(
        tr(f"tables.download_{kind}"),
        uc.plan_document(view, kind, lang()),
        f"tables-{site}.{kind}",
        mime,
        key=f"tables_download_{kind}",
    )

if can_seat:
    st.subheader(tr("tables.move"))
    cols = st.columns(3)
    person = cols[0].selectbox(
        tr("tables.person"),
        list(ids),
        format_func=lambda p: f"{names[p]} ({p})" if p in names else str(p),
        key="tables_person",
    )
    target = cols[1].selectbox(tr("tables.to"), sorted(seating.labels), key="tables_to")
    cols[2].caption(tr("tables.move_round", round=round_number))
    clicked = st.button(tr("tables.move_go"), key="tables_move")
    if clicked:
        moved = attempt(uc.move_person, db(), who, site, person, round_number, int(target))
        if moved is not None:
            st.rerun()
