"""Grading on a Dask cluster (``--scheduler tcp://host:8786`` or ``--dask-local N``).

The unit of work is a chunk of submissions graded by one shard, exactly as on one machine
(graders/pipeline/shards.py): a pytest process with its own sandboxed warm worker.  The client
ships each chunk's files as bytes, so workers need no shared file system, only this
repository at the same version: a worker whose course, graders or solutions differ from the
client's refuses the chunk instead of grading it differently.  Results come back as
result.json texts, are validated, and are written to the output folder as chunks finish.
A chunk whose worker dies is rescheduled by Dask elsewhere; one that raises is retried.
"""

from __future__ import annotations

import json
import math
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from graders.course.errors import HarnessError
from graders.grading import results as results_io
from graders.pipeline.shards import ShardSpec

MAX_CHUNK = 16
MAX_SUBMISSION_BYTES = 20_000_000


def pack_submission(folder: Path, lessons: list[str]) -> dict[str, bytes]:
    """Every file of the graded lesson folders, as bytes, keyed by relative path."""
    files: dict[str, bytes] = {}
    for lesson in lessons:
        for path in sorted((folder / lesson).rglob("*")) if (folder / lesson).is_dir() else ():
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and ".ipynb_checkpoints" not in path.parts
            ):
                files[str(path.relative_to(folder))] = path.read_bytes()
    if sum(map(len, files.values())) > MAX_SUBMISSION_BYTES:  # keep what graders read
        files = {name: data for name, data in files.items() if name.endswith((".py", ".ipynb"))}
    return files


def grade_chunk(payload: dict) -> dict[str, str]:
    """Runs on a Dask worker: grade the chunk's submissions, return {student: result.json text}."""
    from graders.course.fingerprint import harness
    from graders.course.model import load_course
    from graders.pipeline.shards import run_shard

    course = load_course()
    if harness(course) != payload["harness"]:
        raise HarnessError(
            f"this worker's course at {course.root} differs from the client's (course.toml, graders or "
            "solutions): install the same version of the repository on every worker"
        )
    lessons = tuple(course.lesson(lesson) for lesson in payload["lessons"])
    spec = ShardSpec(
        course, lessons, payload["device"], payload["sandbox"], payload.get("child_walls", "auto")
    )
    with tempfile.TemporaryDirectory(prefix="graders-dask-") as temporary:
        root = Path(temporary)
        entries = []
        for student, files in payload["submissions"].items():
            folder = root / "submissions" / student
            folder.mkdir(parents=True)
            for name, data in files.items():
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(data)
            entries.append((student, folder))
        run_shard(spec, entries, root / "out", root / "shard.log")
        return {
            student: (root / "out" / student / "result.json").read_text(encoding="utf-8")
            for student, _ in entries
            if (root / "out" / student / "result.json").is_file()
        }


class DaskExecutor:
    def __init__(self, scheduler: str | None, local_workers: int = 0, chunk: int | None = None):
        self.scheduler, self.local_workers, self.chunk = scheduler, local_workers, chunk

    def _client(self):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise HarnessError(
                "grading on Dask needs dask and distributed: pip install -e '.[dask]'"
            ) from None

        if self.scheduler:
            try:
                return Client(self.scheduler, timeout="30s"), None
            except OSError as exc:
                raise HarnessError(
                    f"--scheduler {self.scheduler}: cannot reach the Dask scheduler ({exc})"
                ) from None
        cluster = LocalCluster(
            n_workers=self.local_workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,
        )
        return Client(cluster), cluster

    def run(
        self, spec: ShardSpec, todo: list[tuple[str, Path]], out: Path, poll: Callable[[], None]
    ) -> None:
        from distributed import as_completed

        from graders.course.fingerprint import harness

        client, cluster = self._client()
        try:
            workers = max(
                1, len(client.scheduler_info().get("workers", {})) or self.local_workers or 1
            )
            size = self.chunk or max(1, min(MAX_CHUNK, math.ceil(len(todo) / (2 * workers))))
            lessons = [lesson.id for lesson in spec.lessons]
            futures = []
            for start in range(0, len(todo), size):
                chunk = todo[start : start + size]
                payload = {
                    "harness": harness(spec.course),
                    "lessons": lessons,
                    "device": spec.device,
                    "sandbox": spec.sandbox,
                    "child_walls": spec.child_walls,
                    "submissions": {
                        student: pack_submission(folder, lessons) for student, folder in chunk
                    },
                }
                key = f"graders-chunk-{start // size}-{uuid.uuid4().hex[:8]}"
                futures.append(client.submit(grade_chunk, payload, key=key, pure=False, retries=2))
            for future in as_completed(futures):
                for student, text in future.result().items():
                    try:
                        result = results_io.parse(json.loads(text))
                    except (ValueError, KeyError, TypeError) as exc:
                        raise HarnessError(
                            f"a Dask worker returned an invalid result for {student} ({exc})"
                        ) from None
                    results_io.write(result, out / student / "result.json")
                poll()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
