"""`pcnsim report DIR`: one self-contained HTML page of a finished sweep.

One small real sweep (two scenarios, one of them named and described with HTML in it, two values of one
parameter, 3 replicates, 60 weeks recorded every 2) is made once; each test works on a copy, adding fake
files of the shapes other commands write (runs_summary, provenance.json, sensitivity, discover/) where it
needs them.
"""

import json
import base64
import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from conftest import SCENARIOS
from pcnsim.cli import main
from pcnsim.config import ScenarioError
from pcnsim.outputs.files import file_sha256
from pcnsim.outputs import report as pages
from pcnsim.study.report import write_report

TRUST = "trust<em>first"
DESCRIPTION = '<script>alert("scenario")</script> & the same five specifications, phased'
EXPERIMENT = """
name: report_small
description: 'Rushing vs <script>alert(1)</script> building trust & "first"'
scenarios: [{race}, {trust}]
parameters:
  leadership.facilitation: [0.2, 0.8]
replicates: 3
steps: 60
record_every: 2
chunk_size: 6
outcomes: [milestones_met, joint_value, mean_trust, mean_ownership, agreement_share]
figure: {{outcomes: [milestones_met, joint_value, mean_trust, mean_ownership], crossover: milestones_met}}
"""
SECTIONS = ["What was run", "Figures", "Outcomes at checkpoint weeks", "Per-run outcomes", "Sensitivity indices",
            "Discovery", "The experiment file", "Provenance"]
OPTIONAL = ["Per-run outcomes", "Sensitivity indices", "Discovery"]


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    base = tmp_path_factory.mktemp("made")
    trust = (SCENARIOS / "trust_first.yaml").read_text()
    trust = re.sub(r"(?m)^name: .*$", f"name: '{TRUST}'", trust)
    trust = re.sub(r"(?m)^description: .*$", f"description: '{DESCRIPTION}'", trust)
    (base / "trust.yaml").write_text(trust)
    (base / "e.yaml").write_text(EXPERIMENT.format(race=SCENARIOS / "race.yaml", trust=base / "trust.yaml"))
    assert main(["sweep", str(base / "e.yaml"), "--out", str(base / "sweep"), "--workers", "1"]) == 0
    return base / "sweep"


@pytest.fixture
def sweep(made, tmp_path):
    """A copy of a finished sweep without its per-run table and provenance (the tests add fakes of their shape)."""
    copy = tmp_path / "sweep"
    shutil.copytree(made, copy)
    for name in ("runs_summary.parquet", "runs_summary.csv", "provenance.json"):
        (copy / name).unlink()
    _rechecksum(copy)
    return copy


def _rechecksum(folder: Path) -> None:
    """The manifest's checksums made those of the folder's files now, as a sweep would have written them."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"] = {name: file_sha256(folder / name) for name in manifest["files"] if (folder / name).exists()}
    for name in ("runs_summary.parquet", "runs_summary.csv", "provenance.json"):
        if (folder / name).exists():
            manifest["files"][name] = file_sha256(folder / name)
    (folder / "manifest.json").write_text(json.dumps(manifest))


class Page(HTMLParser):
    """Every start tag with its attributes, the text of each <style>, and tables of the given class."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.styles, self.text, self.headings = [], [], [], []
        self.tables, self._table, self._row, self._cell, self._in = [], None, None, None, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in.append(tag)
        if tag == "table":
            self._table = {"attrs": attrs, "rows": []}
            self.tables.append(self._table)
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table["rows"].append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = {"tag": tag, "attrs": attrs, "text": ""}
            self._row.append(self._cell)

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag in ("td", "th"):
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        self.text.append(data)
        if self._cell is not None:
            self._cell["text"] += data
        if self._in and self._in[-1] == "style":
            self.styles.append(data)
        if self._in and self._in[-1] == "h2":
            self.headings.append(data)

    def of_class(self, css):
        return [t for t in self.tables if t["attrs"].get("class") == css]


def report(folder, **kwargs) -> tuple[str, Page]:
    path = write_report(folder, **kwargs)
    text = path.read_text(encoding="utf-8")
    return text, Page(text)


