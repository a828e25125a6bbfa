"""FeedReader on every shape of feed, built from the real example data; normalize_release on messy data."""

from __future__ import annotations

import copy
import gzip
import io
import json
import re

import pytest

from ckanext.procurement.ocds import (
    FeedError,
    FeedReader,
    OcdsError,
    Problem,
    detect_format,
    normalize_release,
    ocid_prefix_ok,
)

from ckanext.procurement.ocds.errors import IntegerTooLong

from .conftest import FICTIONAL_OCID, example_files


def read(data: bytes) -> tuple[FeedReader, list[tuple[dict, str]]]:
    reader = FeedReader(io.BytesIO(data))
    return reader, list(reader.releases())


def package(releases, **extra) -> dict:
    return {"uri": "https://example.com/feed.json", "version": "1.1", "publishedDate": "2024-01-01T00:00:00Z",
            "publisher": {"name": "City of Example"}, **extra, "releases": releases}


def dumps(data) -> bytes:
    return json.dumps(data).encode("utf-8")


# --- Formats ------------------------------------------------------------------------------

def test_release_package_file(fictional_package_paths):
    with fictional_package_paths[1].open("rb") as f:
        reader = FeedReader(f)
        items = list(reader.releases())
    assert [(r["id"], position) for r, position in items] == [(f"{FICTIONAL_OCID}-02-tender", "releases/0")]
    assert reader.format == "release_package"
    assert reader.next_url is None
    assert reader.package_metadata == {
        "uri": "https://github.com/open-contracting/sample-data/raw/1.1/fictional-example/ocds-213czf-000-00001.json",
        "publisher": {
            "name": "Open Data Services Co-operative Limited",
            "scheme": "GB-COH",
            "uid": "9506232.0",
            "uri": "http://data.companieshouse.gov.uk/doc/company/09506232",
        },
        "publishedDate": "2011-01-10T09:30:00Z",
        "license": "http://opendatacommons.org/licenses/pddl/1.0/",
        "publicationPolicy": "https://github.com/open-contracting/sample-data/",
        "version": "1.1",
    }
    assert reader.warnings == []


def test_numbers_are_plain_ints_and_floats(fictional_releases):
    release = copy.deepcopy(fictional_releases[3])
    release["awards"][0]["value"]["amount"] = 11000000.5
    _, items = read(dumps(package([release])))
    award = items[0][0]["awards"][0]
    assert type(award["value"]["amount"]) is float and award["value"]["amount"] == 11000000.5
    assert type(items[0][0]["tender"]["numberOfTenderers"]) is int
    json.dumps(items[0][0])  # JSON-serialisable (no Decimal)


def test_release_package_with_many_releases_streams_in_order(fictional_releases):
    reader, items = read(dumps(package(fictional_releases)))
    assert [r["id"] for r, _ in items] == [r["id"] for r in fictional_releases]
    assert [p for _, p in items] == [f"releases/{i}" for i in range(6)]
    assert items[5][0] == fictional_releases[5]


@pytest.mark.parametrize("where", ["before", "after"])
def test_links_next_before_or_after_releases(fictional_releases, where):
    links = {"next": "https://example.com/feed.json?cursor=abc", "prev": "https://example.com/feed.json?cursor=0"}
    if where == "before":
        data = {"links": links, **package(fictional_releases[:2])}
    else:
        data = {**package(fictional_releases[:2]), "links": links}
    assert (list(data).index("links") < list(data).index("releases")) == (where == "before")
    reader, items = read(dumps(data))
    assert len(items) == 2
    assert reader.next_url == "https://example.com/feed.json?cursor=abc"
    assert reader.package_metadata["uri"] == "https://example.com/feed.json"


def test_record_package_with_embedded_releases(fictional_releases, fictional_compiled):
    data = {"uri": "u", "version": "1.1", "publisher": {"name": "P"}, "publishedDate": "2024-01-01T00:00:00Z",
            "records": [{"ocid": FICTIONAL_OCID, "releases": fictional_releases, "compiledRelease": fictional_compiled}],
            "links": {"next": "https://example.com/records?page=2"}}
    reader, items = read(dumps(data))
    assert reader.format == "record_package"
    assert [p for _, p in items] == [f"records/0/releases/{i}" for i in range(6)]
    assert [r["id"] for r, _ in items] == [r["id"] for r in fictional_releases]
    assert reader.next_url == "https://example.com/records?page=2"
    assert reader.package_metadata["publisher"] == {"name": "P"}
    assert reader.warnings == []


