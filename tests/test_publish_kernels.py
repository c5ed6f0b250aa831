"""Forked kernels are fresh: what one notebook changes is invisible to the next one."""

from __future__ import annotations

import nbformat
import papermill

from analysis.publish.kernels import ForkKernelManager


def run(source: str, tmp_path, name: str) -> str:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    executed = papermill.execute_notebook(
        nb,
        str(tmp_path / f"{name}.ipynb"),
        kernel_name="python3",
        progress_bar=False,
        kernel_manager_class=ForkKernelManager,
    )
    return "".join(o.get("text", "") for o in executed.cells[0].outputs)


def test_module_state_changed_by_one_kernel_does_not_reach_the_next(tmp_path):
    first = run(
        "import os\nfrom analysis.report import narrative\nnarrative.SMALL_CELL_THRESHOLD = 99\nleaked = 1\nprint(os.getpid())",
        tmp_path,
        "first",
    )
    second = run(
        "import os\nfrom analysis.report import narrative\nprint(narrative.SMALL_CELL_THRESHOLD, 'leaked' in globals(), os.getpid())",
        tmp_path,
        "second",
    )
    threshold, leaked, pid = second.split()
    assert threshold == "5" and leaked == "False"
    assert pid != first.strip()


def test_forked_kernel_has_the_brief_modules_already_imported(tmp_path):
    output = run(
        "import sys\nprint('pandas' in sys.modules, 'analysis.report.figures' in sys.modules)",
        tmp_path,
        "modules",
    )
    assert output.split() == ["True", "True"]
