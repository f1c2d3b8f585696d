"""One line per benchmark report saying where it was measured: absolute times only mean something
with their machine (the README quotes them with it); and the CPU time between two readings of
`resource.getrusage`, as every benchmark takes it, and of one child process."""

import os
import platform
import resource
import subprocess


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
