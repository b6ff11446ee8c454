"""The Python package against the `hwcost quantize` command line, bit for bit.

Every random input is seeded; a failing case names its seed in the assertion message.
The CLI binary is target/release/hwcost of this repository (HWCOST_BIN overrides it); it is
built with cargo when missing.
"""

import json
import math
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import hwcost

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli():
    env_bin = os.environ.get("HWCOST_BIN")
    if env_bin:
        return env_bin
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    exe = target / "release" / "hwcost"
    if not exe.exists():
        subprocess.run(
            ["cargo", "build", "--release", "--locked", "--bin", "hwcost"],
            cwd=ROOT,
            check=True,
        )
    return str(exe)


def bits(a):
    """Bit patterns of a float32 array (NaN payloads and signed zeros included)."""
    a = np.ascontiguousarray(a)
    assert a.dtype == np.float32
    return a.view(np.uint32)


def sample(seed, shape, specials=True):
    """Seeded normal data with a spread of magnitudes, and (optionally) NaN, +-Inf, -0.0,
    zeros, subnormals and huge values at seeded positions."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    x *= np.exp2(rng.integers(-12, 12, size=shape)).astype(np.float32)
    if specials:
        flat = x.reshape(-1)
        n = flat.size
        for v in [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-40, -3e38, 3e38]:
            flat[rng.integers(0, n, size=max(1, n // 500))] = v
    return x


def run_cli(cli, tmp_path, x, fmt, args, codes=True):
    inp = tmp_path / "in.npy"
    np.save(inp, x)
    out, cod, sca = tmp_path / "out.npy", tmp_path / "codes.npy", tmp_path / "scales.npy"
    cmd = [cli, "quantize", fmt, str(inp), "-o", str(out), "--json", *args]
    if codes:
        cmd += ["--codes", str(cod), "--scales", str(sca)]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{cmd}: {r.stderr}"
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    if codes:
        return np.load(out), np.load(cod), np.load(sca), rep
    return np.load(out), None, None, rep


# (format, shape, Python keyword arguments, CLI flags, seed)
CASES = [
    ("mxfp8", (64, 96), {}, [], 1),
    ("mxint8", (3, 50, 40), {"axis": 0}, ["--axis", "0"], 2),
    ("mxfp4", (4, 8, 64), {"axis": 1, "round": "stochastic", "seed": 7},
     ["--axis", "1", "--round", "stochastic", "--seed", "7"], 3),
    ("nvfp4", (16, 256), {}, [], 4),
    ("nvfp4", (8, 128), {"rotate": "hadamard", "seed": 3}, ["--rotate", "hadamard", "--seed", "3"], 5),
    ("mxfp8", (6, 4, 64), {"axis": -2, "rotate": "hadamard", "block": 4},
     ["--axis", "-2", "--rotate", "hadamard", "--block", "4"], 6),
    ("nvint4", (5, 33), {"axis": 0, "scale_rule": "nv"}, ["--axis", "0", "--scale-rule", "nv"], 7),
    ("mxint4", (7, 45), {"block": 8, "round": "away", "scale_rule": "ocp"},
     ["--block", "8", "--round", "away", "--scale-rule", "ocp"], 8),
    ("mxfp6_e3m2", (300,), {"scale_rule": "even", "round": "floor"},
     ["--scale-rule", "even", "--round", "floor"], 9),
    # rows longer than one in-memory piece (2^18 elements): split inside a row
    ("mxint8", (2, 300_032), {}, [], 10),
    ("nvfp4", (1, 600_000), {"round": "stochastic", "seed": 11}, ["--round", "stochastic", "--seed", "11"], 11),
]


@pytest.mark.parametrize("fmt,shape,kw,flags,seed", CASES, ids=[f"{c[0]}-{c[4]}" for c in CASES])
def test_quantize_and_encode_match_the_cli_bit_for_bit(cli, tmp_path, fmt, shape, kw, flags, seed):
    x = sample(seed, shape)
    want, wcodes, wscales, rep = run_cli(cli, tmp_path, x, fmt, flags)
    # a RuntimeWarning exactly when the CLI counts blocks made non-finite
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        got = hwcost.quantize(x, fmt, **kw)
        codes, scales, ts = hwcost.encode(x, fmt, **kw)
    made = rep["blocks_made_nonfinite"]
    assert [str(w.message).split(" of ")[0] for w in said] == ([str(made)] * 2 if made else []), (
        f"{fmt} {kw}: {[str(w.message) for w in said]} (seed {seed})")
    assert got.dtype == np.float32 and got.shape == x.shape
    assert np.array_equal(bits(got), bits(want)), f"{fmt} {kw}: values differ (seed {seed})"
    assert np.float32(rep["tensor_scale"]).view(np.uint32) == ts.view(np.uint32), f"seed {seed}"
    assert codes.dtype == np.uint8 and scales.dtype == np.uint8
    assert codes.shape == wcodes.shape and scales.shape == wscales.shape, f"seed {seed}"
    assert np.array_equal(codes, wcodes), f"{fmt} {kw}: element codes differ (seed {seed})"
    assert np.array_equal(scales, wscales), f"{fmt} {kw}: scale codes differ (seed {seed})"
    # the same into a caller's buffer, which is returned
    out = np.full_like(x, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = hwcost.quantize(x, fmt, out=out, **kw)
    assert r is out
    assert np.array_equal(bits(out), bits(want)), f"{fmt} {kw} out=: values differ (seed {seed})"


def test_the_cli_chunking_does_not_change_what_python_matches(cli, tmp_path):
    seed = 21
    x = sample(seed, (3, 40, 96))
    want, _, _, _ = run_cli(cli, tmp_path, x, "nvfp4", ["--axis", "1", "--chunk-mib", "1"], codes=False)
    got = hwcost.quantize(x, "nvfp4", axis=1)
    assert np.array_equal(bits(got), bits(want)), f"seed {seed}"


def test_non_contiguous_input_is_quantized_as_its_copy():
    seed = 31
    x = sample(seed, (32, 128))
    views = [x[:, ::2], x.T, x[::3], np.asfortranarray(x)]
    for v in views:
        assert np.array_equal(bits(hwcost.quantize(v, "mxfp8")),
                              bits(hwcost.quantize(np.ascontiguousarray(v), "mxfp8"))), f"seed {seed}"
        c1, s1, t1 = hwcost.encode(v, "nvfp4")
        c2, s2, t2 = hwcost.encode(np.ascontiguousarray(v), "nvfp4")
        assert np.array_equal(c1, c2) and np.array_equal(s1, s2), f"seed {seed}"
        assert t1.view(np.uint32) == t2.view(np.uint32), f"seed {seed}"


def test_input_is_not_modified_and_zero_size_works():
    seed = 41
    x = sample(seed, (16, 64))
    before = x.copy()
    hwcost.quantize(x, "nvfp4")
    hwcost.encode(x, "mxint8")
    assert np.array_equal(bits(x), bits(before))
    e = np.zeros((0, 32), np.float32)
    assert hwcost.quantize(e, "mxfp8").shape == (0, 32)
    c, s, t = hwcost.encode(e, "mxfp8")
    assert c.shape == (0, 1, 32) and s.shape == (0, 1) and t == np.float32(1.0)


def test_qsnr_matches_the_cli_and_its_definition(cli, tmp_path):
    seed = 51
    x = sample(seed, (8, 64), specials=False)
    y, _, _, rep = run_cli(cli, tmp_path, x, "mxint4", [], codes=False)
    assert hwcost.qsnr(x, y) == rep["qsnr_db"], f"seed {seed}"
    sig = err = 0.0
    for a, b in zip(x.reshape(-1).tolist(), y.reshape(-1).tolist()):
        sig += a * a
        err += (a - b) * (a - b)
    assert hwcost.qsnr(x, y) == -10.0 * math.log10(err / sig), f"seed {seed}"
    assert hwcost.qsnr(x, x) == math.inf
    bad = x.copy()
    bad[0, 0] = np.nan
    assert hwcost.qsnr(x, bad) == -math.inf
    # non-finite x positions are left out
    assert hwcost.qsnr(np.array([np.inf, 1.0], np.float32), np.array([0.0, 1.0], np.float32)) == math.inf


def test_formats_lists_what_the_cli_lists(cli):
    r = subprocess.run([cli, "formats", "--json"], cwd=ROOT, capture_output=True, text=True, check=True)
    want = [f["name"] for f in json.loads(r.stdout)]
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        assert hwcost.formats() == want
    finally:
        os.chdir(cwd)
    for name in ["mxfp8", "mxint8", "mxfp4", "nvfp4"]:
        assert name in hwcost.formats()


@pytest.mark.parametrize(
    "call,exc,words",
    [
        (lambda x: hwcost.quantize(x, "mxfp9"), ValueError, "did you mean mxfp4, mxfp6, mxfp8"),
        (lambda x: hwcost.encode(x, "nvfp5"), ValueError, "unknown format 'nvfp5'"),
        (lambda x: hwcost.quantize(x.astype(np.float64), "mxfp8"), TypeError, "float32"),
        (lambda x: hwcost.quantize(x.astype(np.float16), "mxfp8"), TypeError, "astype"),
        (lambda x: hwcost.quantize(x.astype(">f4"), "mxfp8"), TypeError, "byte order"),
        (lambda x: hwcost.quantize(x.tolist(), "mxfp8"), TypeError, "got list"),
        (lambda x: hwcost.quantize(x, 8), TypeError, ""),
        (lambda x: hwcost.quantize(x, "mxfp8", axis=2), ValueError, "axis 2 is out of range"),
        (lambda x: hwcost.quantize(x, "mxfp8", axis=-3), ValueError, "out of range"),
        (lambda x: hwcost.quantize(x[0, 0, ...], "mxfp8"), ValueError, "rank 0"),
        (lambda x: hwcost.quantize(x, "mxfp8", block=0), ValueError, "block size must be 1..=1024"),
        (lambda x: hwcost.quantize(x, "mxfp8", block=4096), ValueError, "block size"),
        (lambda x: hwcost.quantize(x, "mxfp8", scale_rule="nv"), ValueError, "does not fit"),
        (lambda x: hwcost.quantize(x, "mxfp8", scale_rule="bogus"), ValueError, "unknown scale_rule"),
        (lambda x: hwcost.quantize(x, "mxfp8", round="up"), ValueError, "unknown round"),
        (lambda x: hwcost.quantize(x, "mxfp8", rotate="givens"), ValueError, "unknown rotate"),
        (lambda x: hwcost.quantize(x, "mxfp8", rotate="hadamard", block=24), ValueError, "power-of-two"),
        (lambda x: hwcost.quantize(x[:, :40], "mxfp8", rotate="hadamard"), ValueError, "multiple of the block"),
        (lambda x: hwcost.quantize(x, "mxfp8", seed=-1), ValueError, "seed"),
        (lambda x: hwcost.quantize(x, "mxfp8", out=x), ValueError, "shares memory"),
        (lambda x: hwcost.quantize(x, "mxfp8", out=np.empty((4, 65), np.float32)), ValueError, "shape"),
        (lambda x: hwcost.quantize(x, "mxfp8", out=np.empty((4, 64), np.float64)), TypeError, "float32"),
        (lambda x: hwcost.quantize(x, "mxfp8", out=np.empty((64, 4), np.float32).T), ValueError, "C-contiguous"),
        (lambda x: hwcost.qsnr(x, x[:2]), ValueError, "shape"),
        (lambda x: hwcost.qsnr(x, x.astype(np.float64)), TypeError, "float32"),
    ],
)
def test_bad_input_raises_a_clear_python_exception(call, exc, words):
    x = sample(61, (4, 64), specials=False)
    with pytest.raises(exc) as e:
        call(x)
    assert words in str(e.value)


def test_read_only_out_is_refused():
    x = sample(62, (4, 64), specials=False)
    out = np.empty_like(x)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        hwcost.quantize(x, "mxfp8", out=out)


def test_the_gil_is_released_while_quantizing():
    """A Python thread records timestamps while the main thread quantizes a large tensor.
    Were the GIL held through the call, no timestamp could fall in the middle of it (the
    thread could only run before the call starts or after it returns, at most a switch
    interval each); released, the thread keeps running throughout."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        n = 1 << 22
        while True:
            x = sample(71, (n // 4096, 4096), specials=False)
            stamps = []
            stop = threading.Event()

            def tick():
                while not stop.is_set():
                    stamps.append(time.perf_counter())

            t = threading.Thread(target=tick)
            t.start()
            time.sleep(0.01)
            t0 = time.perf_counter()
            hwcost.quantize(x, "nvfp4", rotate="hadamard")
            t1 = time.perf_counter()
            stop.set()
            t.join()
            if t1 - t0 >= 0.05 or n >= 1 << 26:
                break
            n *= 4  # too fast a machine for a clear middle: a larger tensor
        assert t1 - t0 >= 0.05, f"the call took {t1 - t0:.3f} s, too short to tell"
        lo, hi = t0 + (t1 - t0) / 3, t1 - (t1 - t0) / 3
        inside = sum(lo < s < hi for s in stamps)
        assert inside > 0, f"no Python thread ran during the middle third of a {t1 - t0:.3f} s call"
    finally:
        sys.setswitchinterval(old)


def test_torch_tensors_through_numpy(cli, tmp_path):
    try:
        import torch
    except ImportError:
        print("SKIP: torch is not installed (pip install torch); torch tensors not tested")
        pytest.skip("torch is not installed")
    seed = 81
    x = sample(seed, (16, 64))
    t = torch.from_numpy(x.copy())
    want, _, _, _ = run_cli(cli, tmp_path, x, "mxfp8", [], codes=False)
    got = hwcost.quantize(t.numpy(), "mxfp8")
    assert np.array_equal(bits(got), bits(want)), f"seed {seed}"
    assert np.array_equal(bits(torch.from_numpy(got).numpy()), bits(want))
    with pytest.raises(TypeError, match="numpy"):
        hwcost.quantize(t, "mxfp8")


def fp_values(codes, ebits, mbits, bias, nan_code_all_ones=False):
    """The float64 values of FP element codes (sign, exponent, mantissa), subnormals
    included; with nan_code_all_ones, S.1..1.1..1 is NaN (OCP E4M3)."""
    c = codes.astype(np.int64)
    sign = np.where((c >> (ebits + mbits)) & 1, -1.0, 1.0)
    e = (c >> mbits) & ((1 << ebits) - 1)
    m = c & ((1 << mbits) - 1)
    mag = np.where(
        e == 0,
        m / 2.0**mbits * 2.0 ** (1 - bias),
        (1 + m / 2.0**mbits) * np.exp2((e - bias).astype(np.float64)),
    )
    v = sign * mag
    if nan_code_all_ones:
        v = np.where((e == (1 << ebits) - 1) & (m == (1 << mbits) - 1), np.nan, v)
    return v


def int_values(codes, nbits, ocp_view):
    """The values of two's complement INT codes: k, or k * 2^-(nbits-2) in the OCP view."""
    k = codes.astype(np.int64)
    k = np.where(k >= 1 << (nbits - 1), k - (1 << nbits), k)
    return k * 2.0 ** -(nbits - 2) if ocp_view else k * 1.0


def bf16_rne(x):
    """float32 to the nearest bfloat16 (ties to even), kept as float32; NaN stays NaN."""
    b = np.ascontiguousarray(x, np.float32).view(np.uint32).astype(np.uint64)
    r = ((b + 0x7FFF + ((b >> 16) & 1)) & 0xFFFF0000).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), np.float32(np.nan), r).astype(np.float32)


