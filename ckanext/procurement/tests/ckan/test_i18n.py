"""Spanish: the pages under CKAN's /es/ prefix speak Spanish, from the
catalog shipped in ckanext/procurement/i18n."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from ckan.tests import helpers

I18N = Path(__file__).resolve().parents[2] / "i18n"


def text(node) -> str:
    return " ".join(node.get_text(" ").split())


def test_catalog_is_complete_and_compiled():
    template = read_po((I18N / "ckanext-procurement.pot").open("rb"))
    po = read_po((I18N / "es" / "LC_MESSAGES" / "ckanext-procurement.po").open("rb"))
    mo = read_mo((I18N / "es" / "LC_MESSAGES" / "ckanext-procurement.mo").open("rb"))
    wanted = {m.id for m in template if m.id}
    untranslated = [m.id for m in po if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    assert not untranslated
    assert wanted <= {m.id for m in po if m.id}, "run pybabel update: the .po lacks messages of the .pot"
    def key(message):
        return tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id

    assert {key(m) for m in mo if m.id} == {key(m) for m in po if m.id and not m.fuzzy}, "run pybabel compile"
    # placeholders survive translation
    for message in po:
        if message.id and isinstance(message.id, str):
            for name in ("{n}", "{id}", "{query}", "{paid}", "{contracted}", "{ocid}", "{error}"):
                assert (name in message.id) == (name in message.string), message.id


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_process_page_in_spanish(app, sysadmin, organization, examples_dir):
    releases = []
    for path in sorted((examples_dir / "fictional").glob("ocds-213czf-000-00001-0*.json")):
        releases.extend(json.loads(path.read_text())["releases"])
    dataset = helpers.call_action("procurement_process_save", context={"user": sysadmin["name"]},
                                  releases=releases, owner_org=organization["id"])["package"]
    soup = BeautifulSoup(app.get(f"/es/contracting-process/{dataset['name']}").body, "html.parser")
    assert soup.html["lang"] == "es"
    summary = soup.find("section", id="process-summary")
    facts = {text(div.find("dt")): text(div.find("dd")) for div in summary.find("dl").find_all("div")}
    assert facts["Departamento"] == "London Borough of Barnet"
    assert facts["Estado"] == "Activo"
    assert facts["Etapa actual"] == "Ejecución"
    assert facts["Valor contratado"] == "11.000.000,00 GBP"
    timeline = soup.find("ol", class_="procurement-lifecycle")
    assert timeline["aria-label"] == "Etapas de este proceso de contratación"
    assert "Etapa actual" in text(timeline.find("li", attrs={"data-stage": "implementation"}))
    assert "10 de mayo de 2010" in text(timeline.find("li", attrs={"data-stage": "award"}))
    assert text(soup.find("section", id="history").find("h2")) == "Historial"
    history = text(soup.find("section", id="history"))
    assert "Modificación de la licitación" in history
    assert "Licitación › Periodo de licitación › Fecha de fin" in history
    assert text(soup.select_one("#implementation #paid-vs-contracted")).startswith("60.000,00")
    # the English page is unchanged
    english = BeautifulSoup(app.get(f"/contracting-process/{dataset['name']}").body, "html.parser")
    assert text(english.find("section", id="history").find("h2")) == "History"


@pytest.mark.usefixtures("clean_db", "clean_index")
def test_opportunities_and_search_in_spanish(app, sysadmin, organization):
    soup = BeautifulSoup(app.get("/es/opportunities").body, "html.parser")
    assert text(soup.find("h1")) == "Oportunidades de licitación"
    assert text(soup.find("label", attrs={"for": "filter-main-category"})) == "Categoría"
    assert "Fuente Atom de todas las oportunidades" in text(soup)
    search = BeautifulSoup(app.get("/es/contracting-process/").body, "html.parser")
    options = [text(o) for o in search.select("select[name=sort] option")]
    assert "Fecha límite de ofertas" in options and "Valor (de mayor a menor)" in options
    assert "No se encontraron procesos de contratación" in text(search.find("h1"))
    nav = text(search.find("header"))
    assert "Oportunidades de licitación" in nav and "Contratos" in nav
