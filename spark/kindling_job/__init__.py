"""Kindling's PySpark job: one JSON job spec in, a trained text classifier and its metrics out."""
