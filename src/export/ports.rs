//! `<name>.ports.json`: the port map a hardware engineer wires a unit in with, schema
//! [`SCHEMA`] (documented in rtl/NOTES.md, "Port map"). `<name>.json` describes the generated
//! unit (parameters, format, files, harness); this file describes its interface: per port the
//! direction, width, role and meaning, and for the packed buses which bits hold which element
//! (or which scale), in which encoding, per mode; clock, reset, latency and the output
//! encoding; and the record layout of the shipped testbench vectors.

use serde_json::{json, Value};

use super::testbench::Layout;
use crate::cost::source::GENERATOR;
use crate::format::{BlockFormat, ElemFormat, ScaleFormat};
use crate::rtl::mixed::MixedPlan;
use crate::rtl::UnitPlan;

/// The schema of `<name>.ports.json`; a change that renames or removes a key bumps it.
pub const SCHEMA: &str = "hwcost.ports/1";

fn elem_encoding(e: &ElemFormat) -> String {
    match *e {
        ElemFormat::Int { bits } => format!(
            "two's complement INT{bits}; value = code * 2^-{} (OCP view); the most negative code is accepted",
            bits - 2
        ),
        ElemFormat::Fp {
            exp_bits,
            man_bits,
            bias,
            ..
        } => format!(
            "sign | exponent ({exp_bits} bits, bias {bias}) | mantissa ({man_bits} bits), subnormals kept; bits [{}] sign, [{}:{}] exponent, [{}:0] mantissa",
            exp_bits + man_bits,
            exp_bits + man_bits - 1,
            man_bits,
            man_bits.max(1) - 1
        ),
    }
}

fn scale_encoding(s: ScaleFormat) -> &'static str {
    match s {
        ScaleFormat::Ue8m0 => "UE8M0: 2^(code - 127); 0xFF is NaN",
        ScaleFormat::Unscaled => "none: the format has no block scale (the unit has no scale ports)",
        ScaleFormat::E4m3 => {
            "FP8 E4M3 (bias 7, subnormals, S.1111.111 is NaN); the FP32 per-tensor scale is applied outside the unit"
        }
        ScaleFormat::Ue5m3 => {
            "UE5M3 (unsigned, 5 exponent bits with bias 15, 3 mantissa bits, subnormals, 0xFF is NaN); the FP32 per-tensor scale is applied outside the unit"
        }
    }
}

/// The packing of an operand bus for `count` elements of `fmt` (element i at
/// `[i*w +: w]`), active when `mode` holds (None: always).
fn operand_packing(mode: Option<u32>, fmt: &BlockFormat, count: usize) -> Value {
    let w = fmt.elem.bits() as usize;
    let map: Vec<Value> = (0..count)
        .map(|i| json!({ "element": i, "lsb": i * w, "msb": i * w + w - 1 }))
        .collect();
    json!({
        "mode": mode,
        "format": fmt.name,
        "elements": count,
        "element_bits": w,
        "element_format": fmt.elem,
        "encoding": elem_encoding(&fmt.elem),
        "map": map,
    })
}

/// The packing of a scale bus: `fields` scale codes of `fmt`'s scale, field j at
/// `[8j +: 8]` scaling elements `[j*per, (j+1)*per)`; `ignored` trailing bytes.
fn scale_packing(
    mode: Option<u32>,
    fmt: &BlockFormat,
    fields: usize,
    per: usize,
    ignored: usize,
) -> Value {
    let map: Vec<Value> = (0..fields)
        .map(|j| {
            json!({
                "field": j,
                "lsb": 8 * j,
                "msb": 8 * j + 7,
                "elements": [j * per, (j + 1) * per - 1],
            })
        })
        .collect();
    let ignored: Vec<Value> = (fields..fields + ignored)
        .map(|j| json!({ "lsb": 8 * j, "msb": 8 * j + 7 }))
        .collect();
    json!({
        "mode": mode,
        "format": fmt.name,
        "scale_format": fmt.scale,
        "encoding": scale_encoding(fmt.scale),
        "map": map,
        "ignored": ignored,
    })
}

