#!/usr/bin/env python3
"""Regenerate the cell factors of models/sky130hd.toml, models/asap7.toml and models/ihp-sg13g2.toml.

Standard library only; reads only the Liberty files vendored under models/pdk/.  Run from
any directory:

    python3 models/derive_tech.py [--check]

--check compares the generated text with the committed files and exits 1 on any
difference (so a reviewer can confirm the numbers are reproducible).

Method (IHP SG13G2, from its Liberty, typ 1.20 V 25 C): the same as for sky130 below, at the
same slew and with the load from this library's own input pins.  SG13G2 has no full- or
half-adder cell, so fa and ha are the cells a synthesis maps them onto, summed:
  fa = 2 x xor2_1 (sum) + and2_1 + a21o_1 (carry = a&b | ci&(a^b)),  ha = xor2_1 + and2_1;
their energy_fj is the sum of the parts' toggle energies (every part toggles once).

Method (sky130, from the Liberty):
  area_um2   = the cell's `area` attribute.
  energy_fj  = energy of one toggle of the cell, i.e. every output pin makes one
               transition caused by one input transition:
                 sum over output pins o of
                   mean over o's internal_power groups (one per related input pin) of
                     (rise_power + fall_power) / 2, bilinearly interpolated at
                     (SLEW_NS, LOAD_PF)
                   + 0.5 * LOAD_PF * VDD^2          (switching of the output load)
                 + mean over input pins that carry an internal_power table of
                     (rise_power + fall_power) / 2 at SLEW_NS   (0 if none do)
               Liberty energies are in pJ (1 V x 1 pF); the file stores fJ.
  LOAD_PF    = FANOUT x the mean `capacitance` of the input pins of the six
               logic cells (FA, HA, XOR, AND, OR, MUX): a net of the datapath
               drives about two cell inputs and, before placement, no wire.
  SLEW_NS    = 0.05313293 ns, the third point of every table's input-transition
               index (the same in all cells used), a typical slew for such loads.
  DFF        : energy_fj is one Q transition (CLK->Q internal + load switching);
               clock_energy_fj is the CLK pin's internal energy per clock cycle
               (rise + fall), measured by gate-level simulation as 40.7 fJ for dfxtp_1.

Method (ASAP7, 7 nm predictive PDK, RVT, TT, 0.7 V):
  area_um2   = SIZE W x H of the cell's MACRO in asap7sc7p5t_28_R_1x_220121a.lef
               (OpenROAD-flow-scripts, flow/platforms/asap7/lef/), all H = 0.27 um.
  energy_fj  = classical CV^2 scaling of the sky130 value of the same function:
               E7 = E130 x sqrt(A7 / A130) x (0.7 / 1.8)^2
               (capacitance taken proportional to a cell's linear dimension,
               i.e. the square root of its area).  This keeps sky130's measured
               relative cell energies; it is a first-order estimate, not a
               characterisation (no ASAP7 Liberty is read).
SRAM ([sram], both files): energy of reading one bit from an on-chip SRAM macro.
  Anchor: Horowitz (ISSCC 2014, 45 nm, 0.9 V): a 32-bit read from an 8 KB SRAM costs
  5 pJ and an 8-bit add 0.03 pJ.  The node is carried by the file's own logic energies:
    read_energy_fj_per_bit = (5000 fJ / 32) x E_add8 / 30 fJ,
    E_add8 = (7 x fa.energy_fj + ha.energy_fj) x toggle_rate   (this file's 8-bit ripple add)
  i.e. Horowitz's SRAM-read-to-add energy ratio is kept at every node.  Writes are taken
  equal to reads (Horowitz gives reads only).  Other macro sizes scale as
  (capacity / reference_kib)^capacity_exponent with exponent 0.5: bit- and word-line
  length grow as the square root of capacity (first-order CACTI behaviour).
  The source string also gives the plain C*V^2 scaling of the 45 nm figure for comparison.
"""
import argparse
import math
import re
import sys
from pathlib import Path

SLEW_NS = 0.05313293
FANOUT = 2
VDD_SKY = 1.8
VDD_ASAP7 = 0.7

