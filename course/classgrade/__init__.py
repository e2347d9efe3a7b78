"""Grading a class: `course grade` (every submission in the sandbox, grades.csv, feedback), the
class report, and the Gradescope bundle that grades the same way. Not in a student copy."""
