"""The instructor's commands in docs/nbgrader.md work as written from a new shell: each names the
project's Python, which exists, and starts with no venv activated and nothing else on PATH.
(tests/test_nbgrader_course.py runs the same commands on a real course.)"""

from __future__ import annotations

import os
import re
import shlex
import subprocess

from graders.course.model import ROOT

DOC = ROOT / "docs" / "nbgrader.md"


def instructor_commands() -> list[tuple[str, list[str]]]:
    """(folder relative to the repository, argv) of each command in the doc's first code block
    under "The instructor's commands", following its `cd`s."""
    text = DOC.read_text()
    section = text[text.index("## The instructor's commands") :]
    block = re.search(r"```\n(.*?)```", section, re.S).group(1)
    folder, commands = ".", []
    for line in block.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        argv = shlex.split(line)
        if argv[0] == "cd":
            folder = os.path.normpath(os.path.join(folder, argv[1]))
            continue
        commands.append((folder, argv))
    return commands


def test_every_instructor_command_names_the_projects_python_and_starts_from_a_bare_shell():
    commands = instructor_commands()
    assert len(commands) >= 7
    shell = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    for folder, argv in commands:
        program = ROOT / folder / argv[0]
        assert ".venv/bin/" in argv[0] and program.is_file(), (folder, argv)
        # the program and its first argument (the verb) as written, asking only for help
        probe = argv[:4] if argv[1] == "-m" else argv[:2]
        process = subprocess.run(
            [str(program), *probe[1:], "--help"],
            cwd=ROOT / folder,
            env=shell,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert process.returncode == 0, (argv, process.stderr[-2000:])
