"""Matching output against expectations: normalise, parse expectations, match as lines stream in."""
