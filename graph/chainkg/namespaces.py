"""The ontology's terms as closed rdflib namespaces (a typo raises AttributeError).

Examples
--------
>>> from chainkg.namespaces import CK
>>> str(CK.Project)
'https://w3id.org/chainkg/ontology#Project'
"""
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace, Namespace
from rdflib.namespace import ORG
from rdflib.term import URIRef

__all__ = ["CK", "ID", "ORG", "PROV", "SKOS", "DCTERMS", "SDO", "RDF", "RDFS", "OWL", "XSD", "PREFIXES", "bind_prefixes"]

ONTOLOGY_IRI = "https://w3id.org/chainkg/ontology"


class CK(DefinedNamespace):
    """Terms of ``ontology/chainkg.ttl`` (a test keeps the two in step)."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # classes
    Zone: URIRef
    Province: URIRef
    City: URIRef
    District: URIRef
    County: URIRef
    CountyLevelCity: URIRef
    Town: URIRef
    DevelopmentZone: URIRef
    IndustrialPark: URIRef
    FunctionalArea: URIRef
    Enterprise: URIRef
    EnterpriseGroup: URIRef
    Institution: URIRef
    Product: URIRef
    IndustrialChain: URIRef
    ReferenceChain: URIRef
    IndustrialCluster: URIRef
    ChainLink: URIRef
    Stage: URIRef
    StageScheme: URIRef
    ZoneChain: URIRef
    LeadRole: URIRef
    Placement: URIRef
    Project: URIRef
    ProjectStatus: URIRef
    ProjectStatusScheme: URIRef
    SourceDocument: URIRef
    Evidence: URIRef
    Conflict: URIRef
    Claim: URIRef
    # individuals
    Upstream: URIRef
    Midstream: URIRef
    Downstream: URIRef
    StatusPlanned: URIRef
    StatusReserve: URIRef
    StatusNegotiating: URIRef
    StatusSigned: URIRef
    StatusLanded: URIRef
    StatusStarted: URIRef
    StatusNewlyStarted: URIRef
    StatusResumed: URIRef
    StatusContinuing: URIRef
    StatusUnderConstruction: URIRef
    StatusCompleted: URIRef
    StatusInProduction: URIRef
    StatusAtCapacity: URIRef
    StatusOperating: URIRef
    # properties
    partOf: URIRef
    within: URIRef
    level: URIRef
    locatedIn: URIRef
    produces: URIRef
    inCluster: URIRef
    stage: URIRef
    feedsInto: URIRef
    upstreamOf: URIRef
    typicalProduct: URIRef
    inferred: URIRef
    note: URIRef
    develops: URIRef
    zone: URIRef
    chain: URIRef
    link: URIRef
    linksText: URIRef
    enterprise: URIRef
    year: URIRef
    roleWord: URIRef
    coversLink: URIRef
    inZone: URIRef
    investor: URIRef
    investorName: URIRef
    servesChain: URIRef
    servesLink: URIRef
    status: URIRef
    capacity: URIRef
    description: URIRef
    investment: URIRef
    originalText: URIRef
    order: URIRef
    evidence: URIRef
    quote: URIRef
    record: URIRef
    about: URIRef
    field: URIRef
    claim: URIRef
    claimedValue: URIRef


#: Base of every instance IRI minted by :mod:`chainkg.mapping`.
ID = Namespace("https://w3id.org/chainkg/id/")

PREFIXES = {
    "ck": CK._NS, "id": ID, "org": ORG, "prov": PROV, "skos": SKOS, "dcterms": DCTERMS,
    "schema": SDO, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD,
}


def bind_prefixes(graph):
    """Bind the project's prefixes on *graph* (replacing rdflib's defaults) and return it."""
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph
