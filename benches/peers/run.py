"""Runs keras-rs and its peers (PyTorch, Keras 3 on JAX, Keras 3 on TensorFlow) side by side on
the same networks on this machine's CPU, and prints a markdown report of samples/s and peak
memory.

Every cell (round x model x framework) is a fresh process, started once the machine is quiet;
the frameworks' order is rotated each round. While a cell runs, the machine's busy CPU time
(/proc/stat) and the cell's own process tree's CPU time (/proc/<pid>/stat) are sampled every
0.25 s, so each timed epoch gets the share of the machine that *other* processes used during it;
only epochs under --quiet-threshold (and not warm-up) count. A cell's samples/s is the median of
its quiet epochs over all rounds.

Usage: python3 benches/peers/run.py [--models mlp,convnet,lstm,upconv,mobilenet,transformer]
           [--frameworks keras-rs,pytorch,keras-jax,keras-tensorflow] [--epochs 6] [--rounds 2]
           [--quiet-threshold 0.10] [--out target/peers-results.json]
"""

import argparse
import datetime
import functools
import importlib.metadata
import json
import os
import queue
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import _common
from _common import MODELS, THREADS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


@dataclass(frozen=True)
class Framework:
    """One column of the report. `command()` gives the argv that the shared flags are appended
    to (it may build something, and is called only for selected frameworks); `modules` must be
    importable by this Python for the framework to run; `versions()` says what is measured."""

    name: str
    command: Callable[[], list]
    versions: Callable[[], str]
    modules: tuple = ()
    peer: bool = True


def python_script(script, *flags):
    """The argv prefix of a benchmark script beside this one."""
    return lambda: [sys.executable, str(HERE / script), *flags]


@functools.cache
def rust_bench_executable(target, env_var):
    """The path of Cargo bench target `target`, from $`env_var` if set, else built with
    `cargo bench --bench TARGET --no-run --message-format=json` in the repository root."""
    if os.environ.get(env_var):
        return os.environ[env_var]
    log(f"building the Rust bench '{target}' (set {env_var}=/path to skip)")
    build = subprocess.run(
        ["cargo", "bench", "--bench", target, "--no-run", "--message-format=json"],
        cwd=REPO, stdout=subprocess.PIPE, text=True, check=True,
    )
    executables = [
        message["executable"]
        for message in map(json.loads, filter(lambda line: line.startswith("{"), build.stdout.splitlines()))
        if message.get("reason") == "compiler-artifact"
        and message["target"]["name"] == target
        and message.get("executable")
    ]
    if not executables:
        raise RuntimeError(f"cargo built no executable for bench target '{target}'")
    return executables[-1]


def rust_bench(target, env_var):
    """The argv prefix of a Rust bench executable (built lazily, once)."""
    return lambda: [rust_bench_executable(target, env_var)]


def python_versions(*distributions):
    """`name version` of each installed Python distribution (the first of `a|b` found)."""

    def version(names):
        for name in names.split("|"):
            try:
                return f"{name} {importlib.metadata.version(name)}"
            except importlib.metadata.PackageNotFoundError:
                continue
        return f"{names} ?"

    return lambda: ", ".join(version(names) for names in distributions)


def crate_versions(*crates):
    """`name version` of each crate, as locked in the repository's Cargo.lock."""

    def versions():
        locked = tomllib.loads((REPO / "Cargo.lock").read_text())["package"]
        found = {package["name"]: package["version"] for package in locked}
        return ", ".join(f"{crate} {found.get(crate, '?')}" for crate in crates)

    return versions


# The report's columns, in order. The first is the one compared with the best of the others.
FRAMEWORKS = [
    Framework("keras-rs", rust_bench("peers", "KERAS_RS_PEERS_BIN"), crate_versions("keras-rs", "burn")),
    Framework("pytorch", python_script("bench_torch.py"), python_versions("torch", "numpy"), ("torch",)),
    Framework("keras-jax", python_script("bench_keras.py", "--backend", "jax"), python_versions("keras", "jax", "jaxlib"), ("keras", "jax")),
    Framework("keras-tensorflow", python_script("bench_keras.py", "--backend", "tensorflow"), python_versions("keras", "tensorflow|tensorflow-cpu"), ("keras", "tensorflow")),
]
SUBJECT = FRAMEWORKS[0].name
# An earlier keras-rs build to compare with (before/after a change): a column that is not a
# peer, offered only when $KERAS_RS_BASELINE_BIN names its `peers` executable.
if os.environ.get("KERAS_RS_BASELINE_BIN"):
    FRAMEWORKS.append(
        Framework("keras-rs-baseline", rust_bench("peers", "KERAS_RS_BASELINE_BIN"), lambda: "earlier build", peer=False)
    )
NOT_PEERS = {f.name for f in FRAMEWORKS if not f.peer} | {SUBJECT}

SAMPLE_EVERY_S = 0.25


def log(message):
    print(f"[peers] {message}", file=sys.stderr, flush=True)


# --- CPU accounting from /proc ------------------------------------------------------------

def machine_jiffies():
    """(busy, total) CPU time of the whole machine, in clock ticks summed over CPUs. Busy is
    everything but idle and iowait (steal included: a neighbour VM slows us down too)."""
    with open("/proc/stat") as stat:
        user, nice, system, idle, iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    total = user + nice + system + idle + iowait + irq + softirq + steal
    return total - idle - iowait, total


def process_table():
    """{pid: (parent pid, ticks)} for every process, where ticks = utime + stime (all its
    threads, live and exited) + cutime + cstime (its reaped children)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                fields = stat.read().rpartition(")")[2].split()
        except OSError:
            continue  # it has just exited
        table[int(entry.name)] = (int(fields[1]), sum(int(value) for value in fields[11:15]))
    return table


def tree_ticks(table, root):
    """CPU ticks of `root` and all its live descendants."""
    children = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += table.get(pid, (0, 0))[1]
        stack.extend(children.get(pid, ()))
    return total


@dataclass(frozen=True)
class Sample:
    """One reading of the clocks: wall time, the machine's busy and total ticks, and the ticks
    of the benchmark's process tree and of this runner (neither counts as 'other')."""

    time: float
    busy: int
    total: int
    ours: int

    @staticmethod
    def take(child_pid):
        busy, total = machine_jiffies()
        table = process_table()
        return Sample(time.time(), busy, total, tree_ticks(table, child_pid) + table[os.getpid()][1])


def other_share(samples, t_start, t_end):
    """Share of the machine's CPU capacity used by other processes over the smallest sampled
    window that contains [t_start, t_end]; None if the window has no ticks."""
    before = [s for s in samples if s.time <= t_start]
    after = [s for s in samples if s.time >= t_end]
    if not before or not after:
        return None
    first, last = before[-1], after[0]
    total = last.total - first.total
    if total <= 0:
        return None
    return max(0.0, ((last.busy - first.busy) - (last.ours - first.ours)) / total)


def wait_for_quiet(threshold, max_wait_s):
    """Blocks until the machine was less than `threshold` busy over one second, or for
    `max_wait_s` at most (then says so). Returns the seconds waited."""
    started = time.monotonic()
    while True:
        busy0, total0 = machine_jiffies()
        time.sleep(1.0)
        busy1, total1 = machine_jiffies()
        busy = (busy1 - busy0) / max(1, total1 - total0)
        waited = time.monotonic() - started
        if busy < threshold:
            return waited
        if waited >= max_wait_s:
            log(f"machine still {busy:.0%} busy after {waited:.0f} s; running anyway")
            return waited


# --- running one cell ----------------------------------------------------------------------

def run_cell(argv, timeout_s):
    """Runs one benchmark process, sampling CPU use until it ends. Returns its JSON records
    (epoch records annotated with `other_share`), its exit code, and its stderr's tail."""
    with tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=stderr, text=True, start_new_session=True)
        lines = queue.Queue()

        def read_stdout():
            for line in child.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read_stdout, daemon=True).start()
        samples, records = [Sample.take(child.pid)], []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=SAMPLE_EVERY_S)
            except queue.Empty:
                samples.append(Sample.take(child.pid))
                continue
            samples.append(Sample.take(child.pid))  # right after an epoch's end, child still alive
            if line is None:
                break
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                log(f"not a JSON line: {line.rstrip()}")
        else:
            log(f"timed out after {timeout_s} s; killing it")
            os.killpg(child.pid, 9)
        returncode = child.wait()
        stderr.seek(0)
        tail = stderr.read().splitlines()[-20:]
    for record in records:
        if "t_start" in record:
            record["other_share"] = other_share(samples, record["t_start"], record["t_end"])
    return records, returncode, tail


# --- the report ----------------------------------------------------------------------------

def median_rate(epochs):
    """The median samples/s of `epochs`."""
    return statistics.median(e["samples"] / e["seconds"] for e in epochs)