# element codes -> float64 values, and the scale format, of the formats decoded below
ELEMENTS = {
    "nvfp4": (lambda c: fp_values(c, 2, 1, 1), "e4m3"),
    "nvint4": (lambda c: int_values(c, 4, ocp_view=False), "e4m3"),
    "mxfp8": (lambda c: fp_values(c, 4, 3, 7, nan_code_all_ones=True), "ue8m0"),
    "mxint8": (lambda c: int_values(c, 8, ocp_view=True), "ue8m0"),
}


def decode(fmt, enc, rule, shape, axis):
    """quantize's values from encode's codes, block scales and tensor scale: one float32
    product per element (the formula of hwcost.encode's documentation)."""
    elem, scale_fmt = ELEMENTS[fmt]
    p = elem(enc.codes).astype(np.float32)  # exact: few bits
    c = enc.scales
    if scale_fmt == "ue8m0":
        s = np.exp2(c.astype(np.float64) - 127).astype(np.float32)  # exact: 2^-127..2^127
        s = np.where(c == 0xFF, np.float32(np.nan), s)
    else:
        e = fp_values(c, 4, 3, 7, nan_code_all_ones=True).astype(np.float32)
        ts = np.float32(enc.tensor_scale)
        s = bf16_rne(bf16_rne(ts) * e) if rule == "nv-study" else (ts * e).astype(np.float32)
    v = (p * s[..., None]).astype(np.float32)
    a = shape[axis]
    v = v.reshape(*v.shape[:-2], -1)[..., :a]
    return np.moveaxis(v, -1, axis)


