"""Every reading command gives the same answer on rdflib's memory store, Oxigraph in memory and on disk."""
import pytest
from click.testing import CliRunner

from chainkg.cli import cli

COMMANDS = [
    ["stats"],
    ["gaps", "--format", "json"],
    ["gaps", "--zone", "喀左", "--chain", "化合物半导体", "--format", "csv"],
    ["centrality", "--format", "json"],
    ["report", "--zone", "凌源市", "--format", "md"],
    ["query", "--name", "lead-enterprises", "--format", "json"],
]


@pytest.fixture(scope="module")
def disk_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stores")
    result = CliRunner().invoke(cli, ["build", "--out", str(folder / "g.ttl"), "--store", str(folder / "store")])
    assert result.exit_code == 0, result.output
    return str(folder / "store")


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_same_answer_on_every_store(args, disk_store):
    outputs = {}
    for store in ("memory", "oxigraph", disk_store):
        result = CliRunner().invoke(cli, args + ["--store", store])
        assert result.exit_code == 0, (store, result.output)
        outputs[store] = result.stdout
    assert outputs["memory"] == outputs["oxigraph"] == outputs[disk_store]
    assert len(outputs["memory"]) > 100


def test_a_map_is_the_same_on_every_store(tmp_path, disk_store):
    pages = []
    for i, store in enumerate(("memory", "oxigraph", disk_store)):
        out = tmp_path / f"m{i}.html"
        result = CliRunner().invoke(cli, ["map", "--zone", "喀左", "--chain", "化合物半导体", "-o", str(out), "--store", store])
        assert result.exit_code == 0, result.output
        pages.append(out.read_bytes())
    assert pages[0] == pages[1] == pages[2]
