"""The compiled engine (src/modelcollapse/core/_kernels.c) and the special functions of the closed
forms (_special.c); everything else is in pyproject.toml.

It links NumPy's sampler library (numpy/random/lib/libnpyrandom.a, shipped for such extensions),
so its binomial draws are NumPy's own.
"""

from pathlib import Path

import numpy as np
from setuptools import Extension, setup

NUMPY_RANDOM_LIB = Path(np.get_include()).parents[1] / "random" / "lib"

setup(
    ext_modules=[
        Extension(
            "modelcollapse.core._kernels",
            sources=["src/modelcollapse/core/_kernels.c"],
            include_dirs=[np.get_include()],
            library_dirs=[str(NUMPY_RANDOM_LIB)],
            libraries=["npyrandom", "m"],
            # floats summed in the written order, as the reference engine and earlier results
            extra_compile_args=["-O2", "-ffp-contract=off", "-std=c11"],
        ),
        Extension(
            "modelcollapse.core._special",
            sources=["src/modelcollapse/core/_special.c"],
            include_dirs=[np.get_include()],
            libraries=["m"],
            extra_compile_args=["-O2", "-std=c11"],
        ),
    ]
)
