"""Rule families.  Importing this package declares every rule and registers its checker."""

from . import loop, tasks  # noqa: F401
