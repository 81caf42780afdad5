"""Where the ontology, shapes, queries and default data live, installed or in a checkout."""
from pathlib import Path

__all__ = ["ontology_dir", "data_dir", "ontology_file", "shapes_files", "check_files", "default_dataset"]

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent  # graph/chainkg -> repository root


def _find(name):
    # A wheel carries copies inside the package (see pyproject's force-include); a checkout has them at its root.
    for base in (_PACKAGE / "_share", _CHECKOUT):
        if (base / name).is_dir():
            return base / name
    raise FileNotFoundError(f"chainkg: cannot find the {name}/ folder next to {_PACKAGE}")


def ontology_dir() -> Path:
    return _find("ontology")


def data_dir() -> Path:
    return _find("data")


def ontology_file() -> Path:
    return ontology_dir() / "chainkg.ttl"


def shapes_files() -> list[Path]:
    return sorted((ontology_dir() / "shapes").glob("*.ttl"))


def check_files() -> list[Path]:
    return sorted((ontology_dir() / "checks").glob("*-violation.rq"))


def default_dataset() -> Path:
    return data_dir() / "chaoyang"
