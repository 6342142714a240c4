"""Docs pages: parse a Hugo page's language tabs and check them against a quickstarts checkout."""
