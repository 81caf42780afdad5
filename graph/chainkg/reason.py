"""OWL consistency with a real reasoner: HermiT, shipped by owlready2, run on the machine's Java."""
import tempfile
from pathlib import Path

from .resources import ontology_file

__all__ = ["is_consistent"]


def is_consistent(graph) -> bool:
    """True when ontology + *graph* is consistent for HermiT.

    owlready2 reads RDF/XML or N-Triples (not Turtle), so the union is written as N-Triples to a
    temporary file. Needs ``java`` on the PATH.
    """
    import owlready2
    from rdflib import Graph

    union = Graph().parse(ontology_file(), format="turtle")
    for triple in graph:
        union.add(triple)
    with tempfile.TemporaryDirectory(prefix="chainkg-owl-") as tmp:
        path = Path(tmp) / "union.nt"
        union.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return False
        finally:
            world.close()
    return True