# (format, shape, keyword arguments, CLI flags, seed)
DECODE_CASES = [
    ("nvfp4", (16, 256), {}, [], 101),
    ("nvfp4", (16, 256), {"scale_rule": "nv"}, ["--scale-rule", "nv"], 102),
    ("nvfp4", (40, 7), {"axis": 0, "round": "stochastic", "seed": 5},
     ["--axis", "0", "--round", "stochastic", "--seed", "5"], 103),
    ("nvfp4", (3, 20, 48), {"axis": 1, "block": 8}, ["--axis", "1", "--block", "8"], 104),
    ("nvint4", (12, 96), {}, [], 105),
    ("nvint4", (5, 33), {"scale_rule": "nv"}, ["--scale-rule", "nv"], 106),
    ("mxfp8", (6, 70), {}, [], 107),
    ("mxint8", (9, 64), {"scale_rule": "ocp"}, ["--scale-rule", "ocp"], 108),
]


@pytest.mark.parametrize("fmt,shape,kw,flags,seed", DECODE_CASES,
                         ids=[f"{c[0]}-{c[4]}" for c in DECODE_CASES])
def test_codes_times_block_scales_times_tensor_scale_are_quantize_bit_for_bit(
        cli, tmp_path, fmt, shape, kw, flags, seed):
    # (not rotated: the codes of a rotated tensor are in the rotated basis)
    x = sample(seed, shape, specials=False)
    x.reshape(-1)[::37] = 0.0
    want = hwcost.quantize(x, fmt, **kw)
    enc = hwcost.encode(x, fmt, **kw)
    assert isinstance(enc, hwcost.Encoded)
    codes, scales, ts = enc  # unpacks as a triple
    assert codes is enc.codes and scales is enc.scales
    assert isinstance(ts, np.float32)
    rule = kw.get("scale_rule") or ("nv-study" if fmt.startswith("nv") else "ceil")
    if fmt.startswith("nv"):
        # a tensor scale that matters: not 1, not a power of two
        m, _ = math.frexp(float(ts))
        assert m != 0.5, f"{fmt}: tensor scale {ts} (seed {seed})"
    else:
        assert ts == np.float32(1.0), f"{fmt}: MX tensor scale {ts} (seed {seed})"
    got = decode(fmt, enc, rule, shape, kw.get("axis", -1))
    if "int" in fmt:
        # INT codes have no -0: they decode to +0 where quantize gives -0
        want = np.where(want == 0, np.float32(0.0), want).astype(np.float32)
    assert got.dtype == np.float32 and got.shape == x.shape
    assert np.array_equal(bits(got), bits(want)), f"{fmt} {kw}: decoded values differ (seed {seed})"
    # the tensor scale is the CLI's (its --json line), bit for bit
    _, wcodes, wscales, rep = run_cli(cli, tmp_path, x, fmt, flags)
    assert np.float32(rep["tensor_scale"]).view(np.uint32) == ts.view(np.uint32), f"seed {seed}"
    assert np.array_equal(codes, wcodes) and np.array_equal(scales, wscales), f"seed {seed}"


