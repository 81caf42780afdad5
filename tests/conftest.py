"""Shared fixtures: the Chaoyang graph is compiled once per session."""
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def chaoyang_build():
    """The default build: (graph, notes) of data/chaoyang with the reference chains."""
    from chainkg.build import build

    result = build()
    return result


@pytest.fixture(scope="session")
def chaoyang(chaoyang_build):
    return chaoyang_build.graph


@pytest.fixture(scope="session")
def chaoyang_file(tmp_path_factory, chaoyang):
    """The Chaoyang graph written once as Turtle, for tests that load a file into a store or server."""
    from chainkg.build import serialize

    path = tmp_path_factory.mktemp("chaoyang") / "chaoyang.ttl"
    path.write_bytes(serialize(chaoyang))
    return path


@pytest.fixture
def dataset(tmp_path):
    """A private copy of the Chaoyang dataset that a test may break."""
    target = tmp_path / "chaoyang"
    shutil.copytree(ROOT / "data" / "chaoyang", target)
    return target