def test_record_package_with_linked_releases_falls_back_to_compiled(examples_dir, fictional_compiled):
    path = examples_dir / "fictional" / f"{FICTIONAL_OCID}.json"
    with path.open("rb") as f:
        reader = FeedReader(f)
        items = list(reader.releases())
    assert reader.format == "record_package"
    assert items == [(fictional_compiled, "records/0/compiledRelease")]
    assert len(reader.warnings) == 1
    warning = reader.warnings[0]
    assert warning.severity == "warning"
    assert warning.path == "records/0/compiledRelease"
    assert warning.ocid == FICTIONAL_OCID
    assert "compiledRelease" in warning.message


@pytest.mark.parametrize("path", example_files("*/records/*.json"), ids=lambda p: p.name)
def test_real_record_files(path):
    """Colombia and Canada publish one record object per file (no package around it)."""
    record = json.loads(path.read_text())
    with path.open("rb") as f:
        reader = FeedReader(f)
        items = list(reader.releases())
    assert reader.format == "record"
    assert [r for r, _ in items] == record["releases"]
    assert [p for _, p in items] == [f"releases/{i}" for i in range(len(record["releases"]))]
    assert reader.package_metadata == {"publisher": record["publisher"]}
    assert detect_format(path.read_bytes()[:2000]) == "record"


@pytest.mark.parametrize("path", example_files("*/releases/*.json"), ids=lambda p: p.name)
def test_real_bare_release_files(path):
    release = json.loads(path.read_text())
    with path.open("rb") as f:
        reader = FeedReader(f)
        items = list(reader.releases())
    assert reader.format == "release"
    assert items == [(release, "")]
    # Their non-standard packageInfo stands in for package metadata.
    assert reader.package_metadata["publisher"]["name"] == release["packageInfo"]["publisher"]["name"]
    assert detect_format(path.read_bytes()) == "release"


def test_array_of_releases(fictional_releases):
    reader, items = read(dumps(fictional_releases[:3]))
    assert reader.format == "array"
    assert [p for _, p in items] == ["0", "1", "2"]
    assert [r for r, _ in items] == fictional_releases[:3]


def test_json_lines_of_releases(fictional_releases):
    data = b"\n".join(dumps(r) for r in fictional_releases) + b"\n"
    reader, items = read(data)
    assert reader.format == "json_lines"
    assert [r for r, _ in items] == fictional_releases
    assert [p for _, p in items] == [str(i) for i in range(6)]


def test_json_lines_of_packages(fictional_releases):
    lines = [package(fictional_releases[:2]), package(fictional_releases[2:], links={"next": "https://n/2"})]
    reader, items = read(b"\n".join(dumps(p) for p in lines))
    assert reader.format == "json_lines"
    assert [p for _, p in items] == ["0/releases/0", "0/releases/1"] + [f"1/releases/{i}" for i in range(4)]
    assert reader.next_url == "https://n/2"


def test_gzip(fictional_releases):
    reader, items = read(gzip.compress(dumps(package(fictional_releases))))
    assert reader.format == "release_package"
    assert [r for r, _ in items] == fictional_releases


def test_gzip_json_lines(fictional_releases):
    reader, items = read(gzip.compress(b"\n".join(dumps(r) for r in fictional_releases)))
    assert reader.format == "json_lines"
    assert len(items) == 6


def test_utf8_bom_and_non_ascii(fictional_releases):
    release = dict(fictional_releases[0], title="Señalización vial – Bogotá")
    reader, items = read(b"\xef\xbb\xbf" + json.dumps(release, ensure_ascii=False).encode("utf-8"))
    assert items[0][0]["title"] == "Señalización vial – Bogotá"


def test_non_seekable_stream(fictional_releases):
    class Pipe(io.RawIOBase):  # like an HTTP response body: read() only, short reads
        def __init__(self, data):
            self._data = data

        def readable(self):
            return True

        def read(self, size=-1):
            size = 7 if size is None or size < 0 else min(size, 7)
            chunk, self._data = self._data[:size], self._data[size:]
            return chunk

    reader = FeedReader(Pipe(gzip.compress(dumps(package(fictional_releases)))))
    assert len(list(reader.releases())) == 6


