"""Grading on Dask gives exactly the results of a local run, and survives losing a worker."""

import filecmp
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from conftest import run_cli

from graders.course.model import ROOT

SAMPLE = ROOT / "samples" / "class"


@pytest.fixture(scope="module")
def small_class(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dask-class")
    for student in ("ada", "ben", "dee", "eve"):
        shutil.copytree(SAMPLE / student, folder / student)
    out = tmp_path_factory.mktemp("local-run")
    run_cli("grade", str(folder), "--out", str(out), "--jobs", "2", "--quiet")
    return folder, out


def assert_same_results(first, second, students):
    for student in students:
        assert filecmp.cmp(
            first / student / "result.json", second / student / "result.json", shallow=False
        ), student


def test_a_local_dask_cluster_gives_the_local_results(small_class, tmp_path):
    folder, local = small_class
    run_cli("grade", str(folder), "--out", str(tmp_path), "--dask-local", "2", "--quiet")
    assert_same_results(local, tmp_path, ["ada", "ben", "dee", "eve"])


def test_a_lost_worker_is_replaced_and_its_submissions_graded_elsewhere(small_class, tmp_path):
    from distributed import Client, LocalCluster

    folder, local = small_class
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        out = tmp_path / "out"
        grading = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "graders",
                "grade",
                str(folder),
                "--out",
                str(out),
                "--scheduler",
                cluster.scheduler_address,
                "--dask-chunk",
                "1",
                "--quiet",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def kill_a_worker_once_grading_is_under_way():
            deadline = time.monotonic() + 240
            while not list(out.glob("*/result.json")) and time.monotonic() < deadline:
                time.sleep(0.05)
            os.kill(pids[0], signal.SIGKILL)

        killer = threading.Thread(target=kill_a_worker_once_grading_is_under_way)
        killer.start()
        stdout, stderr = grading.communicate(timeout=600)
        killer.join()
        assert grading.returncode == 0, stderr
    assert_same_results(local, out, ["ada", "ben", "dee", "eve"])


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    process = run_cli(
        "grade",
        str(SAMPLE / "ada"),
        "--out",
        str(tmp_path),
        "--scheduler",
        "tcp://127.0.0.1:9",
        check=False,
    )
    assert process.returncode == 2 and "cannot reach the Dask scheduler" in process.stderr
    assert "Traceback" not in process.stderr
