"""hwcost: the bit-exact MX/NV block-format quantizer of the hwcost library, for NumPy arrays.

A thin binding over the Rust library: ``quantize`` returns exactly the float32 values
``hwcost quantize`` writes, ``encode`` exactly its ``--codes`` and ``--scales`` and the
per-tensor scale of its ``--json`` line (and of the ``--packed`` header). Inputs must be
float32 NumPy arrays (a torch tensor: ``t.detach().cpu().numpy()``); C-contiguous inputs
are read in place, others are copied first. The GIL is released while the work runs, on
every core. Bad arguments raise ValueError, wrong types TypeError; blocks of finite values
that come out NaN or Inf are counted in a RuntimeWarning, as the CLI warns of them.
"""

from typing import NamedTuple, Optional

import numpy as np

from . import _hwcost
from ._hwcost import __version__, formats, qsnr, quantize


class Encoded(NamedTuple):
    """What ``encode`` returns: the element codes, the scale codes (UE8M0 or E4M3) and the
    NV per-tensor FP32 scale (1.0 for MX formats)."""

    codes: np.ndarray
    scales: np.ndarray
    tensor_scale: np.float32


def encode(
    x,
    format,
    *,
    scale_rule: Optional[str] = None,
    round: str = "rne",
    block: Optional[int] = None,
    axis: int = -1,
    rotate: Optional[str] = None,
    seed: int = 0,
) -> Encoded:
    """The element codes, the scale codes and the NV per-tensor scale of ``quantize(x, ...)``
    as an ``Encoded(codes, scales, tensor_scale)`` named tuple; see the type stubs
    (hwcost/__init__.pyi)."""
    codes, scales, tensor_scale = _hwcost.encode(
        x,
        format,
        scale_rule=scale_rule,
        round=round,
        block=block,
        axis=axis,
        rotate=rotate,
        seed=seed,
    )
    # an f32 carried in a Python float: exact both ways
    return Encoded(codes, scales, np.float32(tensor_scale))

__all__ = ["quantize", "encode", "Encoded", "qsnr", "formats", "__version__"]