def add_runs_summary(folder: Path) -> pd.DataFrame:
    """A runs_summary of the stated shape: 2 cases x 5 replicates of each scenario, plus a pair whose race run failed."""
    rows = []
    for scenario in ("race", TRUST):
        for case in range(2):
            for replicate in range(5):
                i = case * 5 + replicate
                rows.append({"run_id": f"{scenario[:4]}{i}", "point": case + (2 if scenario != "race" else 0),
                             "case": case, "scenario": scenario, "leadership.facilitation": [0.2, 0.8][case],
                             "replicate": replicate, "seed": 1000 + i, "status": "ok",
                             "joint_value_w260": float(i + 1) if scenario == "race" else 2.0 * (i + 1),
                             "mean_trust_w26": 0.5,
                             "crossover_milestones_met": [10.0, 20.0, 30.0, 40.0, 50.0][replicate]
                             if scenario != "race" and case == 0 else np.nan})
    rows.append({**rows[0], "run_id": "racefail", "case": 2, "replicate": 0, "status": "failed",
                 "joint_value_w260": np.nan, "crossover_milestones_met": np.nan})
    rows.append({**rows[10], "run_id": "trusfail", "case": 2, "replicate": 0, "crossover_milestones_met": 7.0})
    frame = pd.DataFrame(rows)
    frame.to_parquet(folder / "runs_summary.parquet", index=False)
    frame.to_csv(folder / "runs_summary.csv", index=False)
    _rechecksum(folder)
    return frame


def add_everything(folder: Path) -> None:
    add_runs_summary(folder)
    (folder / "provenance.json").write_text(
        '{"pcnsim": "0.1.0", "commit": "abc1234", "python": "3.12.9", "platform": "Linux-test", '
        '"packages": {"numpy": "9.9.9", "numba": "0.61.0"}, "started": "2025-01-01T00:00:00+00:00", '
        '"finished": "2025-01-01T00:05:00+00:00", "workers": 1, "executor": "loky"}')
    _rechecksum(folder)
    rows = [{"scenario": s, "outcome": "mean_trust", "step": step, "parameter": "leadership.facilitation",
             "S1": 0.25, "S1_conf": 0.05, "ST": 0.5, "ST_conf": 0.07} for s in ("race", TRUST) for step in (30, 52, 60)]
    pd.DataFrame(rows).to_csv(folder / "sensitivity.csv", index=False)
    shutil.copy(folder / "figure.png", folder / "sensitivity.png")
    discover = folder / "discover"
    discover.mkdir()
    (discover / "discover.md").write_text(
        "# Where trust first wins\n\nIn **most** runs with facilitation above 0.5 "
        "([the PRIM paper](https://example.org/prim)). <script>alert('md')</script>\n\n"
        "| box | coverage |\n|---|---|\n| facilitation > 0.5 | 0.81 |\n\n"
        "![the box](prim_box.png)\n\n![remote](https://example.org/x.png)\n\n<iframe src=\"http://example.org\"></iframe>\n")
    pd.DataFrame({"parameter": ["leadership.facilitation"], "low": [0.5], "high": [0.8]}).to_csv(
        discover / "prim_box.csv", index=False)
    pd.DataFrame({"box": range(60), "coverage": np.linspace(1, 0.2, 60), "density": np.linspace(0.3, 0.9, 60)}).to_csv(
        discover / "prim_trajectory.csv", index=False)
    pd.DataFrame({"parameter": ["leadership.facilitation"], "score": [0.7]}).to_csv(
        discover / "feature_scores.csv", index=False)
    pd.DataFrame({"scenario": [TRUST], "share": [0.6]}).to_csv(discover / "robustness.csv", index=False)
    for name in ("prim_box.png", "prim_trajectory.png"):
        shutil.copy(folder / "figure.png", discover / name)


