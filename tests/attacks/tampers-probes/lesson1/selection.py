"""The same tampering when only this module is imported (a replaced child starts clean)."""

from lesson1 import losses  # noqa: F401  (importing it replaces every probe)