def nonfinite_inputs():
    """Tensors with blocks of finite values that come out NaN or Inf (as tests/bad_input.rs
    makes them), with the quantize arguments and CLI flags that do it."""
    small = ((np.arange(32, dtype=np.float32) - 15.5) / 8).astype(np.float32)
    fmax = np.float32(np.finfo(np.float32).max)
    big_row = np.stack([np.full(32, 1e38, np.float32), small])
    cols = np.stack([np.full(32, fmax, np.float32), small], axis=1)
    rows = np.stack([np.full(32, fmax, np.float32) if r % 3 == 0 else small for r in range(8)])
    return [
        ("mxint8", big_row, {"rotate": "hadamard"}, ["--rotate", "hadamard"], 1),
        ("mxfp8", np.full((1, 32), fmax, np.float32), {"scale_rule": "ocp"}, ["--scale-rule", "ocp"], 1),
        ("mxint8", cols, {"axis": 0, "scale_rule": "ocp"}, ["--axis", "0", "--scale-rule", "ocp"], 1),
        ("mxfp8", rows, {"scale_rule": "ocp"}, ["--scale-rule", "ocp"], 3),
    ]


@pytest.mark.parametrize("case", range(4))
def test_blocks_made_nonfinite_raise_the_clis_warning(cli, tmp_path, case):
    fmt, x, kw, flags, made = nonfinite_inputs()[case]
    _, _, _, rep = run_cli(cli, tmp_path, x, fmt, flags, codes=False)
    assert rep["blocks_made_nonfinite"] == made
    r = subprocess.run([cli, "quantize", fmt, str(tmp_path / "in.npy"), "-o", str(tmp_path / "o.npy"), *flags],
                       cwd=ROOT, capture_output=True, text=True, check=True)
    said = [l for l in r.stderr.splitlines() if l.startswith("warning: ")]
    assert len(said) == 1, r.stderr
    message = said[0][len("warning: "):]
    assert message.startswith(f"{made} of {rep['blocks']} blocks held only finite values")
    for call in (hwcost.quantize, hwcost.encode):
        with pytest.warns(RuntimeWarning) as record:
            call(x, fmt, **kw)
        assert [str(w.message) for w in record] == [message], call.__name__
        # pointing at the caller's line, not at the package
        assert record[0].filename == __file__, (call.__name__, record[0].filename)