# model cell -> sky130 liberty cell
SKY_CELLS = {
    "fa": "sky130_fd_sc_hd__fa_1",
    "ha": "sky130_fd_sc_hd__ha_1",
    "xor": "sky130_fd_sc_hd__xor2_1",
    "and": "sky130_fd_sc_hd__and2_1",
    "or": "sky130_fd_sc_hd__or2_1",
    "mux": "sky130_fd_sc_hd__mux2_1",
    "nand2": "sky130_fd_sc_hd__nand2_1",
    "dff": "sky130_fd_sc_hd__dfxtp_1",
}
LOGIC = ["fa", "ha", "xor", "and", "or", "mux"]
SKY_LIB = "pdk/sky130_fd_sc_hd/sky130_fd_sc_hd__tt_025C_1v80.synth.lib"
SKY_MODELS = "pdk/sky130_fd_sc_hd/sky130_fd_sc_hd_functional.v"

VDD_IHP = 1.2
IHP_LIB = "pdk/ihp-sg13g2/sg13g2_stdcell_typ_1p20V_25C.lib"
IHP_MODELS = "pdk/ihp-sg13g2/sg13g2_stdcell_functional.v"
# model cell -> the IHP cells it is made of (no adder cells in SG13G2)
IHP_CELLS = {
    "fa": ["sg13g2_xor2_1", "sg13g2_xor2_1", "sg13g2_and2_1", "sg13g2_a21o_1"],
    "ha": ["sg13g2_xor2_1", "sg13g2_and2_1"],
    "xor": ["sg13g2_xor2_1"],
    "and": ["sg13g2_and2_1"],
    "or": ["sg13g2_or2_1"],
    "mux": ["sg13g2_mux2_1"],
    "nand2": ["sg13g2_nand2_1"],
    "dff": ["sg13g2_dfrbpq_1"],
}

# model cell -> (ASAP7 cell, LEF SIZE width um, note)
ASAP7_CELLS = {
    "fa": ("FAx1_ASAP7_75t_R", 0.756, "outputs SN, CON are inverted; same area as published for ASAP7"),
    "ha": ("HAxp5_ASAP7_75t_R", 0.486, "outputs SN, CON are inverted"),
    "xor": ("XOR2xp5_ASAP7_75t_R", 0.486, "smallest XOR2"),
    "and": ("AND2x2_ASAP7_75t_R", 0.324, "smallest AND2"),
    "or": ("OR2x2_ASAP7_75t_R", 0.324, "smallest OR2"),
    "mux": ("AO22x1_ASAP7_75t_R", 0.486,
            "a 2:1 mux is modeled as AO22 (A1&A2 | B1&B2) with the select and its "
            "inverse shared by all muxes of a shifter stage, so the inverter is not counted per mux"),
    "nand2": ("NAND2xp5_ASAP7_75t_R", 0.216, "same area as published for ASAP7"),
    "dff": ("DFFHQNx1_ASAP7_75t_R", 1.08, "same area as published for ASAP7"),
}
ASAP7_HEIGHT = 0.27


# ---------------------------------------------------------------- Liberty reading
TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z_0-9.\-+!&|\[\]\']+|[(){}:;,]')


def cell_text(lib: str, name: str) -> str:
    m = re.search(r'cell \(\s*"?' + re.escape(name) + r'"?\s*\)', lib)
    if m is None:
        raise ValueError(f"cell {name} is not in the Liberty")
    start = m.start()
    depth = 0
    for i in range(lib.index("{", start), len(lib)):
        if lib[i] == "{":
            depth += 1
        elif lib[i] == "}":
            depth -= 1
            if depth == 0:
                return lib[start : i + 1]
    raise ValueError(f"unterminated cell {name}")


def parse(text: str):
    """Liberty group -> {'name', 'args', 'attrs': {k: v}, 'groups': [...]}."""
    toks = TOKEN.findall(text.replace("\\\n", " "))
    pos = 0

    def group():
        nonlocal pos
        name = toks[pos]
        assert toks[pos + 1] == "(", (name, toks[pos + 1])
        pos += 2
        args = []
        while toks[pos] != ")":
            if toks[pos] != ",":
                args.append(toks[pos].strip('"'))
            pos += 1
        pos += 1
        g = {"name": name, "args": args, "attrs": {}, "groups": []}
        if toks[pos] == ";":  # complex attribute such as index_1 ("...");
            pos += 1
            return g
        assert toks[pos] == "{"
        pos += 1
        while toks[pos] != "}":
            if toks[pos + 1] == ":":
                key, val = toks[pos], toks[pos + 2].strip('"')
                g["attrs"][key] = val
                pos += 4 if toks[pos + 3] == ";" else 3
            else:
                sub = group()
                if sub["name"] in ("index_1", "index_2", "values"):
                    g["attrs"][sub["name"]] = sub["args"]
                else:
                    g["groups"].append(sub)
        pos += 1
        return g

    return group()


