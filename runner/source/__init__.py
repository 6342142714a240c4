"""Where quickstarts come from and what runs: a tree or a git repository at a ref (repo.py),
the quickstarts found in it (catalog.py), the selection turned into job plans (plan.py),
and slices of a selection for CI matrices (shards.py)."""
