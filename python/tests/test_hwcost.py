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
    want, wcodes, wscales, _ = run_cli(cli, tmp_path, x, fmt, flags)
    got = hwcost.quantize(x, fmt, **kw)
    assert got.dtype == np.float32 and got.shape == x.shape
    assert np.array_equal(bits(got), bits(want)), f"{fmt} {kw}: values differ (seed {seed})"
    codes, scales = hwcost.encode(x, fmt, **kw)
    assert codes.dtype == np.uint8 and scales.dtype == np.uint8
    assert codes.shape == wcodes.shape and scales.shape == wscales.shape, f"seed {seed}"
    assert np.array_equal(codes, wcodes), f"{fmt} {kw}: element codes differ (seed {seed})"
    assert np.array_equal(scales, wscales), f"{fmt} {kw}: scale codes differ (seed {seed})"
    # the same into a caller's buffer, which is returned
    out = np.full_like(x, np.nan)
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
        c1, s1 = hwcost.encode(v, "nvfp4")
        c2, s2 = hwcost.encode(np.ascontiguousarray(v), "nvfp4")
        assert np.array_equal(c1, c2) and np.array_equal(s1, s2), f"seed {seed}"


def test_input_is_not_modified_and_zero_size_works():
    seed = 41
    x = sample(seed, (16, 64))
    before = x.copy()
    hwcost.quantize(x, "nvfp4")
    hwcost.encode(x, "mxint8")
    assert np.array_equal(bits(x), bits(before))
    e = np.zeros((0, 32), np.float32)
    assert hwcost.quantize(e, "mxfp8").shape == (0, 32)
    c, s = hwcost.encode(e, "mxfp8")
    assert c.shape == (0, 1, 32) and s.shape == (0, 1)


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
