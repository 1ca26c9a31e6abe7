"""`pcnsim race`: the Race and Trust-first PCNs side by side, for slides.

The same PCN (same seed, same practices, same total national workload) taken through five years in
two ways, drawn as the trainer page draws it: practices filled by their ownership of the PCN's work and sized by list size,
ties by trust, a tie marked by colour and dash where conflict showed (no marks on practices), and the curves underneath. Writes

- race.gif (and race.mp4 when there is an ffmpeg: on the PATH, or imageio-ffmpeg's): the two networks week by
  week;
- race.png and race.svg: the two PCNs at one week (by default the crossover on milestones met, the week
  Trust first overtakes and stays ahead; the last week if it never does), the crossover marked.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zlib
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..config import ScenarioError
from ..outputs.files import written as atomic
from ..outputs.stats import crossover
from ..engine.rules import ACTIVE_OWNERSHIP
from .drawing import CONFLICT, DASH, FLASHES, SIDE_COLOURS, elapsed, ink_on, ownership_fill, positions, trust_grey
from .lockstep import Lockstep, PCNRun
from .settings import DEFAULT_SEED, RACE, TRUST_FIRST, WEEKS, describe

EVERY = 2  # weeks between animation frames
FPS = 12
HOLD_SECONDS = 3  # the last frame stays this long
GIF_WIDTH = 960  # pixels; the MP4 keeps the full 1280 x 720
# the page's dashes (drawing.DASH) in matplotlib's terms, so a conflict is told apart by more than colour
LINESTYLE = {kind: "solid" if dash == "none" else (0, tuple(float(x) / 2 for x in dash.split()))
             for kind, dash in DASH.items()}
CURVES = (  # the page's: boxes ticked beside the value of the joint work behind them, then trust and agreement
    ("milestones_met", "Milestones met on time (total)"),
    ("joint_value", "Joint work delivered (value)"),
    ("mean_trust", "Trust between practices"),
    ("agreement_share", "Meetings ending in agreement"),
)


def _run(seed: int, weeks: int) -> Lockstep:
    """The two PCNs run to the end; each keeps its frame a week (lockstep.Frame), which the slides draw."""
    pair = Lockstep([RACE, TRUST_FIRST], seed, weeks=weeks)
    while not pair.finished:
        pair.step()
    return pair


def _series(run: PCNRun, outcome: str) -> np.ndarray:
    return np.asarray(run.series(outcome), dtype=float)


class Drawing:
    """One figure, redrawn for each frame by updating its artists."""

    def __init__(self, pair: Lockstep) -> None:
        self.pair = pair
        self.moving: list = []  # artists redrawn each frame, in drawing order, over a saved background
        self.background = None
        self.fig = Figure(figsize=(12.8, 7.2), dpi=100)
        FigureCanvasAgg(self.fig)
        grid = self.fig.add_gridspec(2, 4, height_ratios=[3.1, 2], left=0.05, right=0.98, top=0.85, bottom=0.14,
                                     hspace=0.32, wspace=0.28)
        self.title = self._moves(self.fig.suptitle("", y=0.985, fontsize=15, fontweight="bold"))
        self.fig.text(0.5, 0.92, f"The same PCN (seed {pair.seed}), the same practices and the same national "
                      "workload, taken on in two ways", ha="center", fontsize=10.5, color="#444")
        self.networks = [self._network(self.fig.add_subplot(grid[0, 2 * k:2 * k + 2]), k) for k in range(2)]
        self.curves = [self._curve(self.fig.add_subplot(grid[1, c]), outcome, title)
                       for c, (outcome, title) in enumerate(CURVES)]
        self.curves[0]["ax"].legend(loc="center right", fontsize=8.5)
        self._legend()

    def _network(self, ax, k: int) -> dict:
        run = self.pair.runs[k]
        xy = np.array(positions(run.n_practices))
        ends = np.array([[xy[i], xy[j]] for i, j in run.ties])
        ax.set_xlim(-1.45, 1.45)
        ax.set_ylim(-1.3, 1.3)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(f"{run.label}: {describe(run.settings).split(': ', 1)[1]}", fontsize=12,
                     color=SIDE_COLOURS[k], fontweight="bold")
        ties = LineCollection(ends, capstyle="round", zorder=1)
        flashes = LineCollection(np.zeros((0, 2, 2)), capstyle="round", linewidths=9, alpha=0.75, zorder=2)
        self._moves(ax.add_collection(ties), ax.add_collection(flashes))
        sizes = 900 * run.list_size / 8000
        nodes = self._moves(ax.scatter(xy[:, 0], xy[:, 1], s=sizes, edgecolors="#333", linewidths=1.5, zorder=3))
        numbers = [self._moves(ax.text(x, y, str(i + 1), ha="center", va="center", fontsize=11, fontweight="bold",
                                       zorder=4)) for i, (x, y) in enumerate(xy)]
        facts = self._moves(ax.text(0.5, -0.02, "", transform=ax.transAxes, ha="center", va="top", fontsize=10))
        return {"ax": ax, "ends": ends, "ties": ties, "flashes": flashes, "nodes": nodes, "numbers": numbers,
                "facts": facts}

    def _curve(self, ax, outcome: str, title: str) -> dict:
        lines = []
        for k, run in enumerate(self.pair.runs):
            (line,) = ax.plot([], [], color=SIDE_COLOURS[k], linewidth=2.2, label=run.label)
            lines.append(self._moves(line))
        top = max(np.nanmax(_series(run, outcome)) for run in self.pair.runs)
        ax.set_xlim(0, self.pair.weeks)
        ax.set_ylim(0, 1.0 if outcome in ("mean_trust", "agreement_share") else max(top * 1.1, 1.0))
        ax.set_xticks(range(0, self.pair.weeks + 1, 52))
        ax.set_xlabel("week", fontsize=9)
        ax.set_title(title, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
        marker = self._moves(ax.axvline(0, color="#333", linestyle="--", linewidth=1, visible=False))
        label = self._moves(ax.text(0, 0.97, "", transform=ax.get_xaxis_transform(), fontsize=8.5, va="top",
                                    color="#333"))
        return {"ax": ax, "outcome": outcome, "lines": lines, "marker": marker, "label": label}

    def _moves(self, *artists):
        for artist in artists:
            artist.set_animated(True)
            self.moving.append(artist)
        return artists[0]

    def _legend(self) -> None:
        handles = [Patch(facecolor=ownership_fill(o), edgecolor="#333", label=f"ownership {o:g}") for o in (0, 0.5, 1)]
        handles += [Line2D([], [], color=colour, linewidth=4, linestyle=LINESTYLE[kind], label=words.split(" (")[0])
                    for kind, (colour, words) in CONFLICT.items()]
        handles += [Line2D([], [], color=str(trust_grey(0.9)), linewidth=6, label="thick, dark tie: high trust")]
        self.fig.legend(handles=handles, loc="lower center", ncol=7, fontsize=9, frameon=False,
                        bbox_to_anchor=(0.5, 0.0))

    def show(self, week: int, since: int) -> None:
        """Draw the state at `week`, flashing the conflicts of the weeks after `since`."""
        self.title.set_text(f"It is not a race · week {week} ({elapsed(week)})")
        for k, (net, run) in enumerate(zip(self.networks, self.pair.runs)):
            frame = run.frames[week]
            greys = [str(trust_grey(t)) for t in frame.trust]
            net["ties"].set_color(greys)
            net["ties"].set_linewidths(0.8 + 7 * frame.trust)
            worst: dict[int, str] = {}
            for past in run.frames[since + 1:week + 1]:
                for e, kind in past.flashes.items():
                    if FLASHES.index(kind) >= FLASHES.index(worst.get(e, "productive")):
                        worst[e] = kind
            net["flashes"].set_segments([net["ends"][e] for e in worst])
            net["flashes"].set_color([CONFLICT[kind][0] for kind in worst.values()])
            net["flashes"].set_linestyles([LINESTYLE[kind] for kind in worst.values()])
            net["nodes"].set_facecolor([ownership_fill(o) for o in frame.ownership])
            for number, o in zip(net["numbers"], frame.ownership):
                number.set_color(ink_on(o))
            o = frame.outcomes
            owning = int(np.sum(frame.engaged & (frame.ownership > ACTIVE_OWNERSHIP)))
            net["facts"].set_text(f"milestones met {o['milestones_met']} of {o['milestones_due']} due · trust "
                                  f"{o['mean_trust']:.2f} · {owning} of {run.n_practices} practices own the work")
        cross = self.crossover(week)
        for curve in self.curves:
            for line, run in zip(curve["lines"], self.pair.runs):
                values = _series(run, curve["outcome"])[: week + 1]
                line.set_data(np.arange(len(values)), values)
            curve["marker"].set_visible(cross is not None)
            if cross is not None:
                curve["marker"].set_xdata([cross, cross])
                curve["label"].set_position((cross + 3, 0.97))
            curve["label"].set_text(f"crossover:\nweek {cross}" if cross is not None and curve is self.curves[0] else "")

    def crossover(self, week: int) -> int | None:
        """The crossover as it stood at `week`: from when the second PCN has stayed ahead on milestones."""
        first, second = (pd.Series(run.series("milestones_met")[: week + 1]) for run in self.pair.runs)
        return crossover(first, second) if week > 0 else None

    def pixels(self) -> np.ndarray:
        """The frame as RGB pixels: the still parts drawn once, the moving ones over them (blitting)."""
        canvas = self.fig.canvas
        if self.background is None:
            canvas.draw()
            self.background = canvas.copy_from_bbox(self.fig.bbox)
        canvas.restore_region(self.background)
        for artist in self.moving:
            self.fig.draw_artist(artist)
        return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()

    def save(self, path: Path, kind: str) -> None:
        """The current state as a still (`kind` png or svg), every artist drawn normally."""
        for artist in self.moving:
            artist.set_animated(False)
        # a fixed salt for the SVG's clip-path ids (random by default): the same still is the same file
        with rc_context({"svg.hashsalt": "pcnsim race"}):
            self.fig.savefig(path, format=kind, dpi=100, metadata={"Date": None} if kind == "svg" else None)


def _shrunk(frame: np.ndarray) -> np.ndarray:
    """A frame at the GIF's width (the MP4 keeps the full 1280 x 720)."""
    from PIL import Image

    image = Image.fromarray(frame)
    size = (GIF_WIDTH, round(image.height * GIF_WIDTH / image.width))
    return np.asarray(image.resize(size, Image.Resampling.LANCZOS))


