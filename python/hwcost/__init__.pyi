from typing import List, Literal, NamedTuple, Optional, Union

import numpy as np
import numpy.typing as npt

__version__: str

ScaleRule = Literal["ocp", "floor", "ceil", "rceil", "torchao-ceil", "even", "nv", "nv-study"]
Round = Literal["rne", "away", "floor", "stochastic"]

class Encoded(NamedTuple):
    """What ``encode`` returns (unpacks as ``codes, scales, tensor_scale = encode(...)``)."""

    codes: Union[npt.NDArray[np.uint8], npt.NDArray[np.uint16]]
    """Element codes of shape (other axes..., blocks, block), uint8 for elements of up to 8
    bits and uint16 for 9 to 16 (e.g. INT12, FP16 E5M10); positions past a row's end hold
    code 0."""
    scales: npt.NDArray[np.uint8]
    """Scale codes, UE8M0 (MX), E4M3 (NV) or UE5M3, uint8 of shape (other axes..., blocks)."""
    tensor_scale: np.float32
    """The NV per-tensor FP32 scale s_t (1.0 for MX formats): the ``tensor_scale`` of
    ``hwcost quantize --json`` and the f32 of the ``--packed`` header."""

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
    shape does not allow. Warns (RuntimeWarning, the message of the CLI's warning) when
    blocks holding only finite values came out NaN or Inf (a scale, or a rotated value,
    past the range of FP32 or of its format); the result is returned all the same.
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
) -> Encoded:
    """The encoding of ``quantize(x, ...)``: element codes, scale codes and the per-tensor
    scale (see ``Encoded``), those ``hwcost quantize --codes --scales --json`` writes.

    They give ``quantize``'s values bit for bit (unrotated: with ``rotate`` the codes are
    those of the rotated blocks), by one FP32 multiplication of the element's value P by
    its block's scale: MX, P * 2^(c - 127) with INT codes in the OCP view, P = k *
    2^-(bits-2) (scale code 0xFF: NaN); NV, P * S_b with P = k for INT codes and S_b =
    float32(tensor_scale * E4M3(c)) under ``nv``, bf16(bf16(tensor_scale) * E4M3(c)) under
    ``nv-study`` (E4M3 NaN codes: NaN blocks). INT codes have no -0 (they give +0).

    Arguments, errors and the RuntimeWarning as ``quantize``; formats with elements wider
    than 16 bits (FP layouts of 17 to 19 bits) raise ValueError.
    """

def qsnr(x: npt.NDArray[np.float32], y: npt.NDArray[np.float32]) -> float:
    """QSNR of ``y`` against ``x`` in dB, -10 log10(||x - y||^2 / ||x||^2), summed in float64
    over the positions where ``x`` is finite: +inf when they are equal, -inf when ``y`` is
    not finite where ``x`` is. Shapes must match (ValueError); float32 only (TypeError).
    """

def formats() -> List[str]:
    """The format names ``quantize`` accepts: the built-ins, then the user formats of
    models/formats/ under the working directory."""