def test_detect_format(fictional_releases):
    assert detect_format(dumps(package(fictional_releases))[:300]) == "release_package"
    assert detect_format(dumps({"records": []})) == "record_package"
    assert detect_format(dumps(fictional_releases)[:100]) == "array"
    assert detect_format(b"\n".join(dumps(r) for r in fictional_releases)) == "json_lines"
    assert detect_format(gzip.compress(dumps(package(fictional_releases)))) == "release_package"
    assert detect_format(dumps(fictional_releases[0])) == "release"
    assert detect_format(b'{"hello": "world"}') is None
    assert detect_format(b"") is None


# --- Errors -------------------------------------------------------------------------------

def test_invalid_json_says_what_and_where(fictional_releases):
    good = dumps(package(fictional_releases[:2]))
    error_at = good.index(b'"initiationType": "tender"', good.index(fictional_releases[1]["id"].encode()))
    bad = good[:error_at] + good[error_at:].replace(b'"initiationType": "tender"', b'"initiationType": tender', 1)
    reader = FeedReader(io.BytesIO(bad))
    seen = []
    with pytest.raises(FeedError) as excinfo:
        for release, _ in reader.releases():
            seen.append(release["id"])
    message = str(excinfo.value)
    assert seen == [fictional_releases[0]["id"]]  # streamed up to the error
    assert message.startswith("The feed is not valid JSON: ")
    assert "lexical error" in message or "parse error" in message
    # The reported offset falls within the bare word `tender`, 18 bytes into the match.
    offset = int(re.search(r"at byte (\d+) ", message).group(1))
    assert error_at + 18 <= offset <= error_at + 18 + len("tender")
    assert "line 1" in message
    assert "inside releases/1" in message
    assert isinstance(excinfo.value, OcdsError)


@pytest.mark.parametrize("shape", ["package", "json_lines"])
def test_an_integer_beyond_64_bits_stops_the_fast_parser_and_the_exact_one_reads_it(fictional_releases, shape):
    """Valid JSON: yajl can't hold it, ijson's own parser can. The fast reader stops with an error
    that says so and where; read again with exact_integers, every release comes, the integer intact."""
    releases = copy.deepcopy(fictional_releases[:3])
    huge = 123456789012345678901234567890
    releases[1]["tender"]["value"] = {"amount": huge, "currency": "USD"}
    data = dumps(package(releases)) if shape == "package" else b"\n".join(dumps(r) for r in releases)
    seen = []
    with pytest.raises(IntegerTooLong) as excinfo:
        for release, _ in FeedReader(io.BytesIO(data)).releases():
            seen.append(release["id"])
    assert seen == [releases[0]["id"]]
    assert isinstance(excinfo.value, FeedError) and "64 bits" in str(excinfo.value)
    assert ("inside releases/1" if shape == "package" else "inside 1") in str(excinfo.value)

    exact = list(FeedReader(io.BytesIO(data), exact_integers=True).releases())
    assert [release["id"] for release, _ in exact] == [r["id"] for r in releases]
    assert exact[1][0]["tender"]["value"]["amount"] == huge and type(exact[1][0]["tender"]["value"]["amount"]) is int
    assert exact[0][0] == releases[0]  # the same values as the fast parser's (floats stay floats)


def test_invalid_json_line_number_in_json_lines(fictional_releases):
    lines = [dumps(r) for r in fictional_releases[:3]]
    lines[2] = lines[2][:-1]  # third line's object never closes
    lines.append(b'{"ocid": "x"}')
    with pytest.raises(FeedError) as excinfo:
        list(FeedReader(io.BytesIO(b"\n".join(lines))).releases())
    assert "line 4" in str(excinfo.value) or "line 3" in str(excinfo.value)


def test_truncated_feed():
    with pytest.raises(FeedError, match="premature EOF"):
        list(FeedReader(io.BytesIO(b'{"releases": [{"ocid": "ocds-abcdef-1"')).releases())


