#!/usr/bin/env python3
"""Golden vectors for hwcost's torchao scale rules, produced by torchao itself (CPU, eager).

For every MX element type torchao's mx_formats supports (E4M3, E5M2, E2M3, E3M2, E2M1) and
every ScaleCalculationMode it has (FLOOR, CEIL, EVEN, RCEIL), blocks of 32 values are
quantized with `to_mx` and dequantized with `to_dtype`. hwcost names the modes `floor`,
`torchao-ceil`, `even` and `rceil`; elements round to nearest even.

Left out, because hwcost deliberately differs there (see src/format/quantize.rs):
  * blocks holding an Inf: torchao gives them a finite scale, hwcost (like OCP and
    microxcaling) the NaN scale;
  * blocks whose scale code is 0 (2^-127) under any mode: torchao divides the elements by
    2^-126 there (RCEIL: multiplies by 1) but labels and dequantizes the block with 2^-127;
    hwcost uses 2^-127 throughout.
Blocks holding a NaN are kept: the scale code is 0xFF and every output NaN; their element
codes are not compared.

Writes golden_torchao.json next to this script:
  {"torch": ..., "torchao": ..., "cases": [{"format", "block", "input" (hex f32 bits),
   "results": [{"mode", "rule", "scale_codes", "elem_codes", "values"}]}]}
NaN outputs are written as 7fc00000.

Run (CPU wheels are enough): python3 -m venv /tmp/v && /tmp/v/bin/pip install torch torchao
numpy && /tmp/v/bin/python tests/data/gen_golden_torchao.py
"""
import json
import os
import random
import struct

import torch
import torchao
from torchao.prototype.mx_formats.config import ScaleCalculationMode as M
from torchao.prototype.mx_formats.constants import DTYPE_FP6_E2M3, DTYPE_FP6_E3M2
from torchao.prototype.mx_formats.kernels import unpack_uint4
from torchao.prototype.mx_formats.mx_tensor import to_dtype, to_mx

HERE = os.path.dirname(os.path.abspath(__file__))
K = 32
# hwcost name, torchao element dtype, element max, mantissa bits
FORMATS = [
    ("mxfp8", torch.float8_e4m3fn, 448.0, 3),
    ("mxfp8_e5m2", torch.float8_e5m2, 57344.0, 2),
    ("mxfp6", DTYPE_FP6_E2M3, 7.5, 3),
    ("mxfp6_e3m2", DTYPE_FP6_E3M2, 28.0, 2),
    ("mxfp4", torch.float4_e2m1fn_x2, 6.0, 1),
]
MODES = [(M.FLOOR, "floor"), (M.CEIL, "torchao-ceil"), (M.EVEN, "even"), (M.RCEIL, "rceil")]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def from_bits(b):
    return struct.unpack("<f", struct.pack("<I", b & 0xFFFFFFFF))[0]


def bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def blocks_for(emax_val, mbits, rng):
    """Edge blocks (amax near powers of two, at the element max, EVEN's rounding point,
    element midpoints, FP32 subnormals, signed zeros, NaN) and Gaussian blocks."""
    out = []

    def block(vals):
        vals = list(vals)[:K]
        vals += [0.0] * (K - len(vals))
        out.append(vals)

    def gauss(sigma):
        return [rng.gauss(0.0, 1.0) * sigma for _ in range(K)]

    for k in [-100, -20, -5, -3, 0, 2, 5, 9, 60]:
        p = 2.0 ** k
        for amax in [p, from_bits(bits(p) - 1), from_bits(bits(p) - 3), from_bits(bits(p) + 1),
                     from_bits(bits(p) + 5)]:
            g = gauss(amax / 4)
            g = [max(-amax, min(amax, v)) for v in g]
            g[rng.randrange(K)] = -amax if rng.random() < 0.5 else amax
            block(g)
    # The element max and just around it, at several scales.
    for k in [-4, 0, 3]:
        s = 2.0 ** k
        for m in [emax_val, emax_val * (1 + 2.0 ** -mbits / 2), emax_val * (1 + 2.0 ** -mbits),
                  f32(emax_val * 1.0625), emax_val * 0.999]:
            g = gauss(m * s / 5)
            g[0] = m * s
            block(g)
    # EVEN rounds amax to mbits mantissa bits (half up): just below, at and above the tie.
    for frac in [1 - 2.0 ** -(mbits + 1), 1 - 2.0 ** -(mbits + 1) - 2.0 ** -23,
                 1 - 2.0 ** -(mbits + 2), 1 + 2.0 ** -(mbits + 1), 1.5]:
        for k in [-7, 0, 4]:
            g = gauss(0.3 * 2.0 ** k)
            g[5] = (1 + frac) * 2.0 ** k if frac < 1 else frac * 2.0 ** k
            block(g)
    # Element-grid midpoints and their neighbours (ties in the element rounding).
    for k in [-2, 0, 2]:
        s = 2.0 ** k
        vals = []
        for i in range(1, K // 3 + 1):
            mid = (i + 0.5) * 2.0 ** -mbits * s
            vals += [mid, from_bits(bits(mid) + 1), -from_bits(bits(mid) - 1)]
        vals[0] = emax_val * s
        block(vals)
    # FP32 subnormals beside a normal amax, signed zeros, a tiny amax that still scales.
    block([1.0, -0.0, 0.0, from_bits(1), -from_bits(7), from_bits(0x007FFFFF)] + gauss(1e-30))
    block([2.0 ** -60, -(2.0 ** -61), -0.0] + [v * 2.0 ** -70 for v in gauss(1.0)])
    block([-0.0] * 31 + [0.75])
    # NaN in a block.
    g = gauss(1.0)
    g[7] = float("nan")
    block(g)
    # Gaussian and heavy-tailed blocks over a wide range of scales.
    for _ in range(24):
        block(gauss(2.0 ** rng.uniform(-30, 30)))
    for _ in range(8):
        g = [rng.gauss(0, 1) / max(1e-3, abs(rng.gauss(0, 1))) for _ in range(K)]
        block(g)
    return [[f32(v) for v in b] for b in out]


def run(dtype, x, mode):
    scale, lp = to_mx(x, dtype, K, scaling_mode=mode)
    vals = to_dtype(lp, scale, dtype, K, torch.float32)
    sc = scale.view(torch.uint8).reshape(-1).tolist()
    if dtype == torch.float4_e2m1fn_x2:
        ec = unpack_uint4(lp.view(torch.uint8)).reshape(-1).tolist()
    else:
        ec = lp.view(torch.uint8).reshape(-1).tolist()
    return sc, ec, vals.reshape(-1).tolist()


def main():
    rng = random.Random(0x70AC)
    cases = []
    for name, dtype, qmax, mbits in FORMATS:
        blocks = blocks_for(qmax, mbits, rng)
        # Drop the blocks left out (see the docstring), under every mode.
        keep = []
        for b in blocks:
            if any(v in (float("inf"), float("-inf")) for v in b):
                continue
            x = torch.tensor([b], dtype=torch.float32)
            if any(run(dtype, x, m)[0][0] == 0 for m, _ in MODES):
                continue
            keep.append(b)
        x = torch.tensor(keep, dtype=torch.float32)
        results = []
        for mode, rule in MODES:
            sc, ec, vals = run(dtype, x, mode)
            vb = [0x7FC00000 if v != v else bits(v) for v in vals]
            results.append({
                "mode": mode.name,
                "rule": rule,
                "scale_codes": "".join(f"{c:02x}" for c in sc),
                "elem_codes": "".join(f"{c:02x}" for c in ec),
                "values": "".join(f"{b:08x}" for b in vb),
            })
        cases.append({
            "format": name,
            "block": K,
            "input": "".join(f"{bits(v):08x}" for b in keep for v in b),
            "results": results,
        })
        print(f"{name}: {len(keep)} blocks ({len(blocks) - len(keep)} left out)")
    doc = {
        "generator": "tests/data/gen_golden_torchao.py",
        "torch": torch.__version__.split("+")[0],
        "torchao": torchao.__version__,
        "cases": cases,
    }
    with open(os.path.join(HERE, "golden_torchao.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
