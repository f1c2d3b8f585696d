"""The compiled engine: the C chains (src/modelcollapse/core/chain.c) and their Cython bindings
(_kernels.pyx); everything else is in pyproject.toml.

It links NumPy's sampler library (numpy/random/lib/libnpyrandom.a, shipped for such extensions),
so its binomial draws are those of the NumPy it is built against: that version is compiled into
the extension (`_kernels.NUMPY_VERSION`) and recorded in every result's provenance.
"""

from pathlib import Path

import numpy as np
from setuptools import Extension, setup

NUMPY_RANDOM_LIB = Path(np.get_include()).parents[1] / "random" / "lib"

setup(
    ext_modules=[
        Extension(
            "modelcollapse.core._kernels",
            sources=["src/modelcollapse/core/_kernels.pyx"],  # cythonized by setuptools
            depends=["src/modelcollapse/core/chain.c"],
            include_dirs=[np.get_include()],
            library_dirs=[str(NUMPY_RANDOM_LIB)],
            libraries=["npyrandom", "m"],
            define_macros=[("BUILT_WITH_NUMPY", f'"{np.__version__}"')],
            # floats summed in the written order, as the reference engine and earlier results
            extra_compile_args=["-O2", "-ffp-contract=off", "-std=c11"],
        ),
    ]
)
