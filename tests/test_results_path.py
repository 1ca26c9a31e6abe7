"""The lean results path: workers write their own Parquet parts when they see the sweep's folder, send them back
when they do not, and either way the folder holds the same bytes; parts hold Arrow columns with nulls for
undefined values; a folder of the older results format is refused, not mixed."""

import json
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pcnsim.cli import main
from pcnsim.outputs.files import STAGING
from pcnsim.study import sweep
from conftest import SCENARIOS

TINY = f"""
name: tiny
scenarios: [{SCENARIOS / 'race.yaml'}, {SCENARIOS / 'trust_first.yaml'}]
replicates: 3
steps: 12
record_every: 3
chunk_size: 2
outcomes: [milestones_met, agreement_share, mean_trust]
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in ("provenance.json", "manifest.json")}  # those two say when it ran


def test_parts_sent_back_equal_parts_the_workers_wrote(tiny, tmp_path, inline, monkeypatch):
    written, sent = [], []
    original = sweep.run_part

    def watched(out, token, *args):
        part = original(out, token, *args)
        (written if part["data"] is None else sent).append(args[0])
        return part

    monkeypatch.setattr(sweep, "run_part", watched)
    assert main(["sweep", str(tiny), "--out", str(tmp_path / "shared")]) == 0
    assert sorted(written) == [0, 1, 2] and not sent  # this process sees the folder: the worker wrote every part

    def elsewhere(out, token, *args):  # a worker on another machine, without the sweep's folder
        part = original(out, None, *args)
        sent.append(args[0])
        return part

    monkeypatch.setattr(sweep, "run_part", elsewhere)
    assert main(["sweep", str(tiny), "--out", str(tmp_path / "apart")]) == 0
    assert sorted(sent) == [0, 1, 2]
    assert _files(tmp_path / "shared") == _files(tmp_path / "apart")
    leftovers = [p for p in (tmp_path / "shared").rglob("*") if p.name.startswith(STAGING)]
    assert not leftovers  # the session's token is gone once the sweep ends


def test_a_part_holds_arrow_columns_with_nulls_where_undefined(tiny, tmp_path):
    assert main(["sweep", str(tiny), "--out", str(tmp_path / "out"), "--workers", "2"]) == 0
    part = pq.read_table(tmp_path / "out" / "timeseries" / "part-00000.parquet")
    assert part.schema.names == ["run_id", "step", "milestones_met", "agreement_share", "mean_trust"]
    assert part.schema.field("run_id").type == pa.string() and part.schema.field("step").type == pa.int64()
    assert part.num_rows == 2 * 5  # two runs, weeks 0, 3, 6, 9, 12
    week0 = part.filter(pa.compute.equal(part["step"], 0))
    assert week0["agreement_share"].null_count == 2  # undefined before any meeting
    assert pa.compute.sum(part["agreement_share"].is_null()).as_py() == 2
    frame = pd.read_parquet(tmp_path / "out" / "timeseries")
    assert np.isnan(frame.loc[frame["step"] == 0, "agreement_share"]).all()
    assert frame.loc[frame["step"] > 0, "agreement_share"].notna().all()


def test_the_summary_is_the_mean_and_sd_of_the_parts(tiny, tmp_path):
    assert main(["sweep", str(tiny), "--out", str(tmp_path / "out"), "--workers", "2"]) == 0
    runs = pd.read_parquet(tmp_path / "out" / "runs.parquet")
    series = pd.read_parquet(tmp_path / "out" / "timeseries").merge(runs[["run_id", "point"]], on="run_id")
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    trust = summary[summary["outcome"] == "mean_trust"].set_index(["point", "step"])
    by_hand = series.groupby(["point", "step"])["mean_trust"]
    assert np.allclose(trust["mean"], by_hand.mean().loc[trust.index], rtol=1e-12)
    assert np.allclose(trust["sd"], by_hand.std(ddof=1).loc[trust.index], rtol=1e-10)
    assert (trust["n"] == 3).all() and trust["sd"].gt(0).any()


def test_a_folder_of_the_older_results_format_is_refused_in_one_line(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(tiny), "--out", str(out), "--workers", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["experiment"]["results"]  # as pcnsim wrote it before parts came from the workers
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = _files(out) | {"manifest.json": (out / "manifest.json").read_bytes()}
    capsys.readouterr()
    assert main(["sweep", str(tiny), "--out", str(out), "--workers", "1"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(err) == 1 and "results format 1" in err[0] and "start afresh" in err[0]
    assert _files(out) | {"manifest.json": (out / "manifest.json").read_bytes()} == before


def test_no_figure_skips_it_and_plot_draws_one_later(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(tiny), "--out", str(out), "--workers", "1", "--no-figure"]) == 0
    assert "figure:" not in capsys.readouterr().out
    assert not list(out.glob("figure.*"))
    assert main(["plot", str(out)]) == 0
    assert {p.suffix for p in out.glob("plot.*")} >= {".png", ".svg", ".pdf"}


@pytest.mark.parametrize("name", ["res_?", "res_*", "res_[B]"])
def test_a_pattern_in_the_folder_name_reads_only_its_own_parts(tiny, tmp_path, name):
    other = tmp_path / "res_B"  # what each pattern would match
    assert main(["sweep", str(_reseeded(tiny, tmp_path)), "--out", str(other), "--workers", "1", "--no-figure"]) == 0
    assert main(["sweep", str(tiny), "--out", str(tmp_path / name), "--workers", "1", "--no-figure"]) == 0
    assert main(["sweep", str(tiny), "--out", str(tmp_path / "plain"), "--workers", "1", "--no-figure"]) == 0
    assert (tmp_path / name / "summary.csv").read_bytes() == (tmp_path / "plain" / "summary.csv").read_bytes()
    assert (pd.read_csv(tmp_path / "plain" / "summary.csv")["n"].max()) == 3


def _reseeded(path, tmp_path):
    other = tmp_path / "reseeded.yaml"
    other.write_text(path.read_text() + "seed: 12345\n")
    return other


def test_a_worker_writes_under_its_sessions_hidden_name_and_the_sweep_puts_it_in_place(tiny, tmp_path, inline,
                                                                                     monkeypatch):
    original, seen = sweep.run_part, []

    def watched(out, token, i, *args):
        part = original(out, token, i, *args)
        folder = tmp_path / "out" / "timeseries"
        seen.append(((folder / f"{token}-part-{i:05d}.parquet").is_file(), (folder / f"part-{i:05d}.parquet").exists()))
        return part

    monkeypatch.setattr(sweep, "run_part", watched)
    assert main(["sweep", str(tiny), "--out", str(tmp_path / "out"), "--no-figure"]) == 0
    # A worker left running by a killed sweep could only ever write a hidden file the next session clears.
    assert seen == [(True, False)] * 3
    assert sorted(p.name for p in (tmp_path / "out" / "timeseries").iterdir()) == [f"part-{i:05d}.parquet"
                                                                                   for i in range(3)]


def test_export_refuses_a_part_that_does_not_match_its_status(tiny, tmp_path, capsys):
    for name, path in (("out", tiny), ("other", _reseeded(tiny, tmp_path))):
        assert main(["sweep", str(path), "--out", str(tmp_path / name), "--workers", "1", "--no-figure"]) == 0
    shutil.copy(tmp_path / "other" / "timeseries" / "part-00001.parquet", tmp_path / "out" / "timeseries")
    capsys.readouterr()
    assert main(["export", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "part-00001.parquet does not match its status" in err[0]
    assert not (tmp_path / "out" / "table.csv").exists()