def floats(row: str):
    return [float(x) for x in row.split(",")]


# template name -> its attrs (index_1, index_2), for tables that give no index of their own
TEMPLATES = {}


def read_templates(lib: str):
    for m in re.finditer(r'(?:power_lut_template|lu_table_template)\s*\(\s*"?(\w+)"?\s*\)\s*\{[^}]*\}', lib):
        TEMPLATES[m.group(1)] = parse(m.group(0))["attrs"]


def lookup(table, slew, load):
    """Bilinear interpolation (index_1 = input transition, index_2 = load), inside the grid."""
    attrs = dict(TEMPLATES.get(table["args"][0] if table["args"] else "", {}))
    attrs.update(table["attrs"])
    i1 = floats(attrs["index_1"][0])
    rows = [floats(r) for r in attrs["values"]]
    if "index_2" not in attrs:
        return interp1(i1, rows[0], slew)
    i2 = floats(attrs["index_2"][0])
    col = [interp1(i2, r, load) for r in rows]
    return interp1(i1, col, slew)


def interp1(xs, ys, x):
    if not xs[0] <= x <= xs[-1]:
        raise ValueError(f"{x} outside table index {xs[0]}..{xs[-1]}")
    for j in range(len(xs) - 1):
        if xs[j] <= x <= xs[j + 1]:
            t = (x - xs[j]) / (xs[j + 1] - xs[j])
            return ys[j] + t * (ys[j + 1] - ys[j])
    return ys[-1]


def avg_rise_fall(ip, slew, load):
    tabs = {g["name"]: g for g in ip["groups"]}
    return 0.5 * (lookup(tabs["rise_power"], slew, load) + lookup(tabs["fall_power"], slew, load))


def pins(cell):
    return [g for g in cell["groups"] if g["name"] == "pin"]


def cell_energy(cell, load, vdd):
    """Energy (pJ) of one toggle: every output transitions once; see the module doc."""
    outs = [p for p in pins(cell) if p["attrs"].get("direction") == "output"]
    ins = [p for p in pins(cell) if p["attrs"].get("direction") == "input"]
    e = 0.0
    for o in outs:
        ips = [g for g in o["groups"] if g["name"] == "internal_power"]
        e += sum(avg_rise_fall(ip, SLEW_NS, load) for ip in ips) / len(ips)
        e += 0.5 * load * vdd * vdd
    in_e = []
    for p in ins:
        ips = [g for g in p["groups"] if g["name"] == "internal_power" and "related_pin" not in g["attrs"]]
        if ips:
            in_e.append(sum(avg_rise_fall(ip, SLEW_NS, load) for ip in ips) / len(ips))
    if in_e:
        e += sum(in_e) / len(in_e)
    return e


def dff_energies(cell, load, vdd):
    q = next(p for p in pins(cell) if p["args"] == ["Q"])
    ips = [g for g in q["groups"] if g["name"] == "internal_power"
           and g["attrs"].get("related_pin", "CLK") == "CLK"]  # not the arcs of a reset pin
    e_q = sum(avg_rise_fall(ip, SLEW_NS, load) for ip in ips) / len(ips) + 0.5 * load * vdd * vdd
    clk = next(p for p in pins(cell) if p["args"] == ["CLK"])
    ip = next(g for g in clk["groups"] if g["name"] == "internal_power")
    e_clk = 2.0 * avg_rise_fall(ip, SLEW_NS, load)  # rise + fall: one full clock cycle
    return e_q, e_clk


# ---------------------------------------------------------------- SRAM
HOROWITZ_SRAM_FJ_PER_BIT = 5000.0 / 32  # 45 nm, 0.9 V, 8 KB SRAM, 32-bit read = 5 pJ
HOROWITZ_ADD8_FJ = 30.0  # 45 nm, 0.9 V, 8-bit add = 0.03 pJ
SRAM_REFERENCE_KIB = 8
SRAM_CAPACITY_EXPONENT = 0.5
TOGGLE_RATE = 0.41


