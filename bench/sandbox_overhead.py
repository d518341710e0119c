"""What the sandbox costs: grading the solutions with it and without it, side by side in one run.

    python bench/sandbox_overhead.py [--rounds N] [--copies K] [--children M]

Two measurements, each alternating the two settings round by round so that a machine that
gets busier or quieter during the run weighs on both alike:

1. grading a class of K copies of the solutions end to end (``python -m graders grade``:
   pytest, the warm worker's start, every hidden test), after one unmeasured warm-up each;
2. the life of one child alone: spawn, receive the submission, release, M times.

Wall-clock seconds only: the CPU time of a sandboxed worker is not reported back through
bubblewrap's processes, so CPU figures would not compare.

"with" is the full sandbox: bubblewrap, and per child a user/PID/mount/IPC/network
namespace, a cgroup, a private /tmp and no capabilities.  "without" is a plain worker
process whose children have rlimits only (``--sandbox none --child-walls off``).  Prints
both times and the ratio; docs/measurements.md records the figures.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graders.course.model import ROOT, load_course  # noqa: E402
from graders.host.capture import Capture  # noqa: E402
from graders.host.sandbox import Zygote, bubblewrap_problem  # noqa: E402
from graders.pipeline.grade import Options, grade  # noqa: E402
from graders.worker import codec  # noqa: E402

SETTINGS = {  # name -> (--sandbox, --child-walls)
    "with": ("bwrap", "auto"),
    "without": ("none", "off"),
}


def grade_once(folder: Path, setting: str) -> float:
    """Wall seconds for grading ``folder`` once."""
    sandbox, walls = SETTINGS[setting]
    out = Path(tempfile.mkdtemp(prefix="bench-out-"))
    started = time.perf_counter()
    try:
        graded = grade(folder, Options(out, sandbox=sandbox, child_walls=walls, quiet=True))
    finally:
        wall = time.perf_counter() - started
        shutil.rmtree(out, ignore_errors=True)
    scores = {r.student: r.score == r.max_score for r in graded.results}
    if not all(scores.values()):
        raise SystemExit(
            f"the solutions did not get full marks with the sandbox {setting}: {scores}"
        )
    return wall


def child_lives(setting: str, children: int) -> list[float]:
    """Seconds for each of ``children`` spawn-load-release cycles on one warm worker."""
    sandbox, walls = SETTINGS[setting]
    on = walls != "off"
    zygote = Zygote(sandbox, hidden=[ROOT], cgroups=None if on else False, namespaces=on)
    zygote.wait_ready()
    limits = {"limits": vars(load_course().limits)}
    files = {
        f"lesson1/{p.name}": p.read_text()
        for p in (ROOT / "solutions" / "lesson1").glob("[!_t]*.py")
    }
    times = []
    try:
        for _ in range(children):
            capture = Capture(1024)
            started = time.perf_counter()
            pid, sock = zygote.spawn(limits, capture.fd)
            codec.send_request(sock, {"op": "load", "files": files})
            assert codec.recv(sock, time.monotonic() + 30)["ok"]
            sock.close()
            zygote.release(pid)
            times.append(time.perf_counter() - started)
            capture.close()
    finally:
        zygote.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=3, help="class gradings per setting (default 3)"
    )
    parser.add_argument(
        "--copies", type=int, default=4, help="copies of the solutions in the class (default 4)"
    )
    parser.add_argument(
        "--children", type=int, default=40, help="child lives per setting (default 40)"
    )
    args = parser.parse_args()
    if bubblewrap_problem():
        raise SystemExit(f"bubblewrap is needed to measure the sandbox: {bubblewrap_problem()}")
    folder = Path(tempfile.mkdtemp(prefix="bench-class-"))
    for i in range(args.copies):
        for lesson in (ROOT / "solutions").glob("lesson*"):
            shutil.copytree(
                lesson,
                folder / f"student-{i}" / lesson.name,
                ignore=shutil.ignore_patterns("test_*", "__pycache__"),
            )
    wall: dict[str, list[float]] = {s: [] for s in SETTINGS}
    for setting in SETTINGS:
        grade_once(folder, setting)  # warm-up: page cache, bytecode, the first cgroup
    for round_ in range(args.rounds):
        order = list(SETTINGS) if round_ % 2 == 0 else list(reversed(SETTINGS))
        for setting in order:
            wall[setting].append(grade_once(folder, setting))
            print(
                f"round {round_ + 1}: {setting:<8} the sandbox  {wall[setting][-1]:6.2f} s",
                flush=True,
            )
    lives = {s: [] for s in SETTINGS}
    for half in range(2):
        for setting in SETTINGS if half == 0 else reversed(SETTINGS):
            lives[setting] += child_lives(setting, args.children // 2)
    shutil.rmtree(folder, ignore_errors=True)

    with_, without = statistics.median(wall["with"]), statistics.median(wall["without"])
    print(f"\ngrading {args.copies} copies of the solutions, median of {args.rounds}:")
    print(
        f"  with the sandbox {with_:7.2f} s   without {without:7.2f} s   ratio {with_ / without:.2f}"
    )
    with_, without = statistics.median(lives["with"]), statistics.median(lives["without"])
    print(
        f"one child's life (spawn, load the submission, release), median of {len(lives['with'])}:"
    )
    print(
        f"  with the sandbox {with_ * 1000:5.1f} ms   without {without * 1000:5.1f} ms   ratio {with_ / without:.2f}"
    )


if __name__ == "__main__":
    main()
