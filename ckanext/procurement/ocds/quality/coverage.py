"""Lifecycle and field coverage, counted the way OCP's quality tools count them.

A field's coverage is relative to its parent: of the awards, how many have a value; of the
contracts, how many have their signed text. Each measure is a function that yields one
``True``/``False`` per parent object of the process, so a process without awards adds nothing to
the award measures. Values of the wrong type count as missing (never raise).
"""

from __future__ import annotations

from typing import Callable, Iterator

from ..access import amount_of, obj, objs, text
from ..dates import parse_date
from ..stages import published_stages
from ..vocabulary import N_, STAGES
from .tally import Tally, merge_tallies

# Document types that carry each stage's key document (OCDS documentType codelist).
SOLICITATION_DOCUMENTS = frozenset(["tenderNotice", "biddingDocuments"])
AWARD_NOTICE_DOCUMENTS = frozenset(["awardNotice"])
CONTRACT_TEXT_DOCUMENTS = frozenset(["contractSigned"])


class _Process:
    """The parts of a compiled release the measures look at, read once."""

    def __init__(self, compiled: dict, releases: list[dict] | None = None):
        self.compiled = obj(compiled)
        self.stages = published_stages(self.compiled, releases)
        self.tender = obj(self.compiled.get("tender"))
        self.awards = objs(self.compiled.get("awards"))
        self.contracts = objs(self.compiled.get("contracts"))
        self.all_parties = objs(self.compiled.get("parties"))
        self.parties = {str(p["id"]): p for p in self.all_parties if text(p.get("id"))}

    def parties_with_role(self, role: str) -> list[dict]:
        return [p for p in self.all_parties if isinstance(p.get("roles"), list) and role in p["roles"]]

    @property
    def tenders(self) -> list[dict]:
        return [self.tender] if "tender" in self.stages else []

    def party(self, reference: object) -> dict:
        return self.parties.get(str(obj(reference).get("id")), {})

    def suppliers(self) -> list[dict]:
        """The parties the awards name as suppliers (each once); references without a party count as empty."""
        seen, found = set(), []
        for award in self.awards:
            for reference in objs(award.get("suppliers")):
                key = text(reference.get("id")) or f"name:{text(reference.get('name'))}"
                if key not in seen:
                    seen.add(key)
                    found.append(self.party(reference))
        return found

    def items(self) -> list[dict]:
        items = objs(self.tender.get("items"))
        for parent in self.awards + self.contracts:
            items += objs(parent.get("items"))
        return items


def _has_document(parent: dict, types: frozenset[str]) -> bool:
    return any(d.get("documentType") in types and text(d.get("url")) for d in objs(parent.get("documents")))


def _has_amount(value: object) -> bool:
    # Coverage asks "is there a usable amount", so a string that reads as a number counts.
    return amount_of(value) is not None


def _has_dates(period: object, *fields: str) -> bool:
    period = obj(period)
    return all(parse_date(period.get(field)) is not None for field in fields)


def _buyer_named(process: _Process) -> bool:
    buyer = obj(process.compiled.get("buyer"))
    names = [text(buyer.get("name")), text(process.party(buyer).get("name"))]
    names += [text(p.get("name")) for p in process.parties_with_role("buyer")]
    return any(names)


def _supplier_named(award: dict, process: _Process) -> bool:
    return any(text(s.get("name")) or text(process.party(s).get("name")) for s in objs(award.get("suppliers")))


def _identified(party: dict) -> bool:
    identifier = obj(party.get("identifier"))
    return bool(text(identifier.get("scheme")) and text(identifier.get("id")))


def _classified(item: dict) -> bool:
    classification = obj(item.get("classification"))
    return bool(text(classification.get("scheme")) and text(classification.get("id")))


def _counts_tenderers(tender: dict) -> bool:
    declared = tender.get("numberOfTenderers")
    return isinstance(declared, int) and not isinstance(declared, bool) and declared >= 0