def sram_lines(fa_fj, ha_fj, node_nm, vdd):
    """The [sram] table from this file's own (rounded, as written) FA and HA energies."""
    add8 = (7 * fa_fj + ha_fj) * TOGGLE_RATE
    bit = fmt(HOROWITZ_SRAM_FJ_PER_BIT * add8 / HOROWITZ_ADD8_FJ)
    cv2 = HOROWITZ_SRAM_FJ_PER_BIT * (node_nm / 45.0) * (vdd / 0.9) ** 2
    src = (f"Horowitz, ISSCC 2014 (45 nm, 0.9 V): 8 KB SRAM 32-bit read 5 pJ = 156.25 fJ/bit, 8-bit add 0.03 pJ. "
           f"Scaled to this node by this file's 8-bit ripple add, E_add8 = (7 x cells.fa + cells.ha) x toggle_rate "
           f"= {add8:.4g} fJ: read = 156.25 x E_add8 / 30 fJ (Horowitz's read-to-add ratio kept). Writes assumed equal "
           f"to reads (Horowitz gives reads only). Other capacities: x (kib / reference_kib)^capacity_exponent "
           f"(bit/word lines grow as sqrt(capacity), first-order CACTI). For comparison, plain C*V^2 scaling of the "
           f"45 nm figure by feature size ({node_nm} nm) and ({vdd} V / 0.9 V)^2 gives {cv2:.4g} fJ/bit. "
           f"Computed by models/derive_tech.py")
    return ["[sram]",
            f"reference_kib = {SRAM_REFERENCE_KIB}",
            f"read_energy_fj_per_bit = {bit}",
            f"write_energy_fj_per_bit = {bit}",
            f"capacity_exponent = {SRAM_CAPACITY_EXPONENT}",
            f'source = "{src}"',
            ""]


# ---------------------------------------------------------------- TOML writing
def fmt(x, digits=4):
    return float(f"{x:.{digits}g}")


def sky130(lib_path: Path):
    lib = lib_path.read_text()
    cells = {k: parse(cell_text(lib, v)) for k, v in SKY_CELLS.items()}
    caps = [float(p["attrs"]["capacitance"]) for k in LOGIC for p in pins(cells[k])
            if p["attrs"].get("direction") == "input"]
    load = FANOUT * sum(caps) / len(caps)
    out = {}
    for k, c in cells.items():
        area = float(c["attrs"]["area"])
        if k == "dff":
            e_q, e_clk = dff_energies(c, load, VDD_SKY)
            out[k] = (area, e_q * 1e3, e_clk * 1e3)
        else:
            out[k] = (area, cell_energy(c, load, VDD_SKY) * 1e3, None)
    return load, out


HEADER = "# GENERATED by models/derive_tech.py: edit that script, not this file, then rerun it.\n"


def liberty_lines(lib, models, source):
    return ["[liberty]",
            f'file = "{lib}"',
            f'cell_models = "{models}"',
            f'source = "{source}"',
            ""]


def ihp(lib_path: Path):
    lib = lib_path.read_text()
    read_templates(lib)
    names = sorted({n for v in IHP_CELLS.values() for n in v})
    parsed = {n: parse(cell_text(lib, n)) for n in names}
    logic = sorted({n for k in LOGIC for n in IHP_CELLS[k]})
    caps = [float(p["attrs"]["capacitance"]) for n in logic for p in pins(parsed[n])
            if p["attrs"].get("direction") == "input"]
    load = FANOUT * sum(caps) / len(caps)
    out = {}
    for k, parts in IHP_CELLS.items():
        area = round(sum(float(parsed[n]["attrs"]["area"]) for n in parts), 6)
        if k == "dff":
            e_q, e_clk = dff_energies(parsed[parts[0]], load, VDD_IHP)
            out[k] = (area, e_q * 1e3, e_clk * 1e3)
        else:
            out[k] = (area, sum(cell_energy(parsed[n], load, VDD_IHP) for n in parts) * 1e3, None)
    return load, out


