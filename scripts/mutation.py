"""Mutation check of the core modules with mutmut: killed, survived and timed-out mutants per module, and the score."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / ".mutation"  # one mutmut working folder per module (kept out of git)
MUTMUT = Path(sys.executable).with_name("mutmut")
THRESHOLD = 0.85
# mutmut's exit codes per mutant (mutmut/stats.py): a failing test run (1) or a pytest internal error (3) kills it.
KILLED = {1, 3}
SURVIVED = {0}
TIMEOUT = {24, -24, 36, 152, 255}
NO_TESTS = {5, 33}


@dataclass(frozen=True)
class Module:
    """One module under mutation and the fast tests that must kill its mutants."""

    path: str
    rules_tests: tuple[str, ...]  # the tests written against its domain rules
    baseline_tests: tuple[str, ...] = ()  # fast tests that existed before (used alone with --baseline)
    test_folders: tuple[str, ...] = ()  # test subpackages (conftest, fixtures) the selection needs


MODULES = {
    "engine": Module(
        "src/observatory/indicators/engine.py",
        ("tests/indicators/test_engine_rules.py",),
        test_folders=("tests/indicators",),
    ),
    "checks": Module(
        "src/observatory/warehouse/checks.py",
        ("tests/warehouse/test_checks_rules.py",),
        test_folders=("tests/warehouse",),
    ),
    "suppression": Module(
        "src/observatory/firewall/suppression.py",
        ("tests/firewall/test_suppression_rules.py",),
        test_folders=("tests/firewall",),
    ),
    "demographic": Module(
        "src/observatory/flows/demographic.py",
        ("tests/flows/test_demographic_rules.py",),
        ("tests/flows/test_fitting.py", "tests/flows/test_reference_cases.py"),
        test_folders=("tests/flows",),
    ),
}

# Mutants with no behavioural difference: (module, mutated line as mutmut shows it, why no test can tell).
# They leave the denominator only when the named mutant's diff still contains that line.
_D = "observatory.flows.demographic."
_ONE_MARGIN = "one target margin: tol_margins only compares two or more targets' totals"
_ONE_SCALING = "one target margin is met by one proportional scaling: any tol stops at the next sweep"
_OD_DEFAULT = "ipfp_od_by_pob's default for the dropped keyword equals the value passed (1e-3, 100 000, 1e-3)"
_FLOAT_SEED = "ipfp and ipfp_od_by_pob convert the seed to float themselves"
EQUIVALENT: dict[str, tuple[str, str]] = {
    _D + "x__column_fit__mutmut_5": ("tol_margins=None).fit", _ONE_MARGIN),
    _D + "x__column_fit__mutmut_10": ("max_iter=_ITER, ).fit", _ONE_MARGIN),
    _D + "x__column_fit__mutmut_8": ("col_tot)], max_iter=_ITER", _ONE_SCALING),
    _D + "x__column_fit__mutmut_9": ("tol=_TOL, tol_margins=_TOL).fit", "max_iter is never reached: " + _ONE_SCALING),
    _D + "x__flows_with_stayers__mutmut_66": ("x1, max_iter=_ITER", _OD_DEFAULT),
    _D + "x__flows_with_stayers__mutmut_67": ("x1, tol=_TOL, tol_margins=_TOL", _OD_DEFAULT),
    _D + "x__flows_with_stayers__mutmut_68": ("max_iter=_ITER, ).fit", _OD_DEFAULT),
    _D + "x__flows_independent__mutmut_22": ("s1.T, max_iter=_ITER", _OD_DEFAULT),
    _D + "x__flows_independent__mutmut_23": ("s1.T, tol=_TOL, tol_margins=_TOL", _OD_DEFAULT),
    _D + "x__flows_independent__mutmut_24": ("max_iter=_ITER, ).fit", _OD_DEFAULT),
    _D + "x__flows_independent__mutmut_8": ("np.asarray(seed, dtype=None)", _FLOAT_SEED),
    _D + "x__flows_independent__mutmut_10": ("np.asarray(seed, )", _FLOAT_SEED),
    _D + "x__flows_independent__mutmut_2": ("n = s0.shape[1]", "the stock tables are square (checked on entry)"),
    _D + "x__flows_with_stayers__mutmut_71": (
        "flow[idx, idx, :] = stay.T",
        "the off-diagonal seed leaves the fitted diagonal at 0, so adding the stayers equals assigning them",
    ),
}
_S = "observatory.firewall.suppression."
_NAN_COMPARES_FALSE = "a comparison with nan is False, so a nan bound fails the range test anyway"
_LINPROG_DEFAULT = "scipy's linprog defaults: bounds (0, None) (None means the same) and method 'highs', lower-cased"
_NEVER_UNBOUNDED_BELOW = "with non-negative cells, minimising a cell is never unbounded: only the maximum can be"
_EMPTY_SYSTEM = "with no relation, linprog treats an empty 0-row matrix and right-hand side like none"
EQUIVALENT |= {
    _S + "x_is_protected__mutmut_4": ("math.isnan(low) and math.isnan(high)", _NAN_COMPARES_FALSE),
    _S + "x_suppress__mutmut_29": (
        "verified.add(None)",
        "only skips re-auditing: hiding more cells only widens intervals, so a protected cell stays protected",
    ),
    _S + "xǁAttackerSystemǁ__init____mutmut_31": ("shape=shape) if (rhs) or True else None", _EMPTY_SYSTEM),
    _S + "xǁAttackerSystemǁ__init____mutmut_38": ("np.array(rhs) if (rhs) or True else None", _EMPTY_SYSTEM),
    _S + "xǁAttackerSystemǁinterval__mutmut_16": ("bounds=None, method", _LINPROG_DEFAULT),
    _S + "xǁAttackerSystemǁinterval__mutmut_21": ("b_eq=self.rhs, method=", _LINPROG_DEFAULT),
    _S + "xǁAttackerSystemǁinterval__mutmut_22": ("bounds=(0, None), )", _LINPROG_DEFAULT),
    _S + "xǁAttackerSystemǁinterval__mutmut_26": ('method="HIGHS"', _LINPROG_DEFAULT),
    _S + "xǁAttackerSystemǁinterval__mutmut_31": ("math.inf if (sign < 0) or True else 0.0", _NEVER_UNBOUNDED_BELOW),
    _S + "xǁAttackerSystemǁinterval__mutmut_32": ("math.inf if sign <= 0 else 0.0", _NEVER_UNBOUNDED_BELOW),
    _S + "xǁAttackerSystemǁinterval__mutmut_33": ("math.inf if sign < 1 else 0.0", _NEVER_UNBOUNDED_BELOW),
    _S + "xǁAttackerSystemǁinterval__mutmut_34": ("math.inf if sign < 0 else 1.0", _NEVER_UNBOUNDED_BELOW),
}
_C = "observatory.warehouse.checks."
_SQL_CASE = "SQL keywords and column names are case-insensitive in DuckDB"
_NINE_KEYS = "KEY and first[:9] always have nine items each, so zip's strictness never matters"
_UNUSED_MEASURES = "_jump_check does not read its measures argument"
EQUIVALENT |= {
    _C + "x__key_sql__mutmut_3": ('if (alias) and False else ""', "every caller calls _key_sql() without an alias"),
    _C + "x__sum_check__mutmut_19": ('{" and ".join(', _SQL_CASE),
    _C + "x_run_checks__mutmut_11": ('"> 1 order by min(_row)"', _SQL_CASE),
    _C + "x_run_checks__mutmut_12": ('"> 1 ORDER BY MIN(_ROW)"', _SQL_CASE),
    _C + "x_run_checks__mutmut_69": ('"VALUE < 0"', _SQL_CASE),
    _C + "x_run_checks__mutmut_109": ('"ORIGIN = DESTINATION"', _SQL_CASE),
    _C + "x_run_checks__mutmut_7": ("duplicates = None", "only read by `if duplicates:`, where None and [] are alike"),
    _C + "x_run_checks__mutmut_37": ("first[:9], strict=None))", _NINE_KEYS),
    _C + "x_run_checks__mutmut_40": ("first[:9], ))", _NINE_KEYS),
    _C + "x_run_checks__mutmut_42": ("first[:9], strict=False))", _NINE_KEYS),
    _C + "x_run_checks__mutmut_46": ("measures = None", _UNUSED_MEASURES),
    _C + "x_run_checks__mutmut_156": ("_jump_check(con, table, dataset, jump, None)", _UNUSED_MEASURES),
}

_E = "observatory.indicators.engine."
_ROWS_BY_NAME = (
    "indicator_rows is read by column name only and dropped at the end: a second year column (DuckDB names it "
    "year_1) or the year at another position changes no value"
)
EQUIVALENT |= {
    _E + "x__normalise__mutmut_44": ('if c != "XXyearXX"', _ROWS_BY_NAME),
    _E + "x__normalise__mutmut_45": ('if c != "YEAR"', _ROWS_BY_NAME),
    _E + "x__normalise__mutmut_50": ("select.insert(4, ", _ROWS_BY_NAME),
    _E + "x__register__mutmut_11": (
        "ensure_ascii=None)",
        "json.dumps only tests ensure_ascii for truth: None is False",
    ),
}
# Mutants that only change the letter case of SQL text (keywords, column and table names, settings): DuckDB reads
# them alike. Listed by hand (a Python comparison such as `"LOWER" in columns` differs in case only too, and is
# no equivalent); each one's diff is checked to differ in case only, so a renumbered mutant is never excluded.
_ENGINE_SQL_CASE = {
    "_compute_earlier_editions": (4, 5, 72, 75, 76),
    "_insert_groups": (23, 24),
    "_insert_values": (2, 10, 11),
    "_normalise": (6, 7, 16, 20, 24, 52, 53, 58, 59, 61, 62, 66, 67, 69, 70, 72, 73, 86, 87, 92, 93, 98),
    "_note_special_members": (3, 5, 7, 9, 11, 13, 20),
    "_prepare_year_sources": (9, 10),
    "_present_measures": (4, 5),
    "_register": (6, 7, 33, 34),
    "compute_catalogue": (6, 7, 10, 11, 71, 72, 75, 76, 78, 80, 82, 84, 89, 90, 93, 94, 96, 97),
    "group_rows_sql": (3, 9, 10, 12, 13, 17, 18, 21, 22, 24, 29, 30, 32, 33, 35, 36),
}
CASE_ONLY = {f"{_E}x_{function}__mutmut_{n}" for function, ns in _ENGINE_SQL_CASE.items() for n in ns}
_CASE_ONLY_REASON = "changes only the letter case of SQL text, which DuckDB reads alike"


def _only_case_changed(diff: str) -> bool:
    """True when the diff's removed and added lines are the same apart from letter case."""
    lines = diff.splitlines()
    removed = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    return bool(removed) and len(removed) == len(added) and [r.lower() for r in removed] == [a.lower() for a in added]