# name -> (label, what it is counted of, function yielding one bool per parent)
FieldMeasure = Callable[[_Process], Iterator[bool]]
FIELDS: dict[str, tuple[str, str, FieldMeasure]] = {
    "tender_title": (N_("Tender title"), N_("tenders"),
                     lambda p: (bool(text(t.get("title"))) for t in p.tenders)),
    "tender_value": (N_("Tender value"), N_("tenders"),
                     lambda p: (_has_amount(t.get("value")) for t in p.tenders)),
    "tender_period": (N_("Tender period (start and end dates)"), N_("tenders"),
                      lambda p: (_has_dates(t.get("tenderPeriod"), "startDate", "endDate") for t in p.tenders)),
    "tender_solicitation_document": (N_("Solicitation document"), N_("tenders"),
                                     lambda p: (_has_document(t, SOLICITATION_DOCUMENTS) for t in p.tenders)),
    "tender_number_of_tenderers": (N_("Number of tenderers"), N_("tenders"),
                                   lambda p: (_counts_tenderers(t) for t in p.tenders)),
    "buyer_name": (N_("Buyer name"), N_("processes"), lambda p: iter([_buyer_named(p)])),
    "award_value": (N_("Award value"), N_("awards"), lambda p: (_has_amount(a.get("value")) for a in p.awards)),
    "award_date": (N_("Award date"), N_("awards"), lambda p: (parse_date(a.get("date")) is not None
                                                              for a in p.awards)),
    "award_supplier_name": (N_("Supplier name"), N_("awards"),
                            lambda p: (_supplier_named(a, p) for a in p.awards)),
    "award_notice_document": (N_("Award notice"), N_("awards"),
                              lambda p: (_has_document(a, AWARD_NOTICE_DOCUMENTS) for a in p.awards)),
    "contract_period": (N_("Contract period (start and end dates)"), N_("contracts"),
                        lambda p: (_has_dates(c.get("period"), "startDate", "endDate") for c in p.contracts)),
    "contract_text_document": (N_("Signed contract document"), N_("contracts"),
                               lambda p: (_has_document(c, CONTRACT_TEXT_DOCUMENTS) for c in p.contracts)),
    "supplier_identifier": (N_("Supplier identifier"), N_("suppliers"),
                            lambda p: (_identified(s) for s in p.suppliers())),
    "supplier_scale": (N_("Supplier business size"), N_("suppliers"),
                       lambda p: (bool(text(obj(s.get("details")).get("scale"))) for s in p.suppliers())),
    "supplier_certifications": (N_("Supplier certifications"), N_("suppliers"),
                                lambda p: (bool(objs(obj(s.get("details")).get("classifications")))
                                           for s in p.suppliers())),
    "item_classification": (N_("Item classification"), N_("items"),
                            lambda p: (_classified(i) for i in p.items())),
}
# OCP's "useful publication" fields: the ones every publisher is asked for first.
USEFUL_FIELDS = ("tender_title", "tender_value", "tender_period", "buyer_name", "award_value", "award_date",
                 "award_supplier_name", "contract_period")


class Coverage:
    """Share of processes publishing each stage, and field coverage relative to the parent."""

    def __init__(self, stages: dict[str, Tally] | None = None, fields: dict[str, Tally] | None = None):
        self.stages = stages or {stage: Tally() for stage in STAGES}
        self.fields = fields or {name: Tally() for name in FIELDS}

    def add(self, ocid: str | None, compiled: dict, releases: list[dict] | None = None) -> None:
        process = _Process(compiled, releases)
        for stage in STAGES:
            self.stages[stage].add(stage in process.stages, ocid)
        for name, (_label, _parent, measure) in FIELDS.items():
            for ok in measure(process):
                self.fields[name].add(ok, ocid)

    def merge(self, other: "Coverage") -> None:
        merge_tallies(self.stages, other.stages)
        merge_tallies(self.fields, other.fields)

    def to_json(self) -> dict:
        return {
            "stages": {name: tally.to_json() for name, tally in self.stages.items()},
            "fields": {name: dict(tally.to_json(), label=FIELDS[name][0], of=FIELDS[name][1],
                                  useful=name in USEFUL_FIELDS)
                       for name, tally in self.fields.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "Coverage":
        stages = {name: Tally.from_json(obj(data.get("stages")).get(name) or {}) for name in STAGES}
        fields = {name: Tally.from_json(obj(data.get("fields")).get(name) or {}) for name in FIELDS}
        return cls(stages, fields)