def write_ihp(load, cells):
    lines = [HEADER,
             "# Cell factors of the analytic model for IHP SG13G2 (130 nm SiGe BiCMOS open PDK), typ corner.",
             "schema_version = 1",
             'name = "ihp-sg13g2"',
             'node = "IHP SG13G2 130 nm, sg13g2_stdcell standard cells"',
             'corner = "typ_1p20V_25C"',
             f"voltage_v = {VDD_IHP}",
             'source = "sg13g2_stdcell_typ_1p20V_25C.lib (IHP-GmbH/IHP-Open-PDK commit 5cccb161, Apache-2.0, '
             'vendored in models/pdk/ihp-sg13g2), read by models/derive_tech.py"',
             "",
             "[energy_method]",
             f"input_slew_ns = {SLEW_NS}",
             f"output_load_pf = {fmt(load, 6)}",
             f'source = "as models/sky130hd.toml (same slew; output_load_pf = {FANOUT} x mean input capacitance '
             f'of the xor2_1/and2_1/or2_1/mux2_1/a21o_1 input pins). No full- or half-adder cell in SG13G2: '
             f'fa = 2 xor2_1 + and2_1 + a21o_1, ha = xor2_1 + and2_1, areas and toggle energies summed."',
             "",
             "[activity]",
             f"toggle_rate = {TOGGLE_RATE}",
             'source = "same as models/sky130hd.toml: activity is a property of the data and the datapath, not '
             'of the node"',
             ""]
    for k in ["fa", "ha", "xor", "and", "or", "mux", "nand2", "dff"]:
        area, e, clk = cells[k]
        parts = " + ".join(IHP_CELLS[k])
        lines.append(f"[cells.{k}]")
        lines.append(f"area_um2 = {area}")
        lines.append(f"energy_fj = {fmt(e)}")
        if clk is not None:
            lines.append(f"clock_energy_fj = {fmt(clk)}")
            src = (f"{parts} (the smallest flip-flop; reset held inactive): area attribute; energy_fj = Q "
                   f"transition; clock_energy_fj = CLK pin internal rise + fall per cycle, as for sky130")
        else:
            src = f"{parts}: area attribute{'s summed' if len(IHP_CELLS[k]) > 1 else ''}; energy_fj per energy_method"
        lines.append(f'source = "{src}"')
        lines.append("")
    lines += sram_lines(fmt(cells["fa"][1]), fmt(cells["ha"][1]), 130, VDD_IHP)
    lines += liberty_lines(IHP_LIB, IHP_MODELS,
                           "IHP Open PDK sg13g2_stdcell, vendored unchanged; cell models made zero-delay by "
                           "models/pdk/ihp-sg13g2/make_functional.py")
    return "\n".join(lines)


def write_sky130(load, cells):
    lines = [HEADER,
             "# Cell factors of the analytic model for SkyWater sky130_fd_sc_hd, tt corner.",
             "schema_version = 1",
             'name = "sky130hd"',
             'node = "SkyWater 130 nm, sky130_fd_sc_hd (high density) standard cells"',
             'corner = "tt_025C_1v80"',
             "voltage_v = 1.8",
             'source = "sky130_fd_sc_hd__tt_025C_1v80.lib (google/skywater-pdk-libs-sky130_fd_sc_hd '
             'commit ac7fb61f, v0.0.2), read by models/derive_tech.py"',
             "",
             "[energy_method]",
             f"input_slew_ns = {SLEW_NS}",
             f"output_load_pf = {fmt(load, 6)}",
             f'source = "energy_fj = one toggle of the cell (every output transitions once): mean over related '
             f'pins of (rise_power + fall_power)/2 at (input_slew_ns, output_load_pf), bilinear, + 0.5*C*V^2 '
             f'of output_load_pf per output, + mean input-pin internal energy where the cell has it. '
             f'output_load_pf = {FANOUT} x mean input capacitance of the fa_1/ha_1/xor2_1/and2_1/or2_1/mux2_1 '
             f'input pins (fanout {FANOUT}, no wire load, as in the unplaced synthesis flow). input_slew_ns = '
             f'third point of every table index."',
             "",
             "[activity]",
             f"toggle_rate = {TOGGLE_RATE}",
             'source = "mean toggles per net per cycle of the 8x8 signed MAC of models/pdk/sky130_fd_sc_hd/example '
             'with random operands (gate-level simulation: 0.41, 0.416 on internal nets): the single toggle rate tau of the study\'s '
             'model, applied to every cell"',
             ""]
    for k in ["fa", "ha", "xor", "and", "or", "mux", "nand2", "dff"]:
        area, e, clk = cells[k]
        lib_cell = SKY_CELLS[k]
        lines.append(f"[cells.{k}]")
        lines.append(f"area_um2 = {area}")
        lines.append(f"energy_fj = {fmt(e)}")
        if clk is not None:
            lines.append(f"clock_energy_fj = {fmt(clk)}")
            src = (f"{lib_cell}: area attribute; energy_fj = Q transition (CLK->Q internal avg rise/fall + "
                   f"0.5*C*V^2); clock_energy_fj = CLK pin internal rise + fall per cycle, at the energy_method point")
        else:
            src = f"{lib_cell}: area attribute; energy_fj per energy_method"
        lines.append(f'source = "{src}"')
        lines.append("")
    lines += sram_lines(fmt(cells["fa"][1]), fmt(cells["ha"][1]), 130, VDD_SKY)
    lines += liberty_lines(SKY_LIB, SKY_MODELS,
                           "vendored in models/pdk/sky130_fd_sc_hd (see its README.md)")
    return "\n".join(lines)


