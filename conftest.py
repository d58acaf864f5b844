"""Collection for the whole repository: the modules whose docstring examples pytest skips.

``--doctest-modules`` (pyproject) imports every module under ``testpaths`` to run its
docstring examples, once each. These modules do their work on import, so they are left
out: the Alembic environment runs only under Alembic, and the dashboard's app and pages
are Streamlit scripts (tests/dashboard drives them with AppTest).
"""

collect_ignore = ["recruitment/migrations", "dashboard/app.py", "dashboard/views"]
