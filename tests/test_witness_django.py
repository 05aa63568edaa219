"""Runtime witness for django-sync-orm-in-async: the fixture's ``wrong_*`` functions (a plain
``.get()``, ``for``, ``len()`` and ``.save()`` inside ``async def``) really fail with Django's own
``SynchronousOnlyOperation``, and its ``correct_*`` functions (``aget``, ``async for``, ``acount``,
``asave``, ``sync_to_async``) really work, against a real model in a SQLite database.

The fixture imports ``.models``, so it is never imported: only its module-level witness functions
are compiled, with the fixture's path as file name.  The database is a file, not ``:memory:``:
Django keeps one connection per thread, and the async ORM and ``sync_to_async`` run their queries
in asgiref's executor thread, whose connection would see an empty in-memory database.
"""

from __future__ import annotations

import ast
import asyncio

import django
import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import SynchronousOnlyOperation

from fixture_format import compile_from_fixture, definitions, fixture_of
from rules_by_name import code

RULE = "django-sync-orm-in-async"
BOUND = 10.0


def _fixture():
    return fixture_of(code(RULE))


def _names(prefix: str) -> list[str]:
    return [node.name for node in definitions(_fixture(), prefix, ast.AsyncFunctionDef)]


def _witness(name: str):
    return compile_from_fixture(_fixture(), name, {"sync_to_async": sync_to_async})


@pytest.fixture(scope="module")
def witness_model(tmp_path_factory):
    # imported here, not at collection: an unconfigured ``settings`` object raises on any attribute
    # access, ``__class__`` included, which breaks tests that walk gc.get_objects() (test_state.py)
    from django.conf import settings
    from django.db import connection, connections, models

    if not settings.configured:
        database = tmp_path_factory.mktemp("django") / "witness.sqlite3"
        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}},
            INSTALLED_APPS=["django.contrib.contenttypes"],
            USE_TZ=True,
        )
    django.setup()

    class Row(models.Model):
        title = models.CharField(max_length=50)

        class Meta:
            app_label = "witness"

    with connection.schema_editor() as editor:
        editor.create_model(Row)
    Row.objects.create(pk=1, title="a")
    yield Row
    # the async ORM's queries ran on asgiref's executor thread, which holds a connection of its own
    asyncio.run(sync_to_async(connections.close_all)())
    with connection.schema_editor() as editor:
        editor.delete_model(Row)
    connections.close_all()


@pytest.fixture
def model(witness_model, monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # it switches the check off
    witness_model.objects.filter(pk=1).update(title="a")  # each run starts from the one row "a"
    return witness_model


def _run(fn, model):
    return asyncio.run(asyncio.wait_for(fn(model), BOUND))


def _outcome(fn, model) -> tuple[Exception | None, object]:
    try:
        return None, _run(fn, model)
    except Exception as error:
        return error, None


def _check_aget(result, model):
    assert isinstance(result, model) and (result.pk, result.title) == (1, "a"), result


def _check_async_for(result, model):
    assert result == ["a"], result


def _check_acount(result, model):
    assert result == 1, result


def _check_asave(result, model):
    assert result is None, result
    assert model.objects.get(pk=1).title == "b", "asave() did not store the new title"


def _check_sync_to_async(result, model):
    assert [(row.pk, row.title) for row in result] == [(1, "a")], result


# what each correct function really returns
RESULTS = {
    "correct_aget": _check_aget,
    "correct_async_for": _check_async_for,
    "correct_acount": _check_acount,
    "correct_asave": _check_asave,
    "correct_sync_to_async": _check_sync_to_async,
}

WRONG = _names("wrong_")
CORRECT = _names("correct_")


def test_witnesses_cover_both_sides():
    assert len(WRONG) >= 4, WRONG
    assert len(CORRECT) >= 4, CORRECT


@pytest.mark.parametrize("name", WRONG)
def test_wrong_code_raises_synchronous_only_operation(name, model):
    fn, flagged = _witness(name)
    assert flagged, f"{name} is wrong code the rule does not flag"
    error, result = _outcome(fn, model)
    assert error is not None, f"{name} returned {result!r} instead of raising SynchronousOnlyOperation"
    assert type(error) is SynchronousOnlyOperation, f"{name} failed, but with {error!r}"
    assert model.objects.get(pk=1).title == "a", f"{name} changed the row before failing"


@pytest.mark.parametrize("name", CORRECT)
def test_correct_code_works(name, model):
    fn, flagged = _witness(name)
    assert not flagged, f"{name} is correct code the rule flags"
    assert name in RESULTS, f"{name} has no expected result in this witness"
    RESULTS[name](_run(fn, model), model)
