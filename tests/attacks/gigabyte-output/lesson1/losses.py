"""binary_cross_entropy tries to print a gigabyte, ignoring every failed write."""

import os

CHUNK = b"spam " * (2**20 // 5)


def binary_cross_entropy(input, target, reduction="mean"):
    for _ in range(1024):
        try:
            os.write(1, CHUNK)
        except OSError:
            pass
    return input.sum()
