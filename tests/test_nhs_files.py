"""Structures read from the NHS's own monthly practice files (network.kind: nhs), on the synthetic sample."""

import csv
import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from pcnsim import PCNModel, load
from pcnsim.cli import main
from pcnsim.config import ScenarioError
from pcnsim.engine.batch import simulate
from pcnsim.engine.outcomes import OUTCOMES
from pcnsim.world import structure
from conftest import ROOT, SCENARIOS
from inputs_schema import refusal

SAMPLE = SCENARIOS / "data" / "nhs_sample"
MAPPING = SAMPLE / "gp-reg-pat-prac-map.csv"
COUNTS = SAMPLE / "gp-reg-pat-prac-all.csv"
SCENARIO = SCENARIOS / "nhs_sample.yaml"


def table(path):
    """The rows of an NHS file as dicts of text, read independently of the loader."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def text(rows, columns=None):
    columns = columns or list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def sample_world():
    return structure.load_nhs(MAPPING, COUNTS)


# ---------------------------------------------------------------- the sample


def test_the_sample_is_twelve_practices_in_three_pcns_in_two_icbs():
    world = sample_world()
    mapping = table(MAPPING)
    assert world.n == len(mapping) == 12 and world.n_pcns == 3 and world.n_systems == 2
    # every mapped practice is in the PCN and ICB the mapping says, and nothing else is there
    expected = {row["PRACTICE_CODE"]: (row["PCN_CODE"], row["ICB_CODE"]) for row in mapping}
    got = {code: (world.pcn_codes[world.pcn[i]], world.ics_codes[world.ics[world.pcn[i]]])
           for i, code in enumerate(world.practice_codes)}
    assert got == expected
    per_pcn = pd.Series([p for p, _ in expected.values()]).value_counts().to_dict()
    assert per_pcn == {"U99001": 5, "U99002": 4, "U99003": 3}
    assert dict(zip(world.pcn_codes, (world.ics_codes[i] for i in world.ics))) == \
        {"U99001": "QZA", "U99002": "QZA", "U99003": "QZB"}
    # practices contiguous by PCN, PCNs in order of first appearance, practices in file order
    assert world.pcn.tolist() == [0] * 5 + [1] * 4 + [2] * 3
    assert world.practice_codes[:5] == [r["PRACTICE_CODE"] for r in mapping if r["PCN_CODE"] == "U99001"]
    # each PCN complete, no cross ties, no histories without an edge file
    assert len(world.src) == 10 + 6 + 3 and not world.cross.any() and world.history is None


def test_list_sizes_come_from_the_gp_all_all_rows_only():
    world = sample_world()
    counts = pd.DataFrame(table(COUNTS))
    totals = counts[(counts.TYPE == "GP") & (counts.SEX == "ALL") & (counts.AGE == "ALL")]
    expected = dict(zip(totals.CODE, totals.NUMBER_OF_PATIENTS.astype(float)))
    got = dict(zip(world.practice_codes, world.list_size.tolist()))
    assert got == {code: expected[code] for code in got}
    # the sample's other rows are there and would give other numbers
    assert set(counts.TYPE) > {"GP"} and set(counts.SEX) > {"ALL"} and set(counts.AGE) > {"ALL"}
    female = counts[(counts.TYPE == "GP") & (counts.SEX == "FEMALE")]
    assert all(got[c] != float(n) for c, n in zip(female.CODE, female.NUMBER_OF_PATIENTS))
    # a counted practice missing from the mapping is left out
    assert "Z90099" in expected and "Z90099" not in got


def test_the_byte_order_mark_is_accepted_and_changes_nothing(tmp_path):
    assert MAPPING.read_bytes().startswith(b"\xef\xbb\xbf")
    plain = tmp_path / "map.csv"
    plain.write_bytes(MAPPING.read_bytes()[3:])
    counts = tmp_path / "all.csv"
    counts.write_bytes(b"\xef\xbb\xbf" + COUNTS.read_bytes())
    a, b = sample_world(), structure.load_nhs(plain, counts)
    assert a.practice_codes == b.practice_codes and np.array_equal(a.list_size, b.list_size)


def test_it_is_the_structure_of_the_same_practice_table_in_csv_form(tmp_path):
    world = sample_world()
    sizes = dict(zip(world.practice_codes, world.list_size))
    rows = [{"practice_code": r["PRACTICE_CODE"], "pcn_code": r["PCN_CODE"], "ics_code": r["ICB_CODE"],
             "list_size": f"{sizes[r['PRACTICE_CODE']]:.0f}"} for r in table(MAPPING)]
    (tmp_path / "p.csv").write_text(text(rows))
    same = structure.load_csv(tmp_path / "p.csv")
    for field in ("pcn", "ics", "src", "dst", "cross", "list_size"):
        assert np.array_equal(getattr(world, field), getattr(same, field)), field
    assert (world.practice_codes, world.pcn_codes, world.ics_codes) == \
        (same.practice_codes, same.pcn_codes, same.ics_codes)


def test_an_edge_file_adds_ties_as_for_csv(tmp_path):
    ties = tmp_path / "ties.csv"
    ties.write_text("practice_a,practice_b,history_years\nZ90001,Z90004,6\nZ90002,Z90006,\n")
    world = structure.load_nhs(MAPPING, COUNTS, ties)
    assert world.cross.sum() == 1 and len(world.src) == 20
    i, j = world.practice_codes.index("Z90001"), world.practice_codes.index("Z90004")
    edge = np.flatnonzero((world.src == min(i, j)) & (world.dst == max(i, j)))
    assert world.history[edge].tolist() == [6.0] and np.isnan(world.history).sum() == 19


# ---------------------------------------------------------------- runs


def test_the_sample_scenario_runs_through_the_model_and_the_batch():
    scenario = load(SCENARIO, ["steps=30"])
    assert scenario.network.kind == "nhs" and scenario.network.list_sizes_file == str(COUNTS)
    model = PCNModel(scenario, 3)
    frame = model.run()
    assert len(frame) == 31 and list(frame.columns) == list(OUTCOMES)
    assert np.isfinite(frame.mean_trust).all()
    batched = simulate([scenario, scenario], [3, 4])
    assert np.array_equal(batched[0], frame.to_numpy(float), equal_nan=True)
    assert not np.array_equal(batched[1], batched[0], equal_nan=True)


def test_a_run_of_the_sample_writes_its_pcns_and_icbs(tmp_path):
    out = tmp_path / "out"
    assert main(["run", str(SCENARIO), "--steps", "26", "--out", str(out)]) == 0
    pcns = pd.read_csv(out / "pcns.csv")
    assert sorted(pcns[pcns.step == 26].pcn) == ["U99001", "U99002", "U99003"]
    ics = pd.read_csv(out / "ics.csv")
    assert sorted(ics[ics.step == 26].ics) == ["QZA", "QZB"]
    agents = pd.read_csv(out / "agents.csv")
    assert sorted(agents.code) == sorted(r["PRACTICE_CODE"] for r in table(MAPPING))


# ---------------------------------------------------------------- bad files


def _mapping(change):
    rows = table(MAPPING)
    change(rows)
    return text(rows).encode()


def _counts(change):
    rows = table(COUNTS)
    change(rows)
    return text(rows).encode()


def _set(rows, code, **values):
    for row in rows:
        if row.get("PRACTICE_CODE", row.get("CODE")) == code and row.get("SEX", "ALL") == "ALL" \
                and row.get("AGE", "ALL") == "ALL" and row.get("TYPE", "GP") == "GP":
            row.update(values)


def _drop(rows, column):
    for row in rows:
        del row[column]


BAD = {
    "missing column": ("map", _mapping(lambda rows: _drop(rows, "PCN_CODE")), "missing column(s) PCN_CODE"),
    "missing count column": ("all", _counts(lambda rows: _drop(rows, "NUMBER_OF_PATIENTS")),
                             "missing column(s) NUMBER_OF_PATIENTS"),
    "practice in two PCNs": ("map", _mapping(lambda rows: rows.append({**rows[0], "PCN_CODE": "U99002"})),
                             "line 14: duplicate PRACTICE_CODE Z90001 (first on line 2): the practice is in PCN "
                             "U99002 here but in PCN U99001 there"),
    "unknown practice": ("map", _mapping(lambda rows: rows.append({**rows[0], "PRACTICE_CODE": "Z90013"})),
                         "line 14: PRACTICE_CODE Z90013 has no TYPE GP, SEX ALL, AGE ALL row in"),
    "non-numeric count": ("all", _counts(lambda rows: _set(rows, "Z90005", NUMBER_OF_PATIENTS="n/a")),
                          "NUMBER_OF_PATIENTS 'n/a' is not a number"),
    "zero count": ("all", _counts(lambda rows: _set(rows, "Z90005", NUMBER_OF_PATIENTS="0")),
                   "NUMBER_OF_PATIENTS '0' is not positive"),
    "two counts": ("all", _counts(lambda rows: rows.append(next(r for r in rows if r["CODE"] == "Z90007"
                                                                and r["SEX"] == "ALL"))),
                   "CODE Z90007 has a second TYPE GP, SEX ALL, AGE ALL row"),
    "no practice totals": ("all", _counts(lambda rows: rows.__setitem__(slice(None), [r for r in rows
                                                                                      if r["TYPE"] != "GP"])),
                           "no TYPE GP, SEX ALL, AGE ALL rows"),
    "wrong encoding": ("map", MAPPING.read_bytes().replace(b"ASH LANE", "ASH LAN\xc9".encode("latin-1")),
                       "line 2: byte 0xc9 is not UTF-8"),
    "PCN in two ICBs": ("map", _mapping(lambda rows: _set(rows, "Z90007", ICB_CODE="QZA")),
                        "PCN U99003 is in ICB QZA here but in ICB QZB on line"),
}


def _bad_scenario(tmp_path, which, data):
    (tmp_path / "map.csv").write_bytes(data if which == "map" else MAPPING.read_bytes())
    (tmp_path / "all.csv").write_bytes(data if which == "all" else COUNTS.read_bytes())
    scenario = tmp_path / "s.yaml"
    scenario.write_text("network:\n  kind: nhs\n  file: map.csv\n  list_sizes_file: all.csv\nsteps: 5\n")
    return scenario, tmp_path / f"{which}.csv"


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_nhs_file_is_refused_in_one_line_naming_it_and_writes_nothing(tmp_path, capsys, name):
    which, data, fragment = BAD[name]
    scenario, bad = _bad_scenario(tmp_path, which, data)
    out = tmp_path / "out"
    line = refusal(["run", scenario, "--out", out], capsys)
    assert line.startswith(f"error: {bad}: ") and fragment in line, line
    assert not out.exists() or not any(out.iterdir())
    with pytest.raises(ScenarioError) as raised:
        structure.load_nhs(tmp_path / "map.csv", tmp_path / "all.csv")
    assert f"error: {raised.value}" == line


def test_the_cli_exits_2_with_the_line_on_stderr(tmp_path):
    which, data, fragment = BAD["practice in two PCNs"]
    scenario, bad = _bad_scenario(tmp_path, which, data)
    result = subprocess.run([sys.executable, "-m", "pcnsim", "run", str(scenario), "--out", str(tmp_path / "out")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {bad}: ") and fragment in lines[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("network, fragment", [
    ("{kind: nhs, file: map.csv}", "kind nhs needs file"),
    ("{kind: nhs, list_sizes_file: all.csv}", "kind nhs needs file"),
    ("{kind: csv, file: map.csv, list_sizes_file: all.csv}", "list_sizes_file is read only when kind is nhs"),
    ("{kind: generated, list_sizes_file: all.csv}", "list_sizes_file is read only when kind is nhs"),
])
def test_the_scenario_fields_are_checked(tmp_path, capsys, network, fragment):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"network: {network}\n")
    line = refusal(["validate", scenario], capsys)
    assert str(scenario) in line and "network" in line and fragment in line, line
