"""One line per benchmark report saying where it was measured: absolute times only mean something
with their machine (docs/performance.md quotes them with it); and the CPU time between two readings of
`resource.getrusage`, as every benchmark takes it, and of one child process; and the time spent
sampling, which the library does not report."""

import contextlib
import os
import platform
import resource
import subprocess
import time


def machine() -> str:
    """CPU model, usable cores, load average and the versions that set the speed."""
    import numpy as np
    import pyarrow as pa

    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (
        f"machine: {model}, {usable} cores, load average {load}; "
        f"python {platform.python_version()}, numpy {np.__version__}, pyarrow {pa.__version__}"
    )


def cpu_seconds(before, after) -> float:
    """User + system CPU seconds between two `resource.getrusage` readings."""
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def process_cpu(cmd, env=None) -> float:
    """User + system CPU seconds of one child process (checked to succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return cpu_seconds(before, after)


@contextlib.contextmanager
def timed_sampling():
    """Yields a list whose one number grows by every second spent in the engine
    (`simulate.simulate_cell`) inside the block: the library's callers look the function up at
    each call, so it is replaced by a timed one for the block's duration."""
    import modelcollapse.core.simulate as engine

    simulate_cell, seconds = engine.simulate_cell, [0.0]

    def timed(*args, **kwargs):
        begin = time.perf_counter()
        try:
            return simulate_cell(*args, **kwargs)
        finally:
            seconds[0] += time.perf_counter() - begin

    engine.simulate_cell = timed
    try:
        yield seconds
    finally:
        engine.simulate_cell = simulate_cell
