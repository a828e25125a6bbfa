"""Web forms in tests: the fields a browser would send."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict


def form_fields(form) -> MultiDict:
    """The fields of a BeautifulSoup `<form>`, as a browser sends them (names may repeat):
    no buttons or files, checkboxes and radio buttons only when checked."""
    fields = MultiDict()
    for tag in form.find_all(["input", "textarea", "select"]):
        name = tag.get("name")
        if not name or tag.get("type") in ("submit", "button", "file"):
            continue
        if tag.get("type") in ("checkbox", "radio") and not tag.has_attr("checked"):
            continue
        if tag.name == "textarea":
            fields.add(name, tag.text)
        elif tag.name == "select":
            option = tag.find("option", selected=True) or tag.find("option")
            fields.add(name, option.get("value", "") if option else "")
        else:
            fields.add(name, tag.get("value", ""))
    return fields
