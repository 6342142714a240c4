"""Matching output against expectations: the one redaction table and per-line marks (masks),
normalisation, the streaming matcher, failure explanations, the one update path, and
mechanical-markdown's own matching rules (mmcompat). Expected files are read in formats/."""
