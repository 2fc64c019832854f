"""The scenario engine: task definitions (scenario files), check kinds, grading, walkthrough."""