fn port(name: &str, direction: &str, width: usize, role: &str, meaning: &str) -> Value {
    json!({
        "name": name,
        "direction": direction,
        "width": width,
        "msb": width - 1,
        "lsb": 0,
        "role": role,
        "meaning": meaning,
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v.as_object_mut()
        .expect("a port is an object")
        .insert(key.to_string(), value);
    v
}

/// What every unit shares: clock, reset, control and output ports, timing.
fn document(
    name: &str,
    latency: usize,
    mode_port: Option<Value>,
    operands: (usize, Vec<Value>),
    scales: Option<(usize, Vec<Value>)>,
    layout: &Layout,
    seed: u64,
) -> String {
    let (kw, op_packing) = operands;
    let mut ports = vec![
        port("clk", "input", 1, "clock", "rising edge; every register of the unit"),
        port(
            "rst",
            "input",
            1,
            "reset",
            "synchronous, active high: acc = +0 (0x00000000), out_valid = 0, every pipeline valid bit 0; a block presented with rst is dropped",
        ),
        port(
            "in_valid",
            "input",
            1,
            "valid",
            "a block is presented this cycle (initiation interval 1); without it the inputs are ignored and acc holds",
        ),
        port(
            "acc_clear",
            "input",
            1,
            "clear",
            "with in_valid: the block's result replaces acc (acc <- R) instead of being added; ignored without in_valid; travels with its block through the pipeline",
        ),
    ];
    ports.extend(mode_port);
    for (n, what) in [("a", "operand A"), ("b", "operand B")] {
        ports.push(with(
            port(
                n,
                "input",
                kw,
                "operand",
                &format!("{what}: packed element codes"),
            ),
            "packing",
            Value::Array(op_packing.clone()),
        ));
    }
    for (n, what) in [("a_scale", "operand A"), ("b_scale", "operand B")] {
        // A unit for a format without a scale has no scale ports.
        let Some((sw, sc_packing)) = &scales else {
            break;
        };
        let sw = *sw;
        ports.push(with(
            port(
                n,
                "input",
                sw,
                "scale",
                &format!("block scale code(s) of {what}"),
            ),
            "packing",
            Value::Array(sc_packing.clone()),
        ));
    }
    ports.push(port(
        "out_valid",
        "output",
        1,
        "valid",
        "acc holds a new result: high for one cycle, latency_cycles after its block was presented",
    ));
    ports.push(with(
        port(
            "acc",
            "output",
            32,
            "result",
            "the accumulator register: acc <- R on acc_clear, else RNE_binary32(acc + R)",
        ),
        "encoding",
        json!({
            "format": "IEEE 754 binary32",
            "rounding": "round to nearest, ties to even; subnormals kept",
            "nan": "0x7fc00000 (every NaN is canonical; a NaN acc stays NaN until acc_clear or rst)",
            "registered": true,
        }),
    ));
    let fields: Vec<Value> = layout
        .fields()
        .iter()
        .map(|&(f, lsb, w)| json!({ "field": f, "lsb": lsb, "width": w }))
        .collect();
    let v = json!({
        "schema": SCHEMA,
        "module": name,
        "generator": GENERATOR,
        "contract": "NOTES.md",
        "description": format!("{name}.json"),
        "clock": { "port": "clk", "edge": "rising" },
        "reset": { "port": "rst", "active": "high", "synchronous": true, "initial_state": "undefined: assert rst first" },
        "latency_cycles": latency,
        "initiation_interval": 1,
        "ports": ports,
        "testbench": {
            "file": format!("{name}_tb.v"),
            "vectors": format!("{name}.vectors.hex"),
            "seed": seed,
            "record_bits": layout.record_bits(),
            "fields": fields,
            "flags": { "rst": 0, "in_valid": 1, "acc_clear": 2, "mode": 3, "present": 7 },
        },
    });
    serde_json::to_string_pretty(&v).expect("JSON of plain values") + "\n"
}

/// The port map of single-format unit `plan`.
pub fn unit_ports(plan: &UnitPlan, layout: &Layout, seed: u64) -> String {
    let f = &plan.format;
    let k = plan.lanes;
    document(
        &plan.name,
        plan.latency(),
        None,
        (
            k * plan.elem_bits() as usize,
            vec![operand_packing(None, f, k)],
        ),
        plan.has_scale_ports()
            .then(|| (8, vec![scale_packing(None, f, 1, k, 0)])),
        layout,
        seed,
    )
}

/// The port map of mixed unit `plan` (packing per `mode`).
pub fn mixed_ports(plan: &MixedPlan, layout: &Layout, seed: u64) -> String {
    let (wide, narrow) = (&plan.format.wide, &plan.format.narrow);
    let (k, g) = (plan.lanes, plan.groups);
    let nb = narrow.block;
    let mode = port(
        "mode",
        "input",
        1,
        "mode",
        &format!(
            "0: {} ({} elements per operand), 1: {} ({} elements, {g} blocks); may change every cycle",
            wide.name,
            k,
            narrow.name,
            2 * k
        ),
    );
    document(
        &plan.name,
        plan.latency(),
        Some(mode),
        (
            plan.operand_bits(),
            vec![
                operand_packing(Some(0), wide, k),
                operand_packing(Some(1), narrow, 2 * k),
            ],
        ),
        Some((
            plan.scale_bits(),
            vec![
                scale_packing(Some(0), wide, 1, k, g - 1),
                scale_packing(Some(1), narrow, g, nb, 0),
            ],
        )),
        layout,
        seed,
    )
}
