"""``aio-lint``: this project's rules without flake8 around them (and without pyflakes or
pycodestyle), configured like flake8 and reporting what the flake8 plugin reports.

An adapter, like :mod:`..plugin`: it may import the engine, settings, registry and rules, and
nothing below it imports it.  ``config`` reads the configuration, ``lint`` finds and lints the
files (in parallel), ``noqa`` applies ``# noqa`` comments as flake8 does, ``formats`` writes the
results, and ``cli`` is the command line (``aio-lint``, ``python -m flake8_async_patterns check``).
"""
