"""Rules of the test suite itself: every expected exception names its type and its message."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
# Catching these passes for any bug at all (a typo, a missing file), so the test proves nothing.
TOO_BROAD = frozenset({"Exception", "BaseException"})


def _is_raises(function: ast.expr) -> bool:
    """Whether a called expression is `pytest.raises` or a bare `raises` imported from pytest."""
    if isinstance(function, ast.Attribute):
        return function.attr == "raises" and isinstance(function.value, ast.Name) and function.value.id == "pytest"
    return isinstance(function, ast.Name) and function.id == "raises"


def _exception_names(expected: ast.expr) -> list[str]:
    """The plain names of the expected exception types (one, or each member of a tuple)."""
    members = expected.elts if isinstance(expected, ast.Tuple) else [expected]
    return [member.id for member in members if isinstance(member, ast.Name)]


def raises_violations(source: str, filename: str) -> list[str]:
    """Each `raises` call of a source without a `match=` or with a too broad type, as `file:line: reason`."""
    violations: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if not (isinstance(node, ast.Call) and _is_raises(node.func)):
            continue
        if not any(keyword.arg == "match" for keyword in node.keywords):
            violations.append((node.lineno, "raises without match="))
        broad = sorted(TOO_BROAD.intersection(_exception_names(node.args[0]))) if node.args else []
        if broad:
            violations.append((node.lineno, f"raises({', '.join(broad)}) is too broad"))
    # ast.walk goes breadth first; report in reading order.
    return [f"{filename}:{line}: {reason}" for line, reason in sorted(violations)]


def test_every_raises_names_type_and_message() -> None:
    """No test file expects an exception without its message or with a catch-all type."""
    files = sorted(TESTS.rglob("*.py"))
    assert len(files) > 50, "the test tree was not found"
    violations = []
    for path in files:
        violations += raises_violations(path.read_text(encoding="utf-8"), str(path.relative_to(TESTS.parent)))
    assert not violations, "\n".join(violations)


BAD_SOURCE = """
import pytest
from pytest import raises

def test_bad():
    with pytest.raises(ValueError):
        int("x")
    with pytest.raises(
        KeyError,
    ) as caught:
        {}["k"]
    with raises(TypeError):
        len(1)
    pytest.raises(ZeroDivisionError, lambda: 1 / 0)
    with pytest.raises(Exception, match="anything"):
        int("x")
    with pytest.raises((ValueError, BaseException), match="anything"):
        int("x")

def test_good():
    with pytest.raises(ValueError, match="invalid literal"):
        int("x")
"""


def test_rule_reports_each_bad_raises_with_its_line() -> None:
    """The checker lists every bad form (context manager, multi-line, bare name, call form, broad types)."""
    assert raises_violations(BAD_SOURCE, "bad.py") == [
        "bad.py:6: raises without match=",
        "bad.py:8: raises without match=",
        "bad.py:12: raises without match=",
        "bad.py:14: raises without match=",
        "bad.py:15: raises(Exception) is too broad",
        "bad.py:17: raises(BaseException) is too broad",
    ]


@pytest.mark.parametrize(
    "source",
    [
        'import pytest\nwith pytest.raises(ValueError, match="bad"):\n    int("x")\n',
        'import pytest\nwith pytest.raises((KeyError, IndexError), match="k"):\n    {}["k"]\n',
        "def raises_none():\n    return raises_none\n",
    ],
)
def test_rule_accepts_good_raises(source: str) -> None:
    """A raises with a specific type and a match, or a name merely containing "raises", is not reported."""
    assert raises_violations(source, "good.py") == []
