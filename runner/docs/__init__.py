"""Docs drift: a parsed docs page's language tabs (formats/docspage.py) checked against a
quickstarts checkout, statically and by running them as jobs."""