def test_no_warning_without_blocks_made_nonfinite():
    x = sample(111, (8, 64))  # NaN and Inf inputs come out NaN: expected, not warned of
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for fmt in ["mxfp8", "mxint8", "nvfp4"]:
            hwcost.quantize(x, fmt)
            hwcost.encode(x, fmt)


WIDE_FORMATS = {
    # name: (TOML, element codes -> float64 values)
    "int12_b32": (
        'name = "int12_b32"\nblock = 32\nscale = "ue8m0"\n[element]\nkind = "int"\nbits = 12\n',
        lambda c: int_values(c, 12, ocp_view=True),
    ),
    "fp16_b32": (
        'name = "fp16_b32"\nblock = 32\nscale = "ue8m0"\n[element]\nkind = "fp"\nexp_bits = 5\n'
        'man_bits = 10\nbias = 15\nspecials = "ieee"\n',
        lambda c: fp_values(c, 5, 10, 15),
    ),
}


@pytest.mark.parametrize("fmt", sorted(WIDE_FORMATS))
def test_wide_elements_encode_to_uint16_codes_like_the_cli(cli, tmp_path, monkeypatch, fmt):
    # a user format file where both the package and the CLI look: models/formats in the cwd
    seed = 111
    toml, values = WIDE_FORMATS[fmt]
    (tmp_path / "models" / "formats").mkdir(parents=True)
    (tmp_path / "models" / "formats" / f"{fmt}.toml").write_text(toml)
    monkeypatch.chdir(tmp_path)
    x = sample(seed, (6, 96), specials=False)
    x.reshape(-1)[::29] = 0.0
    want = hwcost.quantize(x, fmt)
    codes, scales, ts = hwcost.encode(x, fmt)
    assert codes.dtype == np.uint16 and scales.dtype == np.uint8 and ts == np.float32(1.0)
    assert codes.shape == (6, 3, 32) and scales.shape == (6, 3)
    # the codes times the UE8M0 block scales are quantize's values, bit for bit
    p = values(codes).astype(np.float32)
    s = np.exp2(scales.astype(np.float64) - 127).astype(np.float32)
    got = (p * s[..., None]).astype(np.float32).reshape(6, 96)
    if "int" in fmt:
        want = np.where(want == 0, np.float32(0.0), want).astype(np.float32)
    assert np.array_equal(bits(got), bits(want)), f"{fmt}: decoded values differ (seed {seed})"
    # and they are the CLI's --codes / --scales files
    inp, cod, sca = tmp_path / "in.npy", tmp_path / "codes.npy", tmp_path / "scales.npy"
    np.save(inp, x)
    cmd = [cli, "quantize", fmt, str(inp), "-o", str(tmp_path / "out.npy"),
           "--codes", str(cod), "--scales", str(sca)]
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, f"{cmd}: {r.stderr}"
    wcodes = np.load(cod)
    assert wcodes.dtype == np.uint16 and np.array_equal(codes, wcodes), f"{fmt} (seed {seed})"
    assert np.array_equal(scales, np.load(sca)), f"{fmt} (seed {seed})"


