"""Imports a brief kernel needs, loaded once in the kernel zygote (see kernels.py). No side effects."""

import ipykernel.kernelapp  # noqa: F401
import IPython  # noqa: F401
import matplotlib.backends.backend_agg  # noqa: F401
import matplotlib.figure  # noqa: F401
import pandas  # noqa: F401
import pyarrow.parquet  # noqa: F401

import analysis.reference.units  # noqa: F401
import analysis.report.figures  # noqa: F401
import analysis.report.narrative  # noqa: F401
import analysis.report.provenance  # noqa: F401
import analysis.report.tables  # noqa: F401
