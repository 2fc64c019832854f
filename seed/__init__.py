"""Deterministic world generation for classes and students (see ``seed.world``)."""
