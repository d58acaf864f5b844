"""A site's registration form in words: the consent, the printed sheet, the read-aloud script.

Every text is in the form's language (``RegistrationForm.lang``), whatever the page's
language: a partner prints or reads the form in the volunteer's language. Criteria and
categories are shown by their labels (``Question.label`` and ``options``), which come
from one place in recruitment (``recruitment.usecases.registration.labels``).
"""

from __future__ import annotations

import streamlit as st

from dashboard.i18n import LANGUAGES, error_lines, format_date, text
from dashboard.ui import attempt, db, lang, plain, tr
from quotas.problems import KleroError
from recruitment import usecases as uc
from recruitment.permissions import Actor
from recruitment.reports.registration_sheet import Sheet, script_html


def consent_text(form: uc.RegistrationForm) -> str:
    """The consent the volunteer agrees to: the partner's text, or the default wording."""
    return form.consent or text("register.consent_default", form.lang, site=form.site_name)


def _options(labels: list[str], lang: str) -> str:
    """``a, b or c`` in the language (the last two joined by its word for "or")."""
    if len(labels) < 2:
        return "".join(labels)
    return ", ".join(labels[:-1]) + f" {text('script.or', lang)} " + labels[-1]


def read_aloud(form: uc.RegistrationForm) -> list[str]:
    """What the interviewer says, in order: greeting, each question, contact, consent, end."""
    lang = form.lang
    lines = [text("script.hello", lang, site=form.site_name, count=len(form.questions))]
    for number, question in enumerate(form.questions, start=1):
        options = _options([label for _, label in question.options], lang)
        lines.append(
            text("script.question", lang, number=number, question=question.label, options=options)
        )
    lines.append(text("script.contact", lang))
    lines.append(text("script.consent", lang, consent=consent_text(form)))
    lines.append(text("script.end", lang))
    return lines


def sheet(form: uc.RegistrationForm) -> Sheet:
    """The printed registration form of the site in the form's language."""
    lang = form.lang
    return Sheet(
        lang=lang,
        title=text("register.title", lang, site=form.site_name),
        intro=text("register.intro", lang) + " " + text("sheet.intro", lang),
        questions=tuple((q.label, tuple(label for _, label in q.options)) for q in form.questions),
        fields=tuple(text(f"pool.{k}", lang) for k in ("name", "phone", "email")),
        consent=consent_text(form),
        consent_box=text("register.consent_box", lang),
        office=text("sheet.office", lang),
    )


def state_message(form: uc.RegistrationForm, lang: str) -> str | None:
    """Why the site's public page takes no sign-up today (None: it is open), in ``lang``."""
    state = form.state(uc.today_utc())
    if state == "open":
        return None
    opens, closes = format_date(form.opens, lang), format_date(form.closes, lang)
    closed = KleroError(f"registration_{state}", site=form.site, opens=opens, closes=closes)
    return " ".join(error_lines(closed, lang))


def text_languages() -> list[str]:
    """The languages volunteers' texts (script, consent, form) can be in, the page's first."""
    return list(dict.fromkeys([lang(), *LANGUAGES]))


def language_name(code: str) -> str:
    """A language's own name (the code itself for the test pseudo-language)."""
    return LANGUAGES.get(code, code)


def form_in_chosen_language(
    who: Actor, site: str, key: str
) -> tuple[str, uc.RegistrationForm | None]:
    """A language picked for the volunteers' texts, and the site's form in it (None: refused)."""
    chosen = st.selectbox(
        tr("registration.language"), text_languages(), format_func=language_name, key=key
    )
    return chosen, attempt(uc.site_form, db(), who, site, chosen)


def read_aloud_script(who: Actor, site: str) -> None:
    """The assisted registration's read-aloud script, in a language chosen beside it."""
    with st.expander(tr("script.title", site=plain(site))):
        chosen, form = form_in_chosen_language(who, site, "script_lang")
        if form is not None:
            lines = read_aloud(form)
            for line in lines:
                st.markdown(plain(line))
            title = text("script.title", chosen, site=form.site_name)
            st.download_button(
                tr("registration.script_html"),
                script_html(chosen, title, lines),
                file_name=f"{site}-script-{chosen}.html",
                mime="text/html",
                key="script_download",
            )
