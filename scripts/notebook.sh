#!/usr/bin/env bash
# Execute examples/notebook.ipynb with nbclient (a real Jupyter kernel from this .venv):
# every cell must run without an error. The executed copy goes to target/notebook/ (the
# committed notebook has no outputs), with the plot extracted as events_per_type.png.
# Needs the package built into .venv first (scripts/test.sh or scripts/demo.sh do that).
source "$(dirname "$0")/env.sh"
if ! cmp -s requirements-docs.txt .venv/.requirements-docs.txt; then
  python -m pip install -q -r requirements-docs.txt
  cp requirements-docs.txt .venv/.requirements-docs.txt
fi
python -c "import helpscout._core" 2>/dev/null ||
  missing "helpscout is not built into .venv: run bash scripts/test.sh (or scripts/demo.sh) first"
export MPLBACKEND=Agg
python - <<'PY'
import base64
import json
import pathlib
import time

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

source = pathlib.Path("examples/notebook.ipynb")
out = pathlib.Path("target/notebook")
out.mkdir(parents=True, exist_ok=True)
nb = nbformat.read(source, as_version=4)
committed = [cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"]
assert all(not outputs for outputs in committed), f"{source} is committed with outputs"
assert all(cell.get("execution_count") is None for cell in nb.cells if cell.cell_type == "code")

start = time.monotonic()
# Raises CellExecutionError (with the cell and traceback) if any cell fails.
# The kernel talks over local IPC sockets (in target/notebook), never a TCP port.
kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(out / "kernel"))
try:
    NotebookClient(nb, km=kernel, timeout=120, resources={"metadata": {"path": "."}}).execute()
finally:
    if kernel.has_kernel:
        kernel.shutdown_kernel(now=False)  # stops the kernel process, removes its sockets
nbformat.write(nb, out / "notebook.ipynb")

outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
errors = [o for o in outputs if o.output_type == "error"]
assert not errors, errors
pngs = [o.data["image/png"] for o in outputs if "image/png" in o.get("data", {})]
assert len(pngs) == 1, f"expected the one events-per-type plot, got {len(pngs)} images"
(out / "events_per_type.png").write_bytes(base64.b64decode(pngs[0]))
html = [o for o in outputs if "text/html" in o.get("data", {})]
assert html, "no HTML output (record table, DataFrames)"
print(
    f"notebook: {sum(c.cell_type == 'code' for c in nb.cells)} code cells ran in "
    f"{time.monotonic() - start:.1f}s; {len(html)} HTML outputs, 1 plot -> {out}/"
)
PY