def summarize(records, frameworks, models):
    """{(model, phase, framework): (samples/s or None, starred, quiet count, timed count)}:
    the median over quiet epochs, or, starred, over all timed epochs where none was quiet."""
    cells = {}
    for model in models:
        for phase in ("train", "predict"):
            for framework in frameworks:
                timed = [r for r in records if (r["model"], r["phase"], r["framework"]) == (model, phase, framework)
                         and not r["warmup"]]
                quiet = [r for r in timed if r["quiet"]]
                if quiet:
                    cells[model, phase, framework] = (median_rate(quiet), False, len(quiet), len(timed))
                elif timed:
                    cells[model, phase, framework] = (median_rate(timed), True, 0, len(timed))
                else:
                    cells[model, phase, framework] = (None, False, 0, 0)
    return cells


def table(header, rows, left=2):
    """A markdown table whose first `left` columns are left-aligned, the others right-aligned."""
    aligns = ["---" if i < left else "--:" for i in range(len(header))]
    return "\n".join("| " + " | ".join(map(str, row)) + " |" for row in [header, aligns, *rows])


def report(meta, records, frameworks, models):
    """The markdown report."""
    cells = summarize(records, frameworks, models)
    peers = [f for f in frameworks if f not in NOT_PEERS]

    def rate(cell):
        value, starred, _, _ = cell
        return "–" if value is None else f"{value:,.0f}{'*' if starred else ''}"

    speed_rows = []
    for model in models:
        for phase in ("train", "predict"):
            row = [model, phase, *(rate(cells[model, phase, f]) for f in frameworks)]
            measured = [f for f in peers if cells[model, phase, f][0] is not None]
            best = max(measured, key=lambda f: cells[model, phase, f][0], default=None)
            subject = cells.get((model, phase, SUBJECT), (None, False))
            if best is None or subject[0] is None:
                ratio = "–"
            else:
                starred = subject[1] or cells[model, phase, best][1]
                ratio = f"{subject[0] / cells[model, phase, best][0]:.2f}{'*' if starred else ''}"
            speed_rows.append(row + ([best or "–", ratio] if SUBJECT in frameworks else [best or "–"]))
    speed_header = ["model", "phase", *frameworks, "best peer"]
    if SUBJECT in frameworks:
        speed_header.append(f"ratio {SUBJECT} / best peer")

    rss_rows = []
    for model in models:
        peaks = [[r["peak_rss_mb"] for r in records if r["phase"] == "done" and (r["model"], r["framework"]) == (model, f)]
                 for f in frameworks]
        rss_rows.append([model, *(f"{max(p):,.0f}" if p else "–" for p in peaks)])

    count_rows = [[model, phase, *(f"{cells[model, phase, f][2]}/{cells[model, phase, f][3]}" for f in frameworks)]
                  for model in models for phase in ("train", "predict")]

    lines = [
        "## keras-rs and its peers on CPU",
        "",
        f"- date: {meta['date']}",
        f"- command: `{meta['command']}`",
        f"- machine: {meta['cpu_model']}, nproc {meta['nproc']}; {THREADS} compute threads per framework",
        f"- protocol: {meta['epochs']} epochs and predict passes per process (the first of each a warm-up), "
        f"{meta['rounds']} round(s), quiet = other processes under {meta['quiet_threshold']:.0%} of the CPUs",
        "- samples: " + ", ".join(f"{m} {meta['samples'][m]:,} train / {meta['predict_samples'][m]:,} predict" for m in models),
        *(f"- {name}: {version}" for name, version in meta["versions"].items()),
        "",
        "### Samples/s (median over quiet epochs; higher is better)",
        "",
        table(speed_header, speed_rows),
        "",
        *(["\\* no quiet epoch: median over all timed epochs, taken while other processes were busy.", ""]
          if any(starred for _, starred, _, _ in cells.values()) else []),
        "### Peak resident memory (MB, max over rounds)",
        "",
        table(["model", *frameworks], rss_rows, left=1),
        "",
        "### Quiet / timed epochs",
        "",
        table(["model", "phase", *frameworks], count_rows),
    ]
    if meta["skipped"]:
        lines += ["", "Skipped: " + "; ".join(f"{name} ({why})" for name, why in meta["skipped"].items())]
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------

def annotate(records, name, round_, threshold):
    """Marks a cell's records with their round and, for epochs, whether they were quiet, logging
    each epoch's rate; returns them."""
    for record in records:
        record["round"] = round_
        if record.get("framework") != name and name != "keras-rs-baseline":
            log(f"  {name} reported itself as {record.get('framework')!r}")
        record["framework"] = name  # the column it ran as (a baseline build says "keras-rs")
        if "other_share" in record:
            share = record["other_share"]
            record["quiet"] = share is not None and share < threshold
            log(f"  {record['phase']:7} epoch {record['epoch']}: {record['samples'] / record['seconds']:10,.0f} samples/s, "
                f"others {'?' if share is None else f'{share:4.0%}'}{' (warm-up)' if record['warmup'] else ''}")
    return records


