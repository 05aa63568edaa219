"""flake8-async-patterns: a flake8 plugin that finds asyncio mistakes."""

__version__ = "0.1.0.dev0"
