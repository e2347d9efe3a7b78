# The graders' harness lives in course/pytest_plugin.py: targets, isolation, the score table.
pytest_plugins = ["course.pytest_plugin"]
