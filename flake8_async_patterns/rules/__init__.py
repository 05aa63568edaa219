"""The rule families.  ``MODULES`` lists every rule module explicitly (a test compares it with
the files on disk); ``CHECKERS`` and ``RULES`` are what the plugin, the command line, the docs
and the benchmarks hand to the engine.

Checkers are collected from the listed modules rather than from a global list filled by
subclassing, so a checker class defined elsewhere (a test's) never joins the plugin's set.
"""

from __future__ import annotations

from ..checker import checkers_in
from ..registry import Rule
from . import (
    bounds,
    busy_wait,
    cancel_scopes,
    coroutine_arguments,
    coroutine_values,
    coroutines,
    deprecations,
    django,
    gathers,
    locking,
    loop,
    loop_style,
    opinions,
    sequencing,
    shielding,
    task_exceptions,
    taskgroups,
    tasks,
    testcases,
)
from .blocking import arguments as blocking_arguments
from .blocking import calls as blocking_calls
from .blocking import checker as blocking_checker
from .blocking import conditions as blocking_conditions
from .blocking import declarations as blocking_declarations
from .blocking import found as blocking_found
from .blocking import imports as blocking_imports
from .blocking import metadata as blocking_metadata
from .blocking import notes as blocking_notes
from .blocking import offload as blocking_offload
from .blocking import scans as blocking_scans
from .blocking import startup as blocking_startup
from .blocking import transitive as blocking_transitive
from .blocking import waits as blocking_waits
from .cancellation import checker as cancellation_checker
from .cancellation import classes as cancellation_classes
from .cancellation import decisions as cancellation_decisions
from .cancellation import declarations as cancellation_declarations
from .cancellation import spawns as cancellation_spawns
from .cancellation import structure as cancellation_structure
from .cancellation import suspension as cancellation_suspension
from .resources import _shared as resources_shared
from .resources import import_time as resources_import_time
from .resources import lifecycle as resources_lifecycle
from .resources import per_request as resources_per_request
from .resources import protocols as resources_protocols
from .resources import responses as resources_responses
from .sqlalchemy import _shared as sqlalchemy_shared
from .sqlalchemy import concurrency as sqlalchemy_concurrency
from .sqlalchemy import lifecycle as sqlalchemy_lifecycle
from .sqlalchemy import transactions as sqlalchemy_transactions

MODULES = (
    testcases,
    coroutines,
    coroutine_values,
    coroutine_arguments,
    tasks,
    gathers,
    task_exceptions,
    taskgroups,
    sequencing,
    busy_wait,
    blocking_calls,
    blocking_arguments,
    blocking_scans,
    blocking_offload,
    blocking_notes,
    blocking_declarations,
    blocking_found,
    blocking_transitive,
    blocking_waits,
    blocking_conditions,
    blocking_checker,
    blocking_imports,
    blocking_metadata,
    blocking_startup,
    loop,
    loop_style,
    deprecations,
    cancellation_declarations,
    cancellation_spawns,
    cancellation_structure,
    cancellation_suspension,
    cancellation_classes,
    cancellation_decisions,
    cancellation_checker,
    cancel_scopes,
    shielding,
    resources_shared,
    resources_lifecycle,
    resources_responses,
    resources_protocols,
    resources_per_request,
    resources_import_time,
    locking,
    bounds,
    django,
    opinions,
    sqlalchemy_shared,
    sqlalchemy_lifecycle,
    sqlalchemy_concurrency,
    sqlalchemy_transactions,
)
CHECKERS = checkers_in(MODULES)
RULES: tuple[Rule, ...] = tuple(
    sorted((rule for checker in CHECKERS for rule in checker.rules), key=lambda rule: rule.code)
)
