"""The package's layers: no import cycle, dependencies pointing one way, and the light commands stay light.

config -> world -> engine -> reference/model -> outputs -> study/trainer -> cli
"""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, SCENARIOS

PACKAGE = ROOT / "pcnsim"
LAYERS = {"config": 0, "world": 1, "engine": 2, "reference": 3, "model": 3, "agents": 3, "outputs": 4,
          "study": 5, "trainer": 5, "cli": 6, "__main__": 6}
# The engine's declarations of its state, outcomes and draw layout are plain data (no numba, no pcnsim imports):
# building a run's initial state (world.build) fills them in, so they stand with the configuration.
DECLARATIONS = {"pcnsim.engine.state", "pcnsim.engine.outcomes", "pcnsim.engine.draws"}


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def import_graph() -> dict[str, set[str]]:
    """Each pcnsim module and the pcnsim modules it imports, at the top level or inside a function."""
    graph = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = _module(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name.split(".")[0] == "pcnsim"}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                elif node.module and node.module.split(".")[0] == "pcnsim":
                    target = node.module
                else:
                    continue
                for alias in node.names:  # `from .engine import kernels` imports the module pcnsim.engine.kernels
                    edges.add(f"{target}.{alias.name}" if _exists(f"{target}.{alias.name}") else target)
        graph[name] = {e for e in edges if e != name}
    return graph


def _layer(module: str) -> int | None:
    if module in DECLARATIONS:
        return LAYERS["config"]
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_the_import_graph_reads_the_package():
    graph = import_graph()
    assert {"pcnsim.cli", "pcnsim.study.sweep", "pcnsim.engine.week", "pcnsim.config.schema"} <= set(graph)
    assert "pcnsim.study.experiment" in graph["pcnsim.study.sweep"]
    assert "pcnsim.engine.jit" in graph["pcnsim.engine.week"]  # `from .jit import kernel`
    assert "pcnsim.world.schedule" in graph["pcnsim.world.build"]  # `from . import schedule as mandates`
    assert all(_layer(m) is not None for m in graph if m != "pcnsim"), "a module outside every layer"


def test_no_import_cycle():
    graph = import_graph()
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(target):] + [target]))
            if target not in state:
                visit(target, path + [target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_dependencies_point_one_way():
    # The package root only re-exports (and holds __version__), so it is outside the layers.
    wrong = {f"{a} -> {b}" for a, targets in import_graph().items() for b in targets
             if a != "pcnsim" and b != "pcnsim" and _layer(a) < _layer(b)}
    assert not wrong, "imports against the layers: " + ", ".join(sorted(wrong))


PROBE = textwrap.dedent("""
    import sys
    from pcnsim.cli import main
    status = main(sys.argv[1:])
    heavy = sorted(m for m in ("numba", "pcnsim.engine.jit", "pcnsim.engine.batch", "mesa") if m in sys.modules)
    print("HEAVY:" + ",".join(heavy))
    sys.exit(status)
""")


def _probe(*args):
    result = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True, cwd=ROOT)
    heavy = [line for line in result.stdout.splitlines() if line.startswith("HEAVY:")]
    assert heavy, result.stderr
    return result.returncode, heavy[0][len("HEAVY:"):]


@pytest.mark.parametrize("scenario", ["race.yaml", "england.yaml"])  # england: a csv structure, whose files it reads
def test_validate_imports_neither_numba_nor_the_engine(scenario):
    status, heavy = _probe("validate", SCENARIOS / scenario)
    assert status == 0 and heavy == ""


def test_plot_of_a_finished_sweep_imports_neither_numba_nor_the_engine(tmp_path):
    experiment = tmp_path / "e.yaml"
    experiment.write_text(f"name: e\nscenarios: [{SCENARIOS / 'race.yaml'}, {SCENARIOS / 'trust_first.yaml'}]\n"
                          "replicates: 2\nsteps: 20\noutcomes: [milestones_met, mean_trust]\n")
    made = subprocess.run([sys.executable, "-m", "pcnsim", "sweep", str(experiment), "--out", str(tmp_path / "out"),
                           "--workers", "1"], capture_output=True, text=True, cwd=ROOT)
    assert made.returncode == 0, made.stderr
    status, heavy = _probe("plot", tmp_path / "out", "--out", tmp_path / "p")
    assert status == 0 and heavy == "" and (tmp_path / "p.png").exists()
    # The probe sees a heavy import when there is one.
    assert _probe("run", SCENARIOS / "race.yaml", "--steps", "2", "--out", tmp_path / "r")[1] != ""
