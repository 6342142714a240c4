"""The mechanical-markdown runner: an annotated README's steps run as mm.py runs them
(run.py, with its report format) and its links checked (links.py)."""
