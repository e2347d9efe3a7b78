# The judge's harness lives in course/grading/judge/plugin.py: targets, the runner, the score table.
pytest_plugins = ["course.grading.judge.plugin"]
