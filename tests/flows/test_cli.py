"""The `flows` command group, driven through typer's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from observatory.flows.cli import app

runner = CliRunner()

DIFF_CASE = {
    "function": "ffs_diff",
    "arguments": {
        "stock_start": {
            "dims": ["pob", "por"],
            "shape": [2, 2],
            "labels": {"pob": ["X", "Y"], "por": ["X", "Y"]},
            "data": [[100.0, 10.0], [20.0, 50.0]],
        },
        "stock_end": {
            "dims": ["pob", "por"],
            "shape": [2, 2],
            "labels": {"pob": ["X", "Y"], "por": ["X", "Y"]},
            "data": [[90.0, 15.0], [12.0, 60.0]],
        },
        "decrease": "return",
    },
}


def write(tmp_path, obj, name="case.json"):
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return path


def test_estimate_prints_labelled_json(tmp_path):
    result = runner.invoke(app, ["estimate", str(write(tmp_path, DIFF_CASE))])
    assert result.exit_code == 0, result.output
    flow = json.loads(result.output)["flow"]
    assert flow["dims"] == ["orig", "dest"]
    assert flow["labels"] == {"orig": ["X", "Y"], "dest": ["X", "Y"]}
    # X->Y grew by 5; Y-born in X fell by 8, read as 8 returns X->Y.
    assert flow["data"] == [[0.0, 13.0], [0.0, 0.0]]


def test_estimate_table_format(tmp_path):
    result = runner.invoke(app, ["estimate", str(write(tmp_path, DIFF_CASE)), "--format", "table"])
    assert result.exit_code == 0, result.output
    assert "flow [orig x dest]" in result.output and "13.0" in result.output


def test_ffs_demo_output_has_sum_margins(tmp_path):
    s0 = [[1000.0, 100, 10, 0], [55, 555, 50, 5], [80, 40, 800, 40], [20, 25, 20, 200]]
    s1 = [[950.0, 100, 60, 0], [80, 505, 75, 5], [90, 30, 800, 40], [40, 45, 0, 180]]
    lab = ["A", "B", "C", "D"]
    vec = {"dims": ["region"], "labels": {"region": lab}, "data": [0.0] * 4}
    case = {
        "function": "ffs_demo",
        "arguments": {
            "stock_start": {
                "dims": ["birth", "dest"],
                "shape": [4, 4],
                "labels": {"birth": lab, "dest": lab},
                "data": s0,
            },
            "stock_end": {
                "dims": ["birth", "dest"],
                "shape": [4, 4],
                "labels": {"birth": lab, "dest": lab},
                "data": s1,
            },
            "births": vec,
            "deaths": vec,
        },
    }
    result = runner.invoke(app, ["estimate", str(write(tmp_path, case))])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["flow"]["dims"] == ["orig", "dest", "pob"]
    od = out["sum_od"]
    assert od["labels"]["orig"][-1] == "Sum" and od["labels"]["dest"][-1] == "Sum"
    # The Abel (2013) example: 150 migrant transitions in total.
    assert od["data"][-1][-1] == pytest.approx(150.0, abs=1e-6)
    table = runner.invoke(app, ["estimate", str(write(tmp_path, case)), "--format", "table"])
    assert table.output.startswith("sum_od")


def test_estimate_reports_estimation_errors(tmp_path):
    bad = json.loads(json.dumps(DIFF_CASE))
    bad["arguments"]["decrease"] = "drop"
    result = runner.invoke(app, ["estimate", str(write(tmp_path, bad))])
    assert result.exit_code == 1
    assert "decrease must be one of" in result.output


def test_estimate_rejects_unknown_function(tmp_path):
    result = runner.invoke(app, ["estimate", str(write(tmp_path, {"function": "ffs_magic", "arguments": {}}))])
    assert result.exit_code != 0
    assert "ffs_demo" in result.output


def test_every_command_has_an_example():
    assert "Example:" in runner.invoke(app, ["--help"]).output
    assert app.registered_commands
    for command in app.registered_commands:
        assert "Example:" in (command.callback.__doc__ or "")


@pytest.mark.mirror
def test_cli_reproduces_a_reference_case(mirror):
    path = mirror / "flow_examples" / "ffs_demo_e6_open_dr.json"
    result = runner.invoke(app, ["estimate", str(path)])
    assert result.exit_code == 0, result.output
    expected = json.loads(path.read_text())["expected"]
    got = json.loads(result.output)
    for key in ("flow", "sum_od"):
        assert got[key]["labels"] == expected[key]["labels"]
        np.testing.assert_allclose(got[key]["data"], expected[key]["data"], rtol=1e-6, atol=1e-9)