def test_the_page_makes_no_outside_request(sweep):
    add_everything(sweep)
    text, page = report(sweep)
    assert page.tags and page.styles
    url = re.compile(r"https?://|^//", re.I)
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed", "base", "form", "audio", "video", "source")
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not url.search(value or ""), (tag, name, value)
            if name in ("href", "xlink:href"):
                assert value.startswith("#"), (tag, name, value)  # only references inside an SVG
            if name == "style":
                assert "url(" not in value and "@import" not in value
    css = "".join(page.styles)
    assert "@import" not in css and "url(" not in css and "@font-face" not in css
    images = [attrs for tag, attrs in page.tags if tag == "img"]
    assert len(images) >= 3  # sensitivity (PNG only), discover's box (from the Markdown) and trajectory
    assert all(a["src"].startswith("data:image/png;base64,") for a in images)
    assert sum(tag == "svg" for tag, _ in page.tags) == 1  # the sweep figure, inline
    # The Markdown's external link and image are kept as text, never as a link or an image.
    assert "the PRIM paper (https://example.org/prim)" in "".join(page.text)
    assert "[image not embedded: remote]" in "".join(page.text)
    csp = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in csp[0]["content"]


def test_a_browser_loads_nothing_but_the_page(sweep):
    chromium = Path("/usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    if not chromium.exists():
        pytest.skip("no /usr/bin/chromium")
    add_everything(sweep)
    path = write_report(sweep)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        requests, problems = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.goto(path.as_uri())
        shown = page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth > 0).length")
        browser.close()
    assert requests == [path.as_uri()], requests
    assert not problems, problems
    assert shown == 3


def test_the_checkpoint_table_holds_summary_csv_numbers(sweep):
    summary = pd.read_csv(sweep / "summary.csv")
    text, page = report(sweep)
    tables = page.of_class("checkpoints")
    shown = [t["attrs"]["data-outcome"] for t in tables]
    assert shown == ["milestones_met", "joint_value", "mean_trust", "mean_ownership"]  # the figure's outcomes
    compared = 0
    for table in tables:
        header = [c["text"] for c in table["rows"][0]]
        assert header[:3] == ["scenario", "leadership.facilitation", "runs"]
        assert header[3:] == ["week 26", "week 52", "week 60"]  # 156 is past the end; 60 is the last recorded
        body = table["rows"][2:]
        assert len(body) == 4  # two scenarios x two facilitation values
        for row in body:
            scenario, facilitation = row[0]["text"], float(row[1]["text"])
            for cell in row[3:]:
                week, stat = int(cell["attrs"]["data-week"]), cell["attrs"]["data-stat"]
                line = summary[(summary["scenario"] == scenario) & np.isclose(summary["leadership.facilitation"],
                                                                               facilitation)
                               & (summary["step"] == week) & (summary["outcome"] == table["attrs"]["data-outcome"])]
                assert len(line) == 1
                line = line.iloc[0]
                if stat == "mean":
                    values = [(float(cell["text"]), line["mean"])]
                else:
                    low, high = cell["text"].split(" – ")
                    values = [(float(low), line["ci_low"]), (float(high), line["ci_high"])]
                for got, want in values:
                    assert abs(got - want) <= 6e-4 * abs(want) + 1e-12, (scenario, week, stat, got, want)
                    compared += 1
            assert int(row[2]["text"]) == 3
    assert compared == 4 * 4 * 3 * 3


def test_many_design_points_pool_each_scenario_over_its_runs(sweep, monkeypatch):
    monkeypatch.setattr(pages, "POINTS_SHOWN", 3)  # the sweep has 4 points: pooled by scenario
    text, page = report(sweep)
    runs = pd.read_parquet(sweep / "runs.parquet")[["run_id", "scenario"]]
    series = pd.read_parquet(sweep / "timeseries").merge(runs, on="run_id")
    table = page.of_class("checkpoints")[2]
    assert table["attrs"]["data-outcome"] == "mean_trust"
    assert [c["text"] for c in table["rows"][0]][:2] == ["scenario", "runs"]
    body = table["rows"][2:]
    assert [r[0]["text"] for r in body] == ["race", TRUST]
    for row in body:
        assert row[1]["text"] == "6"
        for cell in row[2:]:
            values = series[(series["scenario"] == row[0]["text"])
                            & (series["step"] == int(cell["attrs"]["data-week"]))]["mean_trust"]
            if cell["attrs"]["data-stat"] == "mean":
                assert float(cell["text"]) == pytest.approx(values.mean(), rel=6e-4)
            else:
                low, high = scipy_stats.t.interval(0.95, len(values) - 1, values.mean(), scipy_stats.sem(values))
                assert [float(v) for v in cell["text"].split(" – ")] == pytest.approx([low, high], rel=6e-4)


