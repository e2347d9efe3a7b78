"""The course's own machinery: the manifest, the stub generator, the graders' harness and the
`course` command. Learners never need to read it; instructors read `course.toml`."""