def test_not_ocds_and_empty():
    with pytest.raises(FeedError, match=r"JSON but not OCDS: not an OCDS release, record or package \(keys: error\)"):
        list(FeedReader(io.BytesIO(b'{"error": "rate limited"}')).releases())
    # In an array, a stray non-OCDS item is reported and skipped.
    reader = FeedReader(io.BytesIO(b'[{"hello": "world"}, {"ocid": "ocds-abcdef-1", "id": "1"}]'))
    assert [r["id"] for r, _ in reader.releases()] == ["1"]
    assert [(p.severity, p.path) for p in reader.warnings] == [("error", "0")]
    with pytest.raises(FeedError, match="empty"):
        list(FeedReader(io.BytesIO(b"  \n")).releases())
    with pytest.raises(FeedError, match="top-level value is a number"):
        list(FeedReader(io.BytesIO(b"42")).releases())


def test_corrupt_gzip():
    with pytest.raises(FeedError, match="gzip"):
        list(FeedReader(io.BytesIO(b"\x1f\x8b\x08\x00garbage-that-is-not-deflate")).releases())


def test_reader_reads_once(fictional_releases):
    reader, _ = read(dumps(fictional_releases[0]))
    with pytest.raises(RuntimeError):
        list(reader.releases())


# --- Normalizing messy releases -----------------------------------------------------------

def test_clean_release_has_no_problems(fictional_releases):
    release = fictional_releases[1]
    normalized, problems = normalize_release(release, "releases/1")
    assert problems == []
    assert normalized == release


def test_tag_as_string(fictional_releases):
    release = dict(fictional_releases[1], tag="tender")
    normalized, problems = normalize_release(release, "releases/3")
    assert normalized["tag"] == ["tender"]
    assert release["tag"] == "tender"  # the input is not modified
    assert [(p.severity, p.path) for p in problems] == [("warning", "releases/3/tag")]
    assert str(problems[0]) == (
        f"Warning: {FICTIONAL_OCID} release {FICTIONAL_OCID}-02-tender at releases/3/tag: "
        "tag is the string 'tender', not an array; read as ['tender']"
    )


def test_missing_tag_id_and_date_are_warnings(fictional_releases):
    release = {k: v for k, v in fictional_releases[1].items() if k not in ("tag", "id", "date")}
    normalized, problems = normalize_release(release, "releases/0")
    assert {(p.severity, p.path) for p in problems} == {
        ("warning", "releases/0/tag"), ("warning", "releases/0/id"), ("warning", "releases/0/date")}
    assert "tag" not in normalized


def test_invalid_date_is_a_warning(fictional_releases):
    _, problems = normalize_release(dict(fictional_releases[1], date="15/03/2010"), "releases/2")
    assert [(p.severity, p.path) for p in problems] == [("warning", "releases/2/date")]
    assert "'15/03/2010'" in problems[0].message


def test_missing_ocid_is_an_error(fictional_releases):
    release = {k: v for k, v in fictional_releases[1].items() if k != "ocid"}
    _, problems = normalize_release(release, "releases/7")
    assert [(p.severity, p.path, p.ocid) for p in problems] == [("error", "releases/7/ocid", None)]
    _, problems = normalize_release(dict(release, ocid="  "))
    assert [(p.severity, p.path) for p in problems] == [("error", "ocid")]


def test_ocid_without_registered_prefix(fictional_releases):
    normalized, problems = normalize_release(dict(fictional_releases[1], ocid="CITY-2024-0001"))
    assert normalized["ocid"] == "CITY-2024-0001"
    assert [(p.severity, p.path) for p in problems] == [("warning", "ocid")]
    assert "registered prefix" in problems[0].message


def test_not_an_object():
    _, problems = normalize_release(["not", "a", "release"], "3")
    assert [(p.severity, p.path) for p in problems] == [("error", "3")]


def test_extra_keys_are_kept():
    path = example_files("colombia/releases/ocds-k50g02-16-12-5280389-*.json")[0]
    release = json.loads(path.read_text())
    normalized, problems = normalize_release(release)
    assert problems == []
    assert normalized["urlSECOP"] == release["urlSECOP"]
    assert normalized["packageInfo"] == release["packageInfo"]
    assert normalized["validationErrors"] == release["validationErrors"]
    assert normalized == release


