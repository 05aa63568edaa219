"""Rule families.  Importing this package declares every rule and registers its checker."""

from . import blocking, loop, sqlalchemy, tasks  # noqa: F401
