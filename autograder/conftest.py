# The judge's harness lives in course/grading/plugin.py: targets, the runner, the score table.
pytest_plugins = ["course.grading.plugin"]
