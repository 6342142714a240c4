"""One recipe module per language, all of the same shape (see base.Recipe).

Adding a language is adding a module here that defines a Recipe subclass and `recipe`.
"""

from __future__ import annotations

import importlib
import pkgutil

from runner.formats.shellwords import starts_with
from runner.recipes.base import Recipe


def _discover() -> dict[str, Recipe]:
    found = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base":
            continue
        recipe = getattr(importlib.import_module(f"{__name__}.{module.name}"), "recipe", None)
        if isinstance(recipe, Recipe):
            found[recipe.name] = recipe
    return found


RECIPES: dict[str, Recipe] = _discover()
LANGUAGES: tuple[str, ...] = tuple(sorted(RECIPES))


def resolve_language(name: str) -> str | None:
    wanted = name.strip().lower()
    for recipe in RECIPES.values():
        if wanted == recipe.name or wanted in recipe.aliases:
            return recipe.name
    return None


def is_build(words: tuple[str, ...]) -> bool:
    """Whether a command builds or installs, in any language's way."""
    return any(starts_with(words, prefix) for recipe in RECIPES.values() for prefix in recipe.build_commands)


def starts_app(words: tuple[str, ...]) -> bool:
    """Whether a command starts an app that runs until stopped, in any language's way (`dapr run`
    is the CLI's, not a language's)."""
    return any(recipe.starts_app(words) for recipe in RECIPES.values())


def needs_cores(words: tuple[str, ...]) -> bool:
    """Whether a build keeps the cores busy (a compile), not waiting on downloads (an install)."""
    return any(recipe.needs_cores(words) for recipe in RECIPES.values())


def heavy_start(words: tuple[str, ...]) -> bool:
    """Whether an app's command loads the cores while it starts (a JVM, `go run`, `npm start`)."""
    return any(recipe.starts_heavily(words) for recipe in RECIPES.values())


def build_reads(words: tuple[str, ...]) -> str | None:
    """The file a build or install command reads where it runs (None: none, or not a build)."""
    for recipe in RECIPES.values():
        if any(starts_with(words, prefix) for prefix in recipe.build_commands):
            return recipe.build_reads(words)
    return None
