"""The runner side of grading: the only place where learner code runs. It imports nothing of the
judge side; it speaks to it through the seam and the protocol alone."""