def test_a_damaged_folder_is_refused_and_writes_nothing(sweep, tmp_path):
    data = bytearray((sweep / "summary.csv").read_bytes())
    data[len(data) // 2] = ord("7") if data[len(data) // 2] != ord("7") else ord("8")
    (sweep / "summary.csv").write_bytes(bytes(data))
    with pytest.raises(ScenarioError, match=r"summary\.csv is missing or damaged") as caught:
        write_report(sweep, out=tmp_path / "elsewhere.html")
    assert "\n" not in str(caught.value)
    with pytest.raises(ScenarioError):
        write_report(sweep)
    assert not (sweep / "report.html").exists() and not (tmp_path / "elsewhere.html").exists()
    assert not [p for p in sweep.iterdir() if p.name.startswith(".pcnsim-tmp-")]


def test_not_a_sweep_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="no such sweep folder"):
        write_report(tmp_path / "nothing")


def test_sections_appear_only_when_their_files_exist(sweep, tmp_path):
    text, page = report(sweep)
    assert page.headings == [s for s in SECTIONS if s not in OPTIONAL]
    assert "no provenance.json" in text and "pcnsim 0.1.0" in text
    assert not page.of_class("runs") and not page.of_class("crossover") and not page.of_class("sensitivity")
    add_everything(sweep)
    text, page = report(sweep, out=tmp_path / "full.html")
    assert page.headings == SECTIONS
    assert not (sweep / "report.html").stat().st_size == (tmp_path / "full.html").stat().st_size
    assert "abc1234" in text and "9.9.9" in text and "loky" in text and "no provenance.json" not in text
    checksums = {r[0]["text"]: r[1]["text"] for r in page.of_class("checksums")[0]["rows"][1:]}
    listed = json.loads((sweep / "manifest.json").read_text())["files"]
    assert checksums == listed and {"runs.parquet", "summary.csv", "provenance.json"} <= set(checksums)
    # The sensitivity table shows the checkpoint weeks the CSV has (52 and its last, 60), not week 30.
    sens = page.of_class("sensitivity")[0]["rows"]
    assert [c["text"] for c in sens[0]][:4] == ["scenario", "outcome", "step", "parameter"]
    assert sorted({r[2]["text"] for r in sens[1:]}) == ["52", "60"]
    # Discovery: the Markdown rendered (heading, bold, its table), every CSV as a table, long ones cut.
    assert "<h1>Where trust first wins</h1>" in text and "<strong>most</strong>" in text
    assert "<td>facilitation &gt; 0.5</td>" in text
    trajectory = page.of_class("discover-prim_trajectory")[0]["rows"]
    assert len(trajectory) == 1 + pages.ROWS_SHOWN and "first 50 of 60 rows" in text
    for css in ("discover-prim_box", "discover-feature_scores", "discover-robustness"):
        assert page.of_class(css)
    # Only runs_summary.csv (no parquet): the same section, read from the CSV.
    (sweep / "runs_summary.parquet").unlink()
    _rechecksum(sweep)
    assert "Per-run outcomes" in report(sweep)[1].headings


