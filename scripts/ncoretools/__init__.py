"""ncoretools: the Python side of ncoresim. Reads its outputs (outputs), runs the binary (runner),
draws sweeps, traces, decode sweeps and serving (plot_sweep, plot_trace, plot_decode,
plot_serve), reports per-layer bounds (bounds), compares with published figures
(validate_published) and generates the model files (gen_models). The scripts/*.py entry points
are thin wrappers over these modules.
The plotting modules load matplotlib: import them by name (`from ncoretools import plot_sweep`).
"""

from .outputs import (OutputError, feasible, flatten, read_best, read_layers, read_requests,
                      read_summary, read_sweep, read_trace, sweep_axes)
from .runner import NcoresimError, RunResult, SweepResult, inspect, run, sweep

__all__ = ["OutputError", "feasible", "flatten", "read_best", "read_layers", "read_requests",
           "read_summary", "read_sweep", "read_trace", "sweep_axes", "NcoresimError", "RunResult",
           "SweepResult", "inspect", "run", "sweep"]