def test_ocds_10_release_is_upgraded():
    # Canada's pilot data: no version, no parties, a full organization as buyer, `amendment`.
    path = example_files("canada-buyandsell/releases/ocds-34a6hz-01B68-160244001CZ-*.json")[0]
    release = json.loads(path.read_text())
    original = copy.deepcopy(release)
    normalized, problems = normalize_release(release, "")
    assert release == original  # not modified
    assert [p.message for p in problems] == ["OCDS 1.0 data was upgraded to OCDS 1.1"]
    buyer_party = normalized["parties"][0]
    assert buyer_party["roles"] == ["buyer"]
    assert buyer_party["name_en"] == "Agriculture and Agri-Food Canada"
    assert normalized["buyer"] == {"id": buyer_party["id"]}
    assert "amendment" not in normalized["contracts"][0]
    assert normalized["contracts"][0]["amendments"] == [original["contracts"][0]["amendment"]]


def test_ocds_10_transactions_are_upgraded(fictional_releases):
    release = fictional_releases[5]
    del release["parties"]
    transaction = release["contracts"][0]["implementation"]["transactions"][0]
    transaction["amount"] = transaction.pop("value")
    normalized, problems = normalize_release(release, package_version="1.0")
    assert [p.message for p in problems] == ["OCDS 1.0 data was upgraded to OCDS 1.1"]
    upgraded = normalized["contracts"][0]["implementation"]["transactions"][0]
    assert upgraded["value"] == {"amount": 50000, "currency": "GBP"}
    assert "amount" not in upgraded


def test_missing_version_with_11_data_is_not_upgraded(fictional_releases):
    """Many 1.1 publishers omit `version`: releases with `parties` are read as 1.1."""
    data = {"uri": "u", "publisher": {"name": "P"}, "releases": fictional_releases[:2]}
    reader = FeedReader(io.BytesIO(dumps(data)))
    items = list(reader.normalized_releases())
    assert [problems for _, _, problems in items] == [[], []]
    assert [r for r, _, _ in items] == fictional_releases[:2]
    assert "version" not in reader.package_metadata


def test_declared_11_package_is_never_upgraded(fictional_releases):
    release = {k: v for k, v in fictional_releases[1].items() if k != "parties"}
    reader = FeedReader(io.BytesIO(dumps(package([release]))))
    [(normalized, position, problems)] = list(reader.normalized_releases())
    assert problems == [] and normalized == release and position == "releases/0"


def test_normalized_releases_paths(fictional_releases):
    releases = [fictional_releases[0], dict(fictional_releases[1], tag="tender")]
    reader = FeedReader(io.BytesIO(dumps(package(releases))))
    items = list(reader.normalized_releases())
    assert [[str(p.path) for p in problems] for _, _, problems in items] == [[], ["releases/1/tag"]]


def test_ocid_prefix_ok():
    assert ocid_prefix_ok("ocds-213czf-000-00001", [])
    assert ocid_prefix_ok("ocds-213czf-000-00001", None)
    assert ocid_prefix_ok("ocds-213czf-000-00001", ["ocds-abcdef", "ocds-213czf"])
    assert not ocid_prefix_ok("ocds-213czf-000-00001", ["ocds-abcdef"])
    assert ocid_prefix_ok("anything", ["", "  "])  # blank entries mean no restriction


def test_problem_as_dict_and_str():
    problem = Problem("error", "the release has no ocid", "releases/3/ocid")
    assert problem.as_dict() == {"severity": "error", "message": "the release has no ocid",
                                 "path": "releases/3/ocid", "ocid": None, "release_id": None}
    assert str(problem) == "Error: at releases/3/ocid: the release has no ocid"


def test_text_where_numbers_belong_is_reported_with_its_path():
    from ckanext.procurement.ocds.parse import normalize_release

    release = {
        "ocid": "ocds-213czf-1", "id": "1", "date": "2020-01-01T00:00:00Z", "tag": ["tender"], "parties": [],
        "tender": {"value": {"amount": "lots", "currency": "USD"}, "numberOfTenderers": "many",
                   "minValue": {"amount": 10}},
        "contracts": [{"implementation": {"transactions": [{"value": {"amount": True}}, {"value": {"amount": 5.5}}]}}],
    }
    normalized, problems = normalize_release(release, "releases/0")
    paths = sorted(p.path for p in problems)
    assert paths == [
        "releases/0/contracts/0/implementation/transactions/0/value/amount",
        "releases/0/tender/numberOfTenderers",
        "releases/0/tender/value/amount",
    ]
    assert all(p.severity == "warning" for p in problems)
    assert normalized["tender"]["value"]["amount"] == "lots", "nothing a publisher sent is lost"