def importable(modules):
    """Why `modules` cannot be imported by this Python (in a throwaway process), or None."""
    for module in modules:
        check = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
        if check.returncode:
            return f"cannot import {module}: {(check.stderr.strip().splitlines() or ['?'])[-1]}"
    return None


def resolve(frameworks):
    """{name: argv prefix} of the frameworks that can run, and {name: why} of the others."""
    commands, skipped = {}, {}
    for framework in frameworks:
        why = importable(framework.modules)
        if why is None:
            try:
                commands[framework.name] = framework.command()
            except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
                why = str(error)
        if why:
            log(f"skipping {framework.name}: {why}")
            skipped[framework.name] = why
    return commands, skipped


def per_model(text, defaults):
    """`mlp=12800,lstm=1280` over the per-model defaults."""
    counts = dict(defaults)
    for item in filter(None, text.split(",")):
        model, _, count = item.partition("=")
        if model not in MODELS:
            raise argparse.ArgumentTypeError(f"unknown model {model!r}")
        counts[model] = int(count)
    return counts


def listed(choices):
    """An argparse type: a comma-separated list of some of `choices`."""

    def parse(text):
        names = [name for name in text.split(",") if name]
        unknown = set(names) - set(choices)
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown: {', '.join(sorted(unknown))} (choose from {', '.join(choices)})")
        return names

    return parse


def cpu_model():
    """The CPU's model name from /proc/cpuinfo."""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    return "unknown CPU"


def main():
    names = [f.name for f in FRAMEWORKS]
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=_common.HelpFormatter)
    parser.add_argument("--models", type=listed(list(MODELS)), default=list(MODELS))
    parser.add_argument("--frameworks", type=listed(names), default=names)
    parser.add_argument("--epochs", type=int, default=6, help="per process; the first is a warm-up")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--quiet-threshold", type=float, default=0.10, help="max share of the CPUs other processes may use")
    train_default = {model: spec.samples for model, spec in MODELS.items()}
    predict_default = {model: spec.predict_samples for model, spec in MODELS.items()}
    parser.add_argument("--samples", type=lambda text: per_model(text, train_default), default=train_default,
                        help="training samples, e.g. mlp=12800,lstm=1280")
    parser.add_argument("--predict-samples", type=lambda text: per_model(text, predict_default), default=predict_default,
                        help="samples per predict pass")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--max-wait", type=float, default=120, help="seconds to wait for a quiet machine before a process")
    parser.add_argument("--cell-timeout", type=float, default=1800, help="seconds before a process is killed")
    parser.add_argument("--out", default=str(REPO / "target" / "peers-results.json"), help="raw records (JSON)")
    args = parser.parse_args()

    selected = [f for f in FRAMEWORKS if f.name in args.frameworks]
    commands, skipped = resolve(selected)
    order = [f.name for f in selected if f.name in commands]
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join([sys.executable, *sys.argv]),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu_model": cpu_model(),
        "versions": {f.name: f.versions() for f in selected if f.name in commands},
        "epochs": args.epochs, "rounds": args.rounds, "quiet_threshold": args.quiet_threshold,
        "samples": args.samples, "predict_samples": args.predict_samples, "seed": args.seed,
        "commands": commands, "skipped": skipped,
    }

    records, cells = [], []
    for round_ in range(args.rounds):
        rotated = order[round_ % len(order):] + order[:round_ % len(order)] if order else []
        for model in args.models:
            for name in rotated:
                argv = commands[name] + [
                    "--model", model, "--epochs", str(args.epochs), "--samples", str(args.samples[model]),
                    "--predict-samples", str(args.predict_samples[model]), "--seed", str(args.seed),
                ]
                waited = wait_for_quiet(args.quiet_threshold, args.max_wait)
                log(f"round {round_ + 1}/{args.rounds}: {name} {model}")
                started = time.monotonic()
                cell_records, returncode, tail = run_cell(argv, args.cell_timeout)
                wall = time.monotonic() - started
                records += annotate(cell_records, name, round_, args.quiet_threshold)
                cells.append({"round": round_, "model": model, "framework": name, "returncode": returncode,
                              "waited_for_quiet_s": waited, "wall_s": wall})
                if returncode:
                    log(f"  {name} {model} exited with {returncode}:\n    " + "\n    ".join(tail))

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"meta": meta, "cells": cells, "records": records}, indent=1))
    log(f"raw records in {args.out}")
    print(report(meta, records, order, args.models))


if __name__ == "__main__":
    main()
