"""Everything `pytest autograder` needs: two sides and the seam between them.

- judge/: pytest's plugin, the graders' API, the verdicts; it never runs learner code.
- runner/: the sandboxed process where learner code runs; it imports nothing of the judge.
- seam.py (the wire format), protocol.py (every request and answer) and rules.py (what their
  fields may hold): what both sides share. sandbox.py says where the runner lives; report.py
  turns verdicts into the score table and the results file; job.py is what `course grade` asks
  of a judge.
"""
