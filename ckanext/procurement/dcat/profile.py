"""The `procurement` RDF profile of ckanext-dcat, applied on top of DCAT-AP 3 (`euro_dcat_ap_3`).

`ckanext.dcat.rdf.profiles = euro_dcat_ap_3 procurement`: the default
profile maps what every CKAN dataset has (title, description, keywords,
publisher from the organization, distributions); this one adds what the
`procurement-dataset` schema knows (update frequency, temporal coverage,
license, publication policy) and says that procurement data conforms to OCDS 1.1.
"""
from __future__ import annotations

from typing import Any

from rdflib import BNode, URIRef

import ckan.plugins.toolkit as tk

from ckanext.dcat.profiles import DCAT, DCT, FOAF, RDF, CleanedURIRef, RDFProfile
from ckanext.dcat.utils import resource_uri

from ckanext.procurement.dataset import BULK_DATASET_TYPE, DATASET_TYPE
from ckanext.procurement.dcat import OCDS_STANDARD_URI
from ckanext.procurement.dcat.formats import EU_FREQUENCIES, EU_FREQUENCY, iana_uri, media_type

PROCUREMENT_TYPES = {BULK_DATASET_TYPE, DATASET_TYPE}


class ProcurementDCATProfile(RDFProfile):
    """Serializes procurement datasets; parses nothing of its own (the portal harvests OCDS, not DCAT)."""

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        if dataset_dict.get("type") not in PROCUREMENT_TYPES:
            return
        self._conforms_to_ocds(dataset_ref)
        self._landing_page(dataset_dict, dataset_ref)
        license_ref = self._license(dataset_dict, dataset_ref)
        for resource in dataset_dict.get("resources", []):
            self._distribution(resource, license_ref)
        if dataset_dict["type"] == BULK_DATASET_TYPE:
            self._frequency(dataset_dict, dataset_ref)
            self._temporal(dataset_dict, dataset_ref)
            self._publication_policy(dataset_dict, dataset_ref)

    def _conforms_to_ocds(self, dataset_ref: URIRef) -> None:
        standard = URIRef(OCDS_STANDARD_URI)
        self.g.add((dataset_ref, DCT.conformsTo, standard))
        self.g.add((standard, RDF.type, DCT.Standard))

    def _landing_page(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        """The dataset's page on the portal (the default profile only knows CKAN's `url`, the source's page)."""
        if (dataset_ref, DCAT.landingPage, None) in self.g:
            return
        page = URIRef(tk.url_for(f"{dataset_dict['type']}.read", id=dataset_dict["name"], _external=True))
        self.g.add((dataset_ref, DCAT.landingPage, page))
        self.g.add((page, RDF.type, FOAF.Document))

    def _license(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> URIRef | None:
        url = dataset_dict.get("license_url")
        if not url:
            return None
        license_ref = CleanedURIRef(url)
        self.g.add((dataset_ref, DCT.license, license_ref))
        self.g.add((license_ref, RDF.type, DCT.LicenseDocument))
        return license_ref

    def _distribution(self, resource: dict[str, Any], license_ref: URIRef | None) -> None:
        distribution = URIRef(resource_uri(resource))
        if license_ref and (distribution, DCT.license, None) not in self.g:
            self.g.add((distribution, DCT.license, license_ref))
        mimetype = media_type(resource)
        if not mimetype:
            return
        # the default profile copies CKAN's `mimetype` or format as it is: an IANA URI instead
        self.g.remove((distribution, DCAT.mediaType, None))
        media_ref = URIRef(iana_uri(mimetype))
        self.g.add((distribution, DCAT.mediaType, media_ref))
        self.g.add((media_ref, RDF.type, DCT.MediaType))
        if resource.get("url") and (distribution, DCAT.downloadURL, None) not in self.g:
            self.g.add((distribution, DCAT.downloadURL, CleanedURIRef(resource["url"])))

    def _frequency(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        code = EU_FREQUENCIES.get(dataset_dict.get("update_frequency") or "")
        if code:
            frequency = URIRef(EU_FREQUENCY + code)
            self.g.add((dataset_ref, DCT.accrualPeriodicity, frequency))
            self.g.add((frequency, RDF.type, DCT.Frequency))

    def _temporal(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        start = dataset_dict.get("coverage_start_date")
        end = dataset_dict.get("coverage_end_date")
        if not (start or end):
            return
        period = BNode()
        self.g.add((dataset_ref, DCT.temporal, period))
        self.g.add((period, RDF.type, DCT.PeriodOfTime))
        if start:
            self._add_date_triple(period, DCAT.startDate, start)
        if end:
            self._add_date_triple(period, DCAT.endDate, end)

    def _publication_policy(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        url = dataset_dict.get("publication_policy_url")
        if url:
            policy = CleanedURIRef(url)
            self.g.add((dataset_ref, FOAF.page, policy))
            self.g.add((policy, RDF.type, FOAF.Document))

