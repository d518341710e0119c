"""Hidden graders run with the graders plugin: ``pytest graders/lesson1 --submission PATH``."""

pytest_plugins = ["graders.grading.plugin"]
