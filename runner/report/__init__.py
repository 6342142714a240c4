"""Reports of a run's results: console, JSON (and more as they come)."""
