"""The wheel carries the ontology and data: install it in a fresh venv outside the checkout and run it."""
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("chainkg-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    chainkg = env_dir / "bin" / "chainkg"
    assert "build" in subprocess.run([str(chainkg), "--help"], cwd=work, check=True, capture_output=True,
                                     text=True).stdout
    # the bundled data and shapes are in the wheel: a full build works from an unrelated folder
    done = subprocess.run([str(chainkg), "build", "--out", "g.ttl"], cwd=work, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (work / "g.ttl").stat().st_size > 100_000
