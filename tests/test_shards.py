"""A shard is one pytest process over the hidden graders; what the instructor's environment has
installed besides must not change the grades it writes (graders/pipeline/shards.py)."""

import json
import subprocess

from graders.course.model import ROOT, load_course
from graders.pipeline.shards import ShardSpec, run_shard

PLUGIN = """
import pytest


def pytest_runtest_setup(item):
    pytest.skip("skipped by a plugin that happens to be installed")
"""


def installed_plugin(site):
    """A pytest plugin installed the way pip installs one: a distribution with a pytest11 entry point."""
    info = site / "skip_everything-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "skip_everything.py").write_text(PLUGIN)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: skip-everything\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nskip_everything = skip_everything\n")


def test_plugins_installed_beside_the_graders_do_not_reach_a_shard(tmp_path, monkeypatch):
    installed_plugin(tmp_path / "site")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    course = load_course()
    spec = ShardSpec(course, (course.lesson("lesson1"),), device="cpu", sandbox="none")
    submissions = [("ada", ROOT / "solutions")]

    # Discovered the usual way, the plugin is loaded and skips every case: ada would lose her marks.
    discovering = {
        key: value
        for key, value in spec.environment().items()
        if key != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
    }
    subprocess.run(
        spec.command(submissions, tmp_path / "discovered"),
        cwd=ROOT,
        env=discovering,
        capture_output=True,
    )
    assert _score(tmp_path / "discovered") == 0

    run_shard(spec, submissions, tmp_path / "out", tmp_path / "shard.log")
    assert _score(tmp_path / "out") == sum(
        exercise.points for exercise in course.lesson("lesson1").exercises
    )


def _score(out) -> float:
    return json.loads((out / "ada" / "result.json").read_text())["score"]
