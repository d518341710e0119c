"""Errors meant for people: each is one line that names the file, the problem and the fix."""

import argparse


class HarnessError(Exception):
    """A problem with the harness's input that the command line reports as one line, exit code 2."""


class CourseError(HarnessError):
    """course.toml, solutions/ or graders/ are inconsistent or malformed."""


class UsageError(HarnessError):
    """The command line asked for something that cannot be done (missing path, unknown lesson, ...)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with a bad argument reported as every other usage error: one line, exit code 2."""

    def error(self, message: str):
        raise UsageError(f"{message}; see {self.prog} --help")
