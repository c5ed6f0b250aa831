"""Imports a brief kernel needs, loaded once in the kernel zygote (zygote.py).

No notebook code runs here and nothing holds data: a forked kernel starts from exactly this state.
"""

import ipykernel.debugger  # noqa: F401  (debugpy: 0.3 s of compiling at every kernel start otherwise)
import ipykernel.ipkernel  # noqa: F401
import ipykernel.kernelapp  # noqa: F401
import ipykernel.zmqshell  # noqa: F401
import IPython  # noqa: F401
import matplotlib.backends.backend_agg  # noqa: F401
import matplotlib.figure  # noqa: F401
import pandas  # noqa: F401
import pyarrow.dataset  # noqa: F401  (parquet filters load it lazily)
import pyarrow.parquet  # noqa: F401
from matplotlib.font_manager import findfont, get_font

import analysis.reference.units  # noqa: F401
import analysis.report.figures  # noqa: F401
import analysis.report.narrative  # noqa: F401
import analysis.report.provenance  # noqa: F401
import analysis.report.tables  # noqa: F401

get_font(findfont("DejaVu Sans"))  # font lookup cached once for every forked kernel
