"""A site's volunteer pool: upload a file (each column's role shown, editable), register one."""

from __future__ import annotations

import streamlit as st

from dashboard.balance_views import bar_chart, long_form
from dashboard.channel_views import channel_section
from dashboard.data import forget, pool_page
from dashboard.i18n import format_number
from dashboard.labels_editor import site_labels
from dashboard.paper_forms import show_import_report
from dashboard.pool_columns import guessed_addresses, roles_editor
from dashboard.registration_texts import read_aloud_script
from dashboard.ui import (
    attempt,
    db,
    labeller,
    lang,
    plain,
    problem_table,
    read_upload,
    rtl,
    show_error,
    show_problems,
    tr,
)
from quotas.balance import balance_table
from quotas.model import normalise
from quotas.problems import InvalidInput, KleroError
from recruitment import usecases as uc
from recruitment.channels import ASSISTED_CHANNELS
from recruitment.columns import Role
from recruitment.dashboard_support import may
from recruitment.permissions import Action, Actor

who, site, view = pool_page("pool")
can_import = may(who, Action.IMPORT_POOL, site, db())


st.metric(tr("pool.active"), format_number(len(view.people), lang()))


def upload_and_import(who: Actor) -> None:
    """Upload a file, show how each column will be stored (editable), then import it."""
    st.subheader(tr("pool.upload"))
    upload = st.file_uploader(tr("pool.upload_help"), type=["csv", "xlsx"], key="pool_file")
    if upload is None:
        return
    path, frame, problems = read_upload(upload)
    if frame is None:
        show_problems(problems, "pool.import_refused")
        return
    columns = [str(c) for c in frame.columns]
    default_id = next((c for c in columns if normalise(c) == "id"), columns[0] if columns else "")
    id_column = st.selectbox(
        tr("pool.id_column"),
        columns,
        index=columns.index(default_id) if columns else 0,
        key="pool_id_column",
    )
    preview = attempt(
        uc.preview_import,
        db(),
        who,
        site,
        path,
        id_column=id_column or "id",
        address_columns=guessed_addresses([c for c in columns if c != id_column]),
    )
    if preview is None:
        return
    st.markdown(f"**{tr('pool.columns_title')}**")
    st.caption(tr("pool.columns_help"))
    chosen = roles_editor(preview.columns)
    if preview.problems:
        st.dataframe(problem_table(preview.problems), hide_index=True, width="stretch")
    with st.form("pool_import"):
        consent = st.checkbox(tr("pool.consent"), value=True)
        go = st.form_submit_button(tr("pool.import"), type="primary", key="pool_import_go")
    if not go:
        return
    try:
        result = uc.import_pool(
            db(),
            who,
            site,
            path,
            id_column=id_column or "id",
            feature_columns=chosen[Role.FEATURE],
            attribute_columns=chosen[Role.ATTRIBUTE],
            contact_columns=chosen[Role.CONTACT],
            address_columns=chosen[Role.ADDRESS],
            personal_columns=chosen[Role.PERSONAL],
            consent=consent,
        )
    except InvalidInput as error:
        show_problems(error.problems, "pool.import_refused")
    except KleroError as error:
        show_error(error)
    else:
        forget()
        show_import_report(result)


if can_import:
    upload_and_import(who)

    st.subheader(tr("pool.register"))
    read_aloud_script(who, site)
    features = list(view.quotas.features) if view.quotas is not None else []
    extra = [c for c in view.features if view.quotas is None or c not in features]
    with st.form("register", clear_on_submit=True):
        external_id = st.text_input(tr("pool.external_id"), key="reg_id")
        values: dict[str, str] = {}
        for feature in features:
            assert view.quotas is not None
            values[feature] = st.selectbox(
                plain(feature), view.quotas.values(feature), key=f"reg_{feature}"
            )
        for feature in extra:
            values[feature] = st.text_input(plain(feature), key=f"reg_x_{feature}")
        attributes = {a: st.text_input(plain(a), key=f"reg_a_{a}") for a in view.attributes}
        name = st.text_input(tr("pool.name"), key="reg_name")
        email = st.text_input(tr("pool.email"), key="reg_email")
        phone = st.text_input(tr("pool.phone"), key="reg_phone")
        channel = st.selectbox(
            tr("pool.channel"),
            ASSISTED_CHANNELS,
            format_func=labeller("channel."),
            key="reg_channel",
        )
        consent_one = st.checkbox(tr("pool.consent_one"), key="reg_consent")
        add = st.form_submit_button(tr("pool.register_go"), key="reg_go")
    if add:
        if not external_id.strip() or not consent_one:
            st.error(tr("pool.register_incomplete"))
        else:
            contact = {k: v for k, v in (("name", name), ("email", email), ("phone", phone)) if v}
            done = attempt(
                uc.register_volunteer,
                db(),
                who,
                site,
                external_id.strip(),
                values,
                contact,
                attributes=attributes,
                channel=channel,
            )
            if done is not None:
                forget()
                show_import_report(done)

channel_section(who, site)

st.subheader(tr("pool.composition"))
if view.quotas is None:
    st.info(tr("pool.no_quotas"))
elif len(view.people) == 0:
    st.info(tr("pool.empty"))
else:
    table = balance_table(view.people, view.quotas, seats=view.panel_size)
    table = table.rename(columns={"share": "pool_share"})
    labels = {"target": tr("series.target"), "pool": tr("series.pool")}
    long = long_form(table, labels)
    named = site_labels()  # criteria and categories in the reader's language
    cols = st.columns(2)
    for i, feature in enumerate(view.quotas.features):
        cols[i % 2].altair_chart(
            bar_chart(long, feature, tr("chart.share"), rtl=rtl(), labels=named, lang=lang()),
            width="stretch",
        )
