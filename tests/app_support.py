"""One way to drive the whole app in ``streamlit.testing.v1.AppTest`` (shared by the page
tests): the app from its entry point with URL query parameters, and the no-error check."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def run_app(*, timeout: float = 90, **query) -> AppTest:
    """``app.py`` run once with ``query`` as its URL parameters (``?patient=…&unit=…``)."""
    at = AppTest.from_file("../app.py", default_timeout=timeout)  # relative to this folder
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def assert_no_error(at: AppTest) -> None:
    """Neither an exception nor an error box on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
