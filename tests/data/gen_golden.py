#!/usr/bin/env python3
"""Golden vectors for hwcost's quantizer, re-derived from the definitions in exact arithmetic.

Independent of the Rust code: FP32 values are (sign, Fraction) pairs rounded by an explicit
round-to-nearest-even; element grids are enumerated from each format's fields and searched
for the nearest value; log2 is evaluated with 60-digit decimals. No numpy needed.

Writes, next to this script:
  golden_quantize.json  cases: input bits, and per (scale rule, rounding) the output bits,
                        scale codes, element codes and per-tensor scale
  golden_log2.json      per exponent k, the 23-bit fraction from which floor / ceil of the
                        FP32-rounded log2 moves (see src/format/quantize/scale.rs)
  example.npy           the shipped example tensor (32 x 256 float32)

Run: python3 tests/data/gen_golden.py
"""
import decimal
import json
import math
import os
import random
import struct
from fractions import Fraction as Fr

HERE = os.path.dirname(os.path.abspath(__file__))
decimal.getcontext().prec = 60
LN2 = decimal.Decimal(2).ln()

# ---------------------------------------------------------------- FP32 in exact arithmetic
NAN = "nan"


def f32_decode(b):
    """bits -> (sign, Fraction) | ('inf', sign) | NAN"""
    s = b >> 31
    e = (b >> 23) & 0xFF
    m = b & 0x7FFFFF
    if e == 0xFF:
        return NAN if m else ("inf", s)
    if e == 0:
        return (s, Fr(m, 1 << 149))
    return (s, Fr((1 << 23) | m) * Fr(2) ** (e - 150))


def f32_round(sign, mag):
    """Round a non-negative Fraction to FP32 (RNE, subnormals, overflow to inf); bits."""
    if mag == 0:
        return sign << 31
    # exponent p with 2^p <= mag < 2^(p+1)
    p = mag.numerator.bit_length() - mag.denominator.bit_length()
    if Fr(2) ** p > mag:
        p -= 1
    q = max(p, -126) - 23  # quantum
    n = mag / Fr(2) ** q
    k = n.numerator // n.denominator
    rem = n - k
    if rem > Fr(1, 2) or (rem == Fr(1, 2) and k % 2 == 1):
        k += 1
    val = k * Fr(2) ** q
    if val >= Fr(2) ** 128:
        return (sign << 31) | 0x7F800000
    if val < Fr(2) ** -126:
        return (sign << 31) | int(val * Fr(2) ** 149)
    e = val.numerator.bit_length() - val.denominator.bit_length()
    if Fr(2) ** e > val:
        e -= 1
    m = int(val / Fr(2) ** (e - 23)) - (1 << 23)
    return (sign << 31) | ((e + 127) << 23) | m


def fr(bits):
    """Magnitude Fraction of finite bits."""
    d = f32_decode(bits)
    return d[1]


