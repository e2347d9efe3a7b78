"""The judge side of grading: pytest, the graders and every verdict. Nothing here runs learner code."""
