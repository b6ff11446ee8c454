from typing import List, Literal, Optional, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

ScaleRule = Literal["ocp", "floor", "ceil", "rceil", "torchao-ceil", "even", "nv", "nv-study"]
Round = Literal["rne", "away", "floor", "stochastic"]

def quantize(
    x: npt.NDArray[np.float32],
    format: str,
    *,
    scale_rule: Optional[ScaleRule] = None,
    round: Round = "rne",
    block: Optional[int] = None,
    axis: int = -1,
    rotate: Optional[Literal["hadamard"]] = None,
    seed: int = 0,
    out: Optional[npt.NDArray[np.float32]] = None,
) -> npt.NDArray[np.float32]:
    """Quantize ``x`` to the block format ``format`` (see ``formats()``) along ``axis`` and
    return the dequantized float32 values, of ``x``'s shape, bit for bit those of
    ``hwcost quantize``.

    scale_rule: default ``ceil`` for MX (UE8M0 scales), ``nv-study`` for NV (E4M3 scales).
    round: element rounding; ``stochastic`` draws from ``seed`` and the element's position.
    block: block size override (1 to 1024; default the format's, 32 for MX, 16 for NV).
    rotate: ``"hadamard"`` rotates each block by a random Hadamard (signs from ``seed``)
    before quantizing and rotates back after.
    out: a C-contiguous float32 array of ``x``'s shape, not overlapping ``x``, to write into
    (it is returned); saves allocating the result.

    Raises TypeError when ``x`` or ``out`` is not a float32 NumPy array (nothing is converted
    silently: use ``x.astype(numpy.float32)``), ValueError for an unknown format (with the
    nearest names), scale rule or rounding, a bad axis or block size, or a rotation the
    shape does not allow.
    """

def encode(
    x: npt.NDArray[np.float32],
    format: str,
    *,
    scale_rule: Optional[ScaleRule] = None,
    round: Round = "rne",
    block: Optional[int] = None,
    axis: int = -1,
    rotate: Optional[Literal["hadamard"]] = None,
    seed: int = 0,
) -> Tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """The element codes, uint8 of shape (other axes..., blocks, block), and the scale codes
    (UE8M0 or E4M3), uint8 of shape (other axes..., blocks), of ``quantize(x, ...)``: those
    ``hwcost quantize --codes --scales`` writes. Arguments and errors as ``quantize``;
    formats with elements wider than 8 bits raise ValueError.
    """

def qsnr(x: npt.NDArray[np.float32], y: npt.NDArray[np.float32]) -> float:
    """QSNR of ``y`` against ``x`` in dB, -10 log10(||x - y||^2 / ||x||^2), summed in float64
    over the positions where ``x`` is finite: +inf when they are equal, -inf when ``y`` is
    not finite where ``x`` is. Shapes must match (ValueError); float32 only (TypeError).
    """

def formats() -> List[str]:
    """The format names ``quantize`` accepts: the built-ins, then the user formats of
    models/formats/ under the working directory."""