def test_per_run_outcomes_and_the_crossover_share(sweep):
    add_runs_summary(sweep)
    text, page = report(sweep)
    rows = page.of_class("runs")[0]["rows"][1:]
    outcomes = [r[0]["text"] for r in rows if len(r) == 5]
    assert outcomes == ["joint_value_w260", "mean_trust_w26"]  # crossover_* is its own table; design columns none
    race = rows[0]
    assert [c["text"] for c in race[1:3]] == ["race", "10"]  # the failed run is left out
    values = np.arange(1, 11, dtype=float)
    low, high = scipy_stats.t.interval(0.95, 9, values.mean(), scipy_stats.sem(values))
    assert float(race[3]["text"]) == 5.5
    assert [float(v) for v in race[4]["text"].split(" – ")] == pytest.approx([low, high], rel=6e-4)
    cross = page.of_class("crossover")[0]
    assert cross["attrs"]["data-column"] == "crossover_milestones_met"
    (row,) = cross["rows"][1:]
    cells = [c["text"] for c in row]
    # 10 pairs with both runs ok (the pair whose race run failed is not one), 5 overtook, median week 30.
    assert cells[:4] == [TRUST, "race", "10", "5"]
    assert cells[4] == "50%"
    assert cells[5] == "23.66% – 76.34%"  # Wilson score interval of 5/10 (Newcombe 1998's table)
    assert cells[6] == "30"


def test_html_in_names_and_descriptions_stays_text(sweep):
    add_everything(sweep)
    text, page = report(sweep)
    assert "<script" not in text.lower() and "<em>first" not in text and "<iframe" not in text
    words = "".join(page.text)
    assert 'Rushing vs <script>alert(1)</script> building trust & "first"' in words
    assert DESCRIPTION in words  # the scenario's description, from its file
    assert "<script>alert('md')</script>" in words  # raw HTML in discover.md is shown, not run
    assert TRUST in [r[0]["text"] for r in page.of_class("checkpoints")[0]["rows"][2:]]
    assert not any(tag in ("script", "em", "iframe") for tag, _ in page.tags)


def test_without_an_svg_the_figure_is_the_png_itself(sweep):
    (sweep / "figure.svg").unlink()
    text, page = report(sweep)
    (image,) = [a for t, a in page.tags if t == "img"]
    assert base64.b64decode(image["src"].split(",", 1)[1]) == (sweep / "figure.png").read_bytes()
    assert not any(t == "svg" for t, _ in page.tags)


def test_an_svg_that_refers_outside_itself_is_not_inlined(sweep):
    svg = (sweep / "figure.svg").read_text()
    (sweep / "figure.svg").write_text(svg.replace("</svg>", '<image href="https://example.org/x.png"/></svg>'))
    text, page = report(sweep)
    assert "example.org" not in text
    assert [t for t, _ in page.tags if t in ("svg", "img")] == ["img"]


def test_inline_svgs_keep_their_ids_apart():
    svg = ('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           '<metadata><x rdf:resource="http://purl.org/dc"/></metadata><defs><path id="g1"/></defs>'
           '<use xlink:href="#g1"/><rect clip-path="url(#g1)"/></svg>')
    one, two = pages.inline_svg(svg, "a"), pages.inline_svg(svg, "b")
    assert "http" not in one and 'id="a-g1"' in one and 'href="#a-g1"' in one and "url(#a-g1)" in one
    assert 'id="b-g1"' in two
    assert pages.inline_svg(svg.replace("<defs>", "<script>x()</script><defs>"), "c") is None


@pytest.mark.parametrize("value, shown", [(0.0, "0"), (8.0, "8"), (2.5, "2.500"), (0.76624, "0.7662"),
                                          (15.234, "15.23"), (12345.6, "12346"), (-0.0123456, "-0.01235"),
                                          (1.5e-6, "1.500e-06"), (float("nan"), "–"), (None, "–")])
def test_numbers_are_shown_to_four_significant_figures(value, shown):
    assert pages.number(value) == shown
    if value is not None and math.isfinite(value) and value:
        assert abs(float(shown) - value) <= 5e-4 * abs(value)


def test_the_report_imports_neither_numba_nor_the_engine(sweep):
    import subprocess
    import sys

    probe = ("import sys; from pcnsim.study.report import write_report; write_report(sys.argv[1]); "
             "print(sorted(m for m in ('numba', 'pcnsim.engine.jit', 'pcnsim.engine.batch', 'mesa') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe, str(sweep)], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]" and (sweep / "report.html").exists()
