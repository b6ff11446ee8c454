"""hwcost: the bit-exact MX/NV block-format quantizer of the hwcost library, for NumPy arrays.

A thin binding over the Rust library: ``quantize`` returns exactly the float32 values
``hwcost quantize`` writes, ``encode`` exactly its ``--codes`` and ``--scales``. Inputs must
be float32 NumPy arrays (a torch tensor: ``t.detach().cpu().numpy()``); C-contiguous inputs
are read in place, others are copied first. The GIL is released while the work runs, on
every core. Bad arguments raise ValueError, wrong types TypeError.
"""

from ._hwcost import __version__, encode, formats, qsnr, quantize

__all__ = ["quantize", "encode", "qsnr", "formats", "__version__"]
