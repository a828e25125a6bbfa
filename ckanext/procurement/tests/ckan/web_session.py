"""A browser's session in tests: signed in through CKAN's login form, the
session cookie kept by the client, CSRF tokens read from the pages."""
from __future__ import annotations

import re


def csrf_token(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(app, name: str, password: str):
    """A test client holding `name`'s session cookie, as a browser does."""
    client = app.test_client()
    login_page = client.get("/user/login")
    response = client.post("/user/login", data={
        "login": name, "password": password, "_csrf_token": csrf_token(login_page.get_data(as_text=True)),
    })
    assert response.status_code == 200
    assert client.get("/dashboard/datasets").status_code == 200, "not signed in"
    return client