def bits_of_f(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


# ---------------------------------------------------------------- FP32 log2, rounded
def dlog2(x):
    return decimal.Decimal(x.numerator).ln() / LN2 - decimal.Decimal(x.denominator).ln() / LN2


def f32_neighbours(n):
    """The FP32 values adjacent to the integer n: (below, above), as Fractions."""
    b = bits_of_f(float(n))
    if n > 0:
        return fr(b - 1), fr(b + 1)
    if n < 0:
        return -fr(b + 1), -fr(b - 1)
    return -fr(1), fr(1)


def rounds_to_integer(L, n):
    """Does RN32(L) equal the integer n? (L never sits on a midpoint: log2 of a non-power is
    irrational; the assertion guards the 60-digit evaluation.)"""
    lo, hi = f32_neighbours(n)
    dn = decimal.Decimal(n)
    mid_lo = dn + (decimal.Decimal(lo.numerator) / decimal.Decimal(lo.denominator) - dn) / 2
    mid_hi = dn + (decimal.Decimal(hi.numerator) / decimal.Decimal(hi.denominator) - dn) / 2
    assert abs(L - mid_lo) > decimal.Decimal("1e-45") and abs(L - mid_hi) > decimal.Decimal("1e-45")
    return mid_lo < L < mid_hi


def exponent_of(x):
    p = x.numerator.bit_length() - x.denominator.bit_length()
    return p - 1 if Fr(2) ** p > x else p


def floor_fl32_log2(x):
    k = exponent_of(x)
    if x == Fr(2) ** k:
        return k
    return k + 1 if rounds_to_integer(dlog2(x), k + 1) else k


def ceil_fl32_log2(x):
    k = exponent_of(x)
    if x == Fr(2) ** k:
        return k
    return k if rounds_to_integer(dlog2(x), k) else k + 1


def log2_tables():
    floor_thr, ceil_thr = [], []
    for k in range(-149, 128):
        def first(pred):
            lo, hi = 0, 1 << 23
            while lo < hi:
                mid = (lo + hi) // 2
                if pred(mid):
                    hi = mid
                else:
                    lo = mid + 1
            return lo
        base = Fr(2) ** k
        floor_thr.append(first(lambda f: floor_fl32_log2(base * (1 + Fr(f, 1 << 23))) == k + 1) if f_ok(k) else 1 << 23)
        ceil_thr.append(max(1, first(lambda f: f > 0 and ceil_fl32_log2(base * (1 + Fr(f, 1 << 23))) == k + 1)))
    return floor_thr, ceil_thr


def f_ok(k):
    # floor can only move where k + 1 != 0 (floats are dense near 0)
    return k + 1 != 0


# ---------------------------------------------------------------- formats
FORMATS = {
    # name: (kind, exp_bits, man_bits, bias, specials, block, scale)
    "mxfp8": ("fp", 4, 3, 7, "nan_only", 32, "ue8m0"),
    "mxfp8_e5m2": ("fp", 5, 2, 15, "ieee", 32, "ue8m0"),
    "mxfp6": ("fp", 2, 3, 1, "finite", 32, "ue8m0"),
    "mxfp6_e3m2": ("fp", 3, 2, 3, "finite", 32, "ue8m0"),
    "mxfp4": ("fp", 2, 1, 1, "finite", 32, "ue8m0"),
    "mxint8": ("int", 8, 0, 0, None, 32, "ue8m0"),
    "mxint6": ("int", 6, 0, 0, None, 32, "ue8m0"),
    "mxint4": ("int", 4, 0, 0, None, 32, "ue8m0"),
    "nvfp4": ("fp", 2, 1, 1, "finite", 16, "e4m3"),
    "nvint4": ("int", 4, 0, 0, None, 16, "e4m3"),
}


class Elem:
    def __init__(self, kind, e, m, bias, specials):
        self.kind, self.e, self.m, self.bias, self.specials = kind, e, m, bias, specials
        if kind == "int":
            self.bits = e
            self.grid = [(c, Fr(c)) for c in range(0, 1 << (e - 1))]  # symmetric: no -2^(b-1)
            self.view = -(e - 2)  # OCP view exponent
            self.sub_step = Fr(1)
            self.emin_val = None
            self.nan_code = 0
        else:
            self.bits = 1 + e + m
            grid = []
            for c in range(1 << (e + m)):
                ef, mf = c >> m, c & ((1 << m) - 1)
                allones = (1 << e) - 1
                if specials == "nan_only" and ef == allones and mf == (1 << m) - 1:
                    continue
                if specials == "ieee" and ef == allones:
                    continue
                if ef == 0:
                    v = Fr(mf, 1 << m) * Fr(2) ** (1 - bias)
                else:
                    v = (1 + Fr(mf, 1 << m)) * Fr(2) ** (ef - bias)
                grid.append((c, v))
            self.grid = grid
            self.view = 0
            self.sub_step = Fr(2) ** (1 - bias - m)
            self.emin_val = Fr(2) ** (1 - bias)
            self.nan_code = {"finite": 0, "nan_only": (1 << (e + m)) - 1, "ieee": (1 << (e + m)) - 1}[specials]
        self.max = self.grid[-1][1]
        # floor(log2(max)): emax of the OCP rule, in element units
        self.emax = exponent_of(self.max)

    def round(self, t, mode, mx_quirk):
        """Round magnitude t (element units) to the grid: (code, value); saturating."""
        if t >= self.max:
            return self.grid[-1]
        if mx_quirk and t == fr(0x3EFFFFFF) * self.sub_step:
            # microxcaling's floor(fl32(x + 0.5)): 0.5 - 2^-25 units rounds up to one unit.
            return self.grid[1]
        lo = max((g for g in self.grid if g[1] <= t), key=lambda g: g[1])
        if lo[1] == t:
            return lo
        hi = min((g for g in self.grid if g[1] > t), key=lambda g: g[1])
        mid = (lo[1] + hi[1]) / 2
        if t < mid:
            return lo
        if t > mid:
            return hi
        if mode == "away":
            return hi
        return lo if lo[0] % 2 == 0 else hi


E4M3 = Elem("fp", 4, 3, 7, "nan_only")


def bf16(mag):
    """RNE of a non-negative Fraction to bfloat16 (8 significant bits, f32 exponent range)."""
    if mag == 0:
        return Fr(0)
    p = max(exponent_of(mag), -126) - 7
    n = mag / Fr(2) ** p
    k = n.numerator // n.denominator
    rem = n - k
    if rem > Fr(1, 2) or (rem == Fr(1, 2) and k % 2 == 1):
        k += 1
    return k * Fr(2) ** p


def e4m3_code(x):
    c, _ = E4M3.round(x, "rne", False)
    return c


# ---------------------------------------------------------------- the quantizer, by definition
def quantize(name, rule, mode, in_bits, row_len, block):
    kind, e, m, bias, specials, fblock, scale = FORMATS[name]
    el = Elem(kind, e, m, bias, specials)
    block = block or fblock
    n = len(in_bits)
    rows = n // row_len
    bpr = -(-row_len // block)
    vals = [f32_decode(b) for b in in_bits]
    out = [0] * n
    ecodes = [0] * (rows * bpr * block)
    scodes = []
    mask = (1 << el.bits) - 1

    def blocks():
        for r in range(rows):
            for j in range(bpr):
                lo = r * row_len + j * block
                hi = min(lo + block, (r + 1) * row_len)
                yield len(scodes), list(range(lo, hi))

    def special(idx):
        return any(vals[i] == NAN or isinstance(vals[i][0], str) for i in idx)

    def amax(idx):
        return max(vals[i][1] for i in idx)

    tensor_scale = 1.0
    if scale == "e4m3":
        sbs = [fr(f32_round(0, amax(idx) / el.max)) for _, idx in blocks() if not special(idx)]
        s_t = fr(f32_round(0, max(sbs + [Fr(0)]) / 448))
        tensor_scale = s_t
    for bi, idx in blocks():
        if special(idx):
            scodes.append(0xFF if scale == "ue8m0" else 0x7F)
            for i in idx:
                out[i] = 0x7FC00000
            for p in range(len(idx)):
                ecodes[bi * block + p] = el.nan_code
            continue
        a = amax(idx)
        if scale == "ue8m0":
            if rule == "ocp":
                fl = -126 if a == 0 else floor_fl32_log2(a)
                eo = fl - (el.emax + el.view)
                if eo > 127:
                    scodes.append(0xFF)
                    for i in idx:
                        out[i] = 0x7FC00000
                    for p in range(len(idx)):
                        ecodes[bi * block + p] = el.nan_code
                    continue
                eo = max(eo, -127)
            else:
                sb = f32_round(0, a / el.max)
                s = fr(sb) if sb != 0x7F800000 else None
                if s is None:  # amax / Qmax overflowed: log2(inf) clamps to 127
                    ee = 127
                elif s == 0:
                    ee = -127
                else:
                    ee = min(max(ceil_fl32_log2(s), -127), 127)
                eo = min(ee - el.view, 127)
            scodes.append(eo + 127)
            x_elem = Fr(2) ** (eo + el.view)
        else:
            s_b = fr(f32_round(0, a / el.max))
            if tensor_scale == 0:
                code, S = 0, Fr(0)
            else:
                code = e4m3_code(fr(f32_round(0, s_b / tensor_scale)))
                v = E4M3.grid[code][1]
                S = fr(f32_round(0, tensor_scale * v)) if rule == "nv" else bf16(bf16(tensor_scale) * v)
            scodes.append(code)
            x_elem = S
        for p, i in enumerate(idx):
            sgn, mag = vals[i]
            if scale == "e4m3" and x_elem == 0:
                out[i], ecodes[bi * block + p] = 0, 0
                continue
            if rule == "ocp":
                A = fr(f32_round(sgn, mag / Fr(2) ** eo))
                q = A * Fr(2) ** (-el.view)
            else:
                q = fr(f32_round(sgn, mag / x_elem))
            code, P = el.round(q, mode, rule == "ocp")
            if P != 0:
                neg = sgn
            elif kind == "int" and rule in ("ceil", "nv-study"):
                neg = sgn  # torch.round(x / s) keeps the sign of -0.0
            else:
                neg = sgn if q != 0 else 0  # sign(x) * ... : -0.0 only from a nonzero quotient
            out[i] = f32_round(neg, P * x_elem)
            if kind == "int":
                k = int(P)
                ecodes[bi * block + p] = (-k if neg else k) & mask
            else:
                ecodes[bi * block + p] = code | (neg << (el.bits - 1))
    ts_bits = f32_round(0, tensor_scale) if not isinstance(tensor_scale, float) else bits_of_f(tensor_scale)
    return out, scodes, ecodes, ts_bits


# ---------------------------------------------------------------- test inputs
def fb(x):
    """float -> f32 bits (x must be exactly representable or is rounded by struct)."""
    return bits_of_f(x)


def frb(sign, mag):
    return f32_round(sign, mag)


def pad_rows(blocks_vals, block):
    out = []
    for bl in blocks_vals:
        bl = list(bl)[:block]
        out.extend(bl + [0] * (block - len(bl)))
    return out


def make_cases():
    rnd = random.Random(20251029)
    cases = []
    T_STAR = fr(0x3EFFFFFF)

    for name, (kind, e, m, bias, specials, block, scale) in FORMATS.items():
        el = Elem(kind, e, m, bias, specials)
        nv = scale == "e4m3"
        rules = ["nv", "nv-study"] if nv else ["ocp", "ceil"]
        X = Fr(1, 8)  # a power of two: block values are exact element values times X
        top = el.max * X
        blocks_ = []
        # A. every element code, each block led by +max so that the scale is fixed
        pos = [v for _, v in el.grid]
        allv = [(0, v) for v in pos] + [(1, v) for v in pos if v != 0]
        per = block - 1
        for i in range(0, len(allv), per):
            chunk = allv[i:i + per]
            blocks_.append([frb(0, top)] + [frb(s, v * X) for s, v in chunk])
        # B. ties: every midpoint of adjacent grid values (and one FP32 ulp either side)
        mids = []
        for (c0, v0), (c1, v1) in zip(el.grid, el.grid[1:]):
            mb = frb(0, (v0 + v1) / 2 * X)
            mids += [mb, mb | (1 << 31), mb + 1, mb - 1]
        for i in range(0, len(mids), per):
            blocks_.append([frb(0, top)] + mids[i:i + per])
        # C. saturation: values above max (the block max itself too)
        sat = [el.max * X * Fr(f) for f in (Fr(1) + Fr(1, 1 << 20), Fr(33, 32), Fr(17, 16), Fr(3, 2), Fr(199, 100), Fr(2) - Fr(1, 1 << 22))]
        blocks_.append([frb(0, s) for s in sat] + [frb(1, s) for s in sat] + [frb(0, X)])
        # G. ocp vs ceil: amax = 1.9 * 2^k * max clips under ocp but not under ceil
        g = [frb(0, Fr(19, 10) * top)] + [frb(rnd.randrange(2), Fr(rnd.randrange(1, 1 << 20), 1 << 20) * 2 * top) for _ in range(block - 1)]
        blocks_.append(g)
        # H. microxcaling's floor(x + 0.5) artefact: 0.5 - 2^-25 grid units
        blocks_.append([frb(0, top), frb(0, T_STAR * el.sub_step * X), frb(1, T_STAR * el.sub_step * X), frb(0, (T_STAR + 1) * el.sub_step * X)])
        # I. Gaussian blocks with a few outliers
        for _ in range(4):
            s = 2.0 ** rnd.randrange(-20, 20)
            blocks_.append([fb(rnd.gauss(0, 1) * s * (30 if rnd.random() < 0.05 else 1)) for _ in range(block)])
        cases.append(dict(name=f"{name}-grid", format=name, block=None, row_len=block, rules=rules, data=pad_rows(blocks_, block)))

        # Extremes get their own tensor (for NV, its per-tensor scale is theirs alone).
        blocks_ = []
        # D. zero, negative-zero, NaN, Inf, -Inf blocks
        blocks_.append([0] * block)
        blocks_.append([1 << 31] * block)
        blocks_.append([fb(1.0), 0x7FC00000, fb(-2.0)])
        blocks_.append([fb(1.0), 0x7F800000, fb(-2.0)])
        blocks_.append([0xFF800000, fb(3.0)])
        # E. UE8M0 / scale extremes: tiny and huge block maxima
        for amax in [fb(3.4028234663852886e38), 0x7F7FFFF0, 0x7F000000, 0x7E800001, 0x00000001, 0x00000003, 0x00400000,
                     0x00800000, 0x01000000, 0x03800000, 0x04000001, 0x0C7FFFFF, 0x06000000]:
            a = fr(amax)
            blocks_.append([amax, frb(1, a / 2), frb(0, a / 3), frb(1, a / 7), frb(0, a / 64), frb(0, a / 1000), 1 << 31, 0x00000001])
        # FP32-log2 boundaries: amax just below 2^j (ocp) / s just above 2^j (ceil)
        for j in (3, 10, 60, -2, -7, -90, 120):
            below = frb(0, Fr(2) ** j) - 1
            blocks_.append([below, frb(0, fr(below) / 2 + fr(below) / 16), frb(1, fr(below) / 3)])
            if Fr(2) ** j * el.max >= Fr(2) ** 127:
                continue
            above = frb(0, Fr(2) ** j * el.max) + 1
            blocks_.append([above, frb(1, fr(above) / 5), frb(0, fr(above) * Fr(3, 7))])
        # F. FP32 subnormal inputs: with a normal max, and all-subnormal
        sub = [rnd.randrange(1, 1 << 23) | (rnd.randrange(2) << 31) for _ in range(block - 1)]
        blocks_.append([fb(2.0 ** -120)] + sub)
        blocks_.append(sub)
        cases.append(dict(name=f"{name}-extremes", format=name, block=None, row_len=block, rules=rules, data=pad_rows(blocks_, block)))

        # J. rows longer than a block, with a partial last block (row 40 = 32 + 8, or 16 + 16 + 8)
        row_len = 40
        data = []
        for r in range(6):
            s = 2.0 ** rnd.randrange(-6, 6)
            data += [fb(rnd.gauss(0, 1) * s) for _ in range(row_len)]
        cases.append(dict(name=f"{name}-ragged-rows", format=name, block=None, row_len=row_len, rules=rules, data=data))
        # K. a block-size override
        data = [fb(rnd.gauss(0, 1) * (8 if i % 13 == 0 else 1)) for i in range(48)]
        cases.append(dict(name=f"{name}-block8", format=name, block=8, row_len=24, rules=rules, data=data))

    # L. NV two-level scale: blocks spread over many binades, where bf16 rounding (nv-study)
    # and FP32 (nv) give different scales; and a block whose E4M3 scale underflows to zero.
    for name in ("nvfp4", "nvint4"):
        data = []
        for k in range(12):
            amax = 1.0 + rnd.random()
            sc = 2.0 ** (-k)
            blk = [fb(amax * sc)] + [fb(rnd.uniform(-amax, amax) * sc) for _ in range(15)]
            data += blk
        data += [fb(1e-7)] + [fb(-3e-8)] * 15  # s_b / s_t far below E4M3's 2^-9
        cases.append(dict(name=f"{name}-two-level", format=name, block=None, row_len=16 * 13, rules=["nv", "nv-study"], data=data))
        cases.append(dict(name=f"{name}-all-zero", format=name, block=None, row_len=32, rules=["nv", "nv-study"], data=[0] * 16 + [1 << 31] * 16))
    return cases


def hexs(words, width):
    return "".join(format(w, f"0{width}x") for w in words)


def write_npy(path, rows, cols, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%df" % len(values), *values))


def main():
    cases = make_cases()
    out = []
    for c in cases:
        results = []
        for rule in c["rules"]:
            for mode in ("rne", "away"):
                vals, sc, ec, ts = quantize(c["format"], rule, mode, c["data"], c["row_len"], c["block"])
                results.append(dict(rule=rule, round=mode, values=hexs(vals, 8), scale_codes=hexs(sc, 2), elem_codes=hexs(ec, 2), tensor_scale=format(ts, "08x")))
        out.append(dict(name=c["name"], format=c["format"], block=c["block"], row_len=c["row_len"], input=hexs(c["data"], 8), results=results))
    with open(os.path.join(HERE, "golden_quantize.json"), "w") as f:
        json.dump({"generator": "tests/data/gen_golden.py", "cases": out}, f, indent=0)
    floor_thr, ceil_thr = log2_tables()
    with open(os.path.join(HERE, "golden_log2.json"), "w") as f:
        json.dump({"k_min": -149, "floor_thr": floor_thr, "ceil_thr": ceil_thr}, f)
    # The shipped example: 32 rows of 256, Gaussian with a few outlier channels.
    rnd = random.Random(7)
    outliers = {5: 40.0, 77: -25.0, 190: 60.0}
    ex = [rnd.gauss(0, 1) * outliers.get(c, 1.0) for r in range(32) for c in range(256)]
    write_npy(os.path.join(HERE, "example.npy"), 32, 256, ex)
    print(f"{len(out)} cases, {sum(len(c['results']) for c in out)} results")


if __name__ == "__main__":
    main()
