"""Audit: verify the hash-chained trail and its published anchors, browse it, re-run and compare."""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import format_date, format_number
from dashboard.ui import attempt, current_site, db, guard, labeller, lang, plain, tr
from quotas.messages import render
from recruitment import usecases as uc
from recruitment.audit_anchor import parse_anchor_lines
from recruitment.dashboard_support import audit_events

who = guard("audit")
st.title(tr("page.audit"))

if st.button(tr("audit.verify"), key="audit_verify"):
    result = attempt(uc.verify_audit, db(), who)
    if result is not None:
        (st.success if result.ok else st.error)(plain(result.outcome.text(lang())))
    # The database's own refusal to change events: missing or disabled, it is named.
    guards = attempt(uc.check_audit_guards, db(), who)
    if guards is not None:
        (st.success if guards.ok else st.error)("\n\n".join(map(plain, guards.lines(lang()))))

# A volunteer row edited behind the application's back shows only against the pool hashes.
st.caption(tr("audit.deep_explain"))
if st.button(tr("audit.deep"), key="audit_deep"):
    with st.spinner(tr("audit.deep_running")):
        pools = attempt(uc.verify_pools, db(), who)
    for pool in pools or []:
        show = st.error if not pool.ok else st.info if pool.event_id is None else st.success
        show(plain(pool.outcome.text(lang())))

SERVICE_ACTORS = ("anonymous", "system")
only_site = st.checkbox(tr("audit.only_site"), key="audit_only_site")
events = attempt(audit_events, db(), who, site=current_site() if only_site else None, limit=300)
if events is not None:
    events["at"] = [format_date(a, lang()) for a in events["at"]]
    events["role"] = [tr(f"role.{r}") for r in events["role"]]
    # The service's own actors (a failed sign-in, the demo's set-up) are named, not logins.
    events["actor"] = [tr(f"actor.{a}") if a in SERVICE_ACTORS else a for a in events["actor"]]
    # Actions and entities stay the codes the trail records (what `klero audit` shows too).
    events = events.rename(columns={c: tr(f"col.{c}") for c in events.columns})
    st.dataframe(events, hide_index=True, width="stretch", height=320)

# The chain cannot show its newest events deleted together; a published anchor can.
st.subheader(tr("audit.anchor"))
head = attempt(uc.audit_head, db(), who)
if head is not None:
    st.code(head.anchor.text, language=None)
    st.caption(
        tr(
            "audit.anchor_explain",
            count=format_number(head.count, lang()),
            event=head.anchor.sequence,
            at=format_date(head.at, lang()) if head.at else "–",
        )
    )
published = st.text_area(
    tr("audit.anchors_paste"), key="audit_anchors", placeholder="klero-audit-v1:…"
)
if st.button(tr("audit.anchors_check"), key="audit_check_anchors"):
    anchors = attempt(parse_anchor_lines, published, tr("audit.anchors_source"))
    checked = attempt(uc.verify_audit_anchors, db(), who, anchors) if anchors else None
    if checked is not None:
        (st.success if checked.ok else st.error)("\n\n".join(map(plain, checked.lines(lang()))))

st.subheader(tr("audit.rerun"))
site = current_site()
runs = (
    [r for r in (attempt(uc.list_runs, db(), who, site) or []) if r.status == "succeeded"]
    if site
    else []
)
if not runs:
    st.info(tr("selection.no_run"))
else:
    algorithm = labeller("algorithm.")
    run_id = st.selectbox(
        tr("audit.run"),
        [r.run_id for r in runs],
        format_func=lambda i: (
            f"#{i} · {algorithm(next(r.algorithm for r in runs if r.run_id == i))}"
        ),
        key="audit_run",
    )
    if st.button(tr("audit.rerun_go"), key="audit_rerun"):
        with st.spinner(tr("selection.running")):
            report = attempt(uc.rerun_selection, db(), who, int(run_id))
        if report is not None and report.ok:
            st.success(
                render(
                    "rerun_same",
                    {
                        "run_id": report.run_id,
                        "digest": report.rerun_sha256,
                        "index": report.rerun_lottery_index,
                        "size": len(report.rerun),
                    },
                    lang(),
                )
            )
        elif report is not None:
            st.error(
                render(
                    "rerun_different",
                    {
                        "run_id": report.run_id,
                        "inputs": tr("audit.identical")
                        if report.same_inputs
                        else tr("audit.different"),
                        "index": report.lottery_index,
                        "rerun_index": report.rerun_lottery_index,
                        "missing": len(report.missing),
                        "extra": len(report.extra),
                    },
                    lang(),
                )
            )
            st.write({tr("audit.missing"): report.missing, tr("audit.extra"): report.extra})