def _mutant_diffs(folder: Path, names: list[str]) -> dict[str, str]:
    """The diff mutmut shows for each named mutant (one process for all of them)."""
    if not names:
        return {}
    program = (
        "import json, sys\n"
        "from mutmut.__main__ import find_mutant, get_diff_for_mutant\n"
        "names = json.loads(sys.stdin.read())\n"
        "print(json.dumps({n: get_diff_for_mutant(n, path=find_mutant(n).path) for n in names}))\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", program], cwd=folder, input=json.dumps(names), capture_output=True, text=True, check=True
    )
    return json.loads(shown.stdout.splitlines()[-1])


def _prepare(name: str, module: Module, tests: tuple[str, ...]) -> Path:
    """A fresh working folder: the sources, the selected tests with their fixtures, and a mutmut config."""
    folder = WORK / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "artifacts", "*.pyc")
    shutil.copytree(ROOT / "src", folder / "src", ignore=ignore)
    (folder / "tests").mkdir()
    shutil.copy2(ROOT / "tests" / "conftest.py", folder / "tests" / "conftest.py")
    shutil.copytree(ROOT / "tests" / "data", folder / "tests" / "data", ignore=ignore)
    for sub in module.test_folders:
        target = folder / sub
        target.mkdir(parents=True, exist_ok=True)
        for item in (ROOT / sub).iterdir():
            # Only the package's shared files; test files come in only when selected.
            if item.name in ("__init__.py", "conftest.py") or item.is_dir() and item.name != "__pycache__":
                if item.is_dir():
                    shutil.copytree(item, target / item.name, ignore=ignore)
                else:
                    shutil.copy2(item, target / item.name)
    for test in tests:
        shutil.copy2(ROOT / test, folder / test)
    config = (
        "\n[tool.mutmut]\n"
        f"source_paths = {json.dumps(['src'])}\n"
        f"only_mutate = {json.dumps([module.path])}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(list(tests))}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider"]\n'
        "use_git_change_detection = false\n"
    )
    (folder / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8") + config)
    return folder


def _exit_codes(folder: Path, module: Module) -> dict[str, int | None]:
    """Mutant name -> mutmut's exit code, from the meta file it keeps next to the mutated copy."""
    meta = folder / "mutants" / (module.path + ".meta")
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def run_module(name: str, module: Module, baseline: bool, jobs: int) -> dict:
    """Mutate one module, run its test selection against every mutant, and count the outcomes."""
    tests = module.baseline_tests if baseline else module.baseline_tests + module.rules_tests
    started = time.monotonic()
    if not tests:
        return {"module": name, "seconds": 0.0, "note": "no fast tests in the selection", "score": 0.0}
    folder = _prepare(name, module, tests)
    log = folder / "mutmut.log"
    with log.open("w") as out:
        subprocess.run(
            [str(MUTMUT), "run", "--max-children", str(jobs)], cwd=folder, stdout=out, stderr=out, check=False
        )
    codes = _exit_codes(folder, module)
    declared = [m for m in [*EQUIVALENT, *sorted(CASE_ONLY)] if codes.get(m) in SURVIVED]
    diffs = _mutant_diffs(folder, declared)
    equivalent = {m: EQUIVALENT[m][1] for m in declared if m in EQUIVALENT and EQUIVALENT[m][0] in diffs[m]}
    equivalent |= {m: _CASE_ONLY_REASON for m in declared if m in CASE_ONLY and _only_case_changed(diffs[m])}
    counted = {m: c for m, c in codes.items() if m not in equivalent}
    killed = [m for m, c in counted.items() if c in KILLED]
    timeout = [m for m, c in counted.items() if c in TIMEOUT]
    survived = sorted(m for m, c in counted.items() if c in SURVIVED)
    other = sorted(m for m, c in counted.items() if c not in KILLED | TIMEOUT | SURVIVED)
    # A timed-out mutant is detected too (the tests did not pass), as mutmut and cosmic-ray count it.
    score = (len(killed) + len(timeout)) / len(counted) if counted else 0.0
    return {
        "module": name,
        "mutants": len(codes),
        "killed": len(killed),
        "timeout": len(timeout),
        "survived": survived,
        "other": {m: codes[m] for m in other},
        "equivalent": equivalent,
        "score": score,
        "seconds": round(time.monotonic() - started, 1),
        "log": str(log.relative_to(ROOT)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--module", choices=sorted(MODULES), action="append", help="only this module (repeatable)")
    parser.add_argument("--baseline", action="store_true", help="only the tests that existed before the rules tests")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run in parallel (default 2)")
    parser.add_argument("--survivors-of", choices=sorted(MODULES), help="only print the last run's survivors' diffs")
    parser.add_argument("--show-survivors", action="store_true", help="print the diff of every surviving mutant")
    args = parser.parse_args()
    if args.survivors_of:
        folder = WORK / args.survivors_of
        codes = _exit_codes(folder, MODULES[args.survivors_of])
        for mutant, diff in _mutant_diffs(folder, sorted(m for m, c in codes.items() if c in SURVIVED)).items():
            print(f"# {mutant}\n{diff}")
        return 0
    failed = False
    for name in args.module or list(MODULES):
        result = run_module(name, MODULES[name], args.baseline, args.jobs)
        if "note" in result:
            print(f"{name}: {result['note']}")
            failed = True
            continue
        print(
            f"{name}: {result['mutants']} mutants, {result['killed']} killed, {len(result['survived'])} survived, "
            f"{result['timeout']} timeout, {len(result['other'])} other, {len(result['equivalent'])} equivalent "
            f"excluded; score {result['score']:.1%} in {result['seconds']} s (log {result['log']})"
        )
        for mutant, reason in result["equivalent"].items():
            print(f"  equivalent {mutant}: {reason}")
        for mutant, code in result["other"].items():
            print(f"  not decided {mutant} (mutmut exit code {code})")
        diffs = _mutant_diffs(WORK / name, result["survived"]) if args.show_survivors else {}
        for mutant in result["survived"]:
            print(f"  survived {mutant}")
            if mutant in diffs:
                print(diffs[mutant])
        failed |= result["score"] < THRESHOLD
    return 1 if failed else 0


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