def write_asap7(sky):
    scale_v = (VDD_ASAP7 / VDD_SKY) ** 2
    lines = [HEADER,
             "# Cell factors of the analytic model for a 7 nm class node: ASAP7 (predictive FinFET PDK).",
             "schema_version = 1",
             'name = "asap7"',
             'node = "ASAP7 7 nm predictive FinFET PDK, asap7sc7p5t 7.5-track RVT cells (Clark et al., '
             'Microelectronics Journal 53, 2016)"',
             'corner = "TT, 25 C"',
             f"voltage_v = {VDD_ASAP7}",
             'source = "areas: MACRO SIZE in asap7sc7p5t_28_R_1x_220121a.lef (The-OpenROAD-Project/'
             'OpenROAD-flow-scripts, flow/platforms/asap7/lef); energies: sky130 values scaled, see energy_method"',
             "",
             "[energy_method]",
             'source = "No ASAP7 Liberty is read. energy_fj = E_sky130 x sqrt(A_asap7 / A_sky130) x (0.7 / 1.8)^2: '
             'classical C*V^2 scaling with capacitance proportional to the cell\'s linear dimension. Relative cell '
             'energies therefore follow sky130. Cross-check: Horowitz (ISSCC 2014, 45 nm, 0.9 V) 8-bit add '
             '0.03 pJ = 3.75 fJ per bit; scaled the same way with the FA area ratio 0.20412/4.256 (Nangate45, '
             'published cell areas) it gives about 0.5 fJ per bit-add at 7 nm, the same order as fa below."',
             "",
             "[activity]",
             f"toggle_rate = {TOGGLE_RATE}",
             'source = "same as models/sky130hd.toml: activity is a property of the data and the datapath, not '
             'of the node"',
             ""]
    written = {}
    for k in ["fa", "ha", "xor", "and", "or", "mux", "nand2", "dff"]:
        cell, w, note = ASAP7_CELLS[k]
        area = round(w * ASAP7_HEIGHT, 6)
        a130, e130, clk130 = sky[k]
        f = math.sqrt(area / a130) * scale_v
        lines.append(f"[cells.{k}]")
        lines.append(f"area_um2 = {area}")
        lines.append(f"energy_fj = {fmt(e130 * f)}")
        written[k] = fmt(e130 * f)
        if clk130 is not None:
            lines.append(f"clock_energy_fj = {fmt(clk130 * f)}")
        lines.append(f'source = "{cell}: LEF SIZE {w} x {ASAP7_HEIGHT} um ({note}); energy = {SKY_CELLS[k]} '
                     f'x {f:.5f}"')
        lines.append("")
    lines += sram_lines(written["fa"], written["ha"], 7, VDD_ASAP7)
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve().parent
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    load, sky = sky130(here / SKY_LIB)
    ihp_load, ihp_cells = ihp(here / IHP_LIB)
    files = {here / "sky130hd.toml": write_sky130(load, sky), here / "asap7.toml": write_asap7(sky),
             here / "ihp-sg13g2.toml": write_ihp(ihp_load, ihp_cells)}
    bad = 0
    for path, text in files.items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                print(f"DIFFERS: {path}")
                bad = 1
        else:
            path.write_text(text)
            print(f"wrote {path}")
    sys.exit(bad)


if __name__ == "__main__":
    main()