def test_codes_wider_than_16_bits_are_refused(tmp_path, monkeypatch):
    (tmp_path / "models" / "formats").mkdir(parents=True)
    (tmp_path / "models" / "formats" / "e7m10.toml").write_text(
        'name = "e7m10"\nblock = 32\nscale = "ue8m0"\n[element]\nkind = "fp"\nexp_bits = 7\n'
        'man_bits = 10\nbias = 63\nspecials = "ieee"\n')
    monkeypatch.chdir(tmp_path)
    x = sample(112, (2, 64), specials=False)
    assert hwcost.quantize(x, "e7m10").shape == x.shape  # values need no codes
    with pytest.raises(ValueError, match="18-bit element codes are wider than the 16 bits"):
        hwcost.encode(x, "e7m10")


def test_a_format_without_a_scale_quantizes_each_element_like_the_cli(cli, tmp_path, monkeypatch):
    # scale = "none": every block at 2^0, so the codes alone are the values
    seed = 113
    (tmp_path / "models" / "formats").mkdir(parents=True)
    (tmp_path / "models" / "formats" / "e4m3_plain.toml").write_text(
        'name = "e4m3_plain"\nblock = 32\nscale = "none"\n[element]\nkind = "fp"\nexp_bits = 4\n'
        'man_bits = 3\nbias = 7\nspecials = "nan_only"\n')
    monkeypatch.chdir(tmp_path)
    x = sample(seed, (5, 64), specials=False) * np.float32(64.0)
    want = hwcost.quantize(x, "e4m3_plain")
    codes, scales, ts = hwcost.encode(x, "e4m3_plain")
    assert np.all(scales == 127) and ts == np.float32(1.0)
    assert codes.shape == (5, 2, 32) and scales.shape == (5, 2)
    got = fp_values(codes, 4, 3, 7, nan_code_all_ones=True).astype(np.float32).reshape(x.shape)
    assert np.array_equal(got, want), f"decoded values differ (seed {seed})"
    assert np.abs(want).max() <= 448.0
    inp, out = tmp_path / "in.npy", tmp_path / "out.npy"
    np.save(inp, x)
    r = subprocess.run([cli, "quantize", "e4m3_plain", str(inp), "-o", str(out), "--json"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["scale_rule"] == "none"
    assert np.array_equal(bits(np.load(out)), bits(want)), f"CLI values differ (seed {seed})"
    x[1, 2] = np.nan
    with pytest.raises(ValueError, match="no block scale"):
        hwcost.quantize(x, "e4m3_plain")
