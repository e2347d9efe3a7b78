"""The instructor's tools that build the course: stubs and fixtures from solutions/, the
notebooks for nbgrader, the pre-flight check and the release (with its leak check). Not in a
student copy."""