class _Frames:
    """The GIF's frames at its width, each kept zlib-compressed until the GIF is written.

    A frame is 1.5 MB of pixels and a tenth of that packed, so a five-year animation holds about 20 MB
    instead of 200; unpacking gives the same pixels back, so the GIF is the same.
    """

    def __init__(self) -> None:
        self.packed: list[bytes] = []
        self.shape: tuple[int, ...] = ()

    def append(self, frame: np.ndarray) -> None:
        self.shape = frame.shape
        self.packed.append(zlib.compress(np.ascontiguousarray(frame).tobytes(), 1))

    def __len__(self) -> int:
        return len(self.packed)

    def __getitem__(self, k: int) -> np.ndarray:
        return np.frombuffer(zlib.decompress(self.packed[k]), np.uint8).reshape(self.shape)


def _gif(frames: _Frames, path: Path, hold: int) -> None:
    """The GIF from frames already at its width, quantised one at a time as Pillow writes them."""
    from PIL import Image

    width = frames.shape[1]
    # one palette for every frame, from a sample of frames and swatches of the key colours (flashes are rare)
    keys = [*SIDE_COLOURS] + [ownership_fill(o) for o in (0, 0.25, 0.5, 0.75, 1)] + [c for c, _ in CONFLICT.values()]
    swatches = [np.full((40, width, 3), [int(c[i:i + 2], 16) for i in (1, 3, 5)], np.uint8) for c in keys]
    sampled = [*range(0, len(frames), max(1, len(frames) // 8)), len(frames) - 1]
    sample = Image.fromarray(np.concatenate([frames[k] for k in sampled] + swatches, axis=0))
    palette = sample.quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    del sample

    def quantised(k: int):
        return Image.fromarray(frames[k]).quantize(palette=palette, dither=Image.Dither.NONE)

    durations = [round(1000 / FPS)] * (len(frames) - 1) + [1000 * hold]
    rest = (quantised(k) for k in range(1, len(frames)))  # Pillow keeps each as a 0.5 MB palette image
    quantised(0).save(path, format="GIF", save_all=True, append_images=rest, duration=durations, loop=0, optimize=False)


NO_FFMPEG = ("no race.mp4: ffmpeg is not on the PATH and imageio-ffmpeg is not installed (install either: "
             "`apt-get install ffmpeg`, or `pip install 'pcnsim[slides]'` for the ffmpeg imageio-ffmpeg ships; "
             "and run again)")


def find_ffmpeg() -> str | None:
    """ffmpeg on the PATH, else the one the imageio-ffmpeg package ships (`pip install 'pcnsim[slides]'`), else None."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:  # the package without a binary for this platform, and no other ffmpeg it knows of
        return None


class _Mp4:
    """ffmpeg encoding frames as they are drawn (none held in memory), H.264 where this ffmpeg has it, else MPEG-4.

    It writes into `path` (a temporary name; `write_race` renames it when done). If ffmpeg stops before it is
    done, the error is one line: that it stopped, its exit status and the last lines it printed.
    """

    def __init__(self, path: Path, ffmpeg: str, width: int, height: int) -> None:
        try:
            encoders = subprocess.run([ffmpeg, "-hide_banner", "-encoders"], capture_output=True, text=True,
                                      timeout=60).stdout
        except (OSError, subprocess.SubprocessError) as exc:
            raise ScenarioError(f"cannot run ffmpeg ({ffmpeg}): {getattr(exc, 'strerror', None) or exc}") from None
        codec = (["-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", "20"] if "libx264" in encoders
                 else ["-c:v", "mpeg4", "-q:v", "3"])
        codec += ["-threads", "1"]  # the same file on any machine (x264 records its thread count), and less memory
        self.log = tempfile.TemporaryFile()  # ffmpeg's stderr: a file, so a chatty ffmpeg never blocks on a full pipe
        try:
            self.process = subprocess.Popen(
                [ffmpeg, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
                 "-r", str(FPS), "-i", "-", "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", *codec, "-f", "mp4",
                 "-movflags", "+faststart", str(path)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=self.log)
        except OSError as exc:
            self.log.close()
            raise ScenarioError(f"cannot run ffmpeg ({ffmpeg}): {exc.strerror or exc}") from None

    def __enter__(self) -> _Mp4:
        return self

    def __exit__(self, *exc) -> None:
        """Never leaves ffmpeg running: on an error anywhere it is stopped (and the temporary file goes with it)."""
        if self.process.poll() is None:
            self.process.kill()
        self._stop_writing()
        self.process.wait()
        self.log.close()

    def _stop_writing(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:  # ffmpeg gone: the bytes still buffered have nowhere to go
            pass

    def _stopped(self) -> ScenarioError:
        self._stop_writing()
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self.log.seek(0)
        said = [line.strip() for line in self.log.read().decode(errors="replace").splitlines() if line.strip()]
        last = " | ".join(said[-3:])[-400:] if said else "nothing"
        status = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        return ScenarioError(f"ffmpeg stopped before race.mp4 was written ({status}); it printed last: {last}")

    def write(self, frame: np.ndarray) -> None:
        try:
            self.process.stdin.write(frame.tobytes())
        except OSError:  # BrokenPipeError, or EPIPE/EINVAL: ffmpeg is no longer reading
            raise self._stopped() from None

    def close(self, last: np.ndarray, hold: int) -> None:
        for _ in range(FPS * hold):
            self.write(last)
        try:
            self.process.stdin.close()
        except OSError:
            raise self._stopped() from None
        if self.process.wait() != 0:
            raise self._stopped()


def write_race(out: Path, seed: int = DEFAULT_SEED, *, weeks: int = WEEKS, every: int = EVERY,
               still: int | None = None, progress: bool = False) -> list[Path]:
    """Run Race and Trust first on one seed and write the animation and the still; return the files written.

    The still shows week `still`; by default the crossover on milestones met (the week Trust first overtakes
    and stays ahead: the turning point the trainer talks about), or the last week if there is none.
    Each file is written under a temporary name in `out` and renamed when complete, so an error (ffmpeg
    stopping, a full disk) leaves no partial file.
    """
    from tqdm import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pair = _run(seed, weeks)
    drawing = Drawing(pair)
    ffmpeg = find_ffmpeg()
    written = [out / "race.gif", *([out / "race.mp4"] if ffmpeg else []), out / "race.png", out / "race.svg"]
    frames, since = _Frames(), 0  # frames: the GIF's, at its width; the MP4's go straight to ffmpeg
    with ExitStack() as mp4_file:
        mp4 = None
        for week in tqdm([*range(0, weeks, every), weeks], desc="frames", unit="frame", disable=not progress,
                         dynamic_ncols=True):
            drawing.show(week, since)
            frame = drawing.pixels()
            if ffmpeg and mp4 is None:
                temporary = mp4_file.enter_context(atomic(out / "race.mp4"))
                mp4 = mp4_file.enter_context(_Mp4(temporary, ffmpeg, frame.shape[1], frame.shape[0]))
            if mp4:
                mp4.write(frame)
            frames.append(_shrunk(frame))
            since = week
        if mp4:
            mp4.close(frame, HOLD_SECONDS)  # ffmpeg done before the GIF is made: their peaks never add up
    with atomic(out / "race.gif") as temporary:
        _gif(frames, temporary, HOLD_SECONDS)
    del frames
    if still is None:
        still = drawing.crossover(weeks)
        still = weeks if still is None else still
    drawing.show(still, still)  # no flashes on the still
    for path in written[-2:]:
        with atomic(path) as temporary:
            drawing.save(temporary, path.suffix[1:])
    return written
