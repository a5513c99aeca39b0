"""Diagnosis: the pattern table, the classifier and the explain core (no I/O, no printing)."""
