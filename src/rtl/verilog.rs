//! Turns rust-hdl's raw Verilog (one module per instance, named by instance path such as
//! `top$fp_lane$3$dec$0`) into the unit's file: identical modules merged into one, every
//! module renamed `<unit>__<part>` (the top module becomes `<unit>`), modules listed top
//! down, whitespace tidied. Only names and layout change, never a statement.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::csa;

/// One `module ... endmodule` block of rust-hdl's output.
struct RawModule {
    path: String,
    text: String,
}

fn split_modules(raw: &str) -> Vec<RawModule> {
    let mut out = Vec::new();
    let mut cur: Option<(String, Vec<&str>)> = None;
    for line in raw.lines() {
        if let Some(rest) = line.strip_prefix("module ") {
            let path = rest.split('(').next().unwrap_or("").trim().to_string();
            cur = Some((path, vec![line]));
        } else if let Some((path, mut lines)) = cur.take() {
            lines.push(line);
            if line.starts_with("endmodule") {
                out.push(RawModule {
                    path,
                    text: lines.join("\n"),
                });
            } else {
                cur = Some((path, lines));
            }
        }
    }
    out
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

/// The identifiers of a Verilog text (identifiers may contain `$`).
fn idents(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !is_ident_char(c))
        .filter(|w| !w.is_empty())
}

/// Replace every whole identifier found in `map` (identifiers may contain `$`).
fn rename_idents(text: &str, map: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if is_ident_char(c) {
            word.push(c);
        } else {
            out.push_str(map.get(&word).map(String::as_str).unwrap_or(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(map.get(&word).map(String::as_str).unwrap_or(&word));
    out
}

/// The name a primitive asks for (`// hwcost-name: NAME` line), if any.
fn name_hint(text: &str) -> Option<String> {
    text.lines().find_map(|l| {
        l.trim()
            .strip_prefix("// hwcost-name:")
            .map(|s| s.trim().to_string())
    })
}

/// Path components without the leading `top` and without Vec indices.
fn path_parts(path: &str) -> Vec<&str> {
    path.split('$')
        .skip(1)
        .filter(|p| !p.chars().all(|c| c.is_ascii_digit()))
        .collect()
}

fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim_start().starts_with("// hwcost-name:") {
            continue;
        }
        // rust-hdl's section comments carry no information for a reader of the unit.
        if matches!(line.trim(), "// Update code" | "// Update code (custom)") {
            continue;
        }
        if line.is_empty() {
            if !blank {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Rewrite rust-hdl output for the unit `unit`: merge identical modules, rename, order.
pub fn finish(raw: &str, unit: &str) -> String {
    let mut modules = split_modules(raw);
    // Children have longer paths than their parents: handle leaves first, so a parent's
    // text already names its children by their final names when it is compared.
    modules.sort_by(|a, b| b.path.len().cmp(&a.path.len()).then(a.path.cmp(&b.path)));
    let paths: HashSet<String> = modules.iter().map(|m| m.path.clone()).collect();

    let mut final_name: HashMap<String, String> = HashMap::new(); // path -> module name
    let mut by_body: HashMap<String, String> = HashMap::new(); // normalized body -> name
    let mut bodies: BTreeMap<String, String> = BTreeMap::new(); // name -> final text
    let mut children: HashMap<String, Vec<String>> = HashMap::new(); // name -> child names

    for m in &modules {
        let renamed = rename_idents(&m.text, &final_name);
        let self_map = HashMap::from([(m.path.clone(), "\u{1}SELF".to_string())]);
        let key = rename_idents(&renamed, &self_map);
        if let Some(name) = by_body.get(&key) {
            final_name.insert(m.path.clone(), name.clone());
            continue;
        }
        let name = if m.path == "top" {
            unit.to_string()
        } else {
            // A primitive's own name, else its instance path: `top$front$fp_lane$3$fp_decode$0`
            // becomes `fp_lane__fp_decode` (the front end only groups, so it is left out).
            let base = name_hint(&m.text).unwrap_or_else(|| {
                let parts = path_parts(&m.path);
                // The front end and its variant wrapper (`cpa`/`csa`) add nothing to names.
                let parts = match &parts[..] {
                    ["front", v, _, ..] if *v == "cpa" || *v == "csa" => &parts[2..],
                    ["front", _, ..] => &parts[1..],
                    _ => &parts[..],
                };
                parts.join("__")
            });
            let stem = format!("{unit}__{base}");
            std::iter::once(stem.clone())
                .chain((2..).map(|i| format!("{stem}_{i}")))
                .find(|n| !bodies.contains_key(n))
                .expect("unbounded")
        };
        let text = rename_idents(&renamed, &HashMap::from([(m.path.clone(), name.clone())]));
        // Children in order of first instantiation (their paths appear as module kinds).
        let mut kids: Vec<String> = Vec::new();
        for w in idents(&m.text) {
            if w != m.path && paths.contains(w) {
                let n = &final_name[w];
                if !kids.contains(n) {
                    kids.push(n.clone());
                }
            }
        }
        children.insert(name.clone(), kids);
        by_body.insert(key, name.clone());
        final_name.insert(m.path.clone(), name.clone());
        bodies.insert(name, text);
    }

    // Top-down order: pre-order walk from the top, children in order of first instantiation.
    let mut order: Vec<String> = Vec::new();
    let mut stack = vec![unit.to_string()];
    while let Some(n) = stack.pop() {
        if order.contains(&n) {
            continue;
        }
        let kids = children.get(&n).cloned().unwrap_or_default();
        order.push(n);
        for k in kids.into_iter().rev() {
            stack.push(k);
        }
    }
    let mut out = String::new();
    for (i, n) in order.iter().enumerate() {
        if i == 1 {
            out.push_str(SUBMODULE_PRAGMA);
        }
        out.push('\n');
        out.push_str(&tidy(&bodies[n]));
    }
    // The compressor trees' adder cells (super::csa): one module each, appended once.
    let (fa, ha) = (out.contains(csa::FA_MODULE), out.contains(csa::HA_MODULE));
    if fa || ha {
        out = out
            .replace(csa::FA_MODULE, &format!("{unit}__fa"))
            .replace(csa::HA_MODULE, &format!("{unit}__ha"));
        out.push_str(&csa::adder_modules(unit, fa, ha));
    }
    out
}

/// The scale input ports of a unit's top module, as rust-hdl declares them.
const SCALE_PORTS: [&str; 2] = ["a_scale", "b_scale"];

/// The Verilog of a unit for a format without a block scale: the UE8M0 unit's top `unit`
/// (as [`finish`] names it) without its `a_scale` and `b_scale` ports, both now wires tied to
/// 8'd127 (2^0), so that the scale logic has constant inputs and synthesis folds it away. The
/// sub-modules are untouched.
pub fn tie_scale_inputs(v: &str, unit: &str) -> String {
    let header = format!("module {unit}(");
    let start = v.find(&header).expect("the unit's top module");
    let end = start + v[start..].find("endmodule").expect("the top module's end");
    let mut top = v[start..end].to_string();
    let ports_end = top.find(");").expect("the top module's port list");
    let ports: Vec<&str> = top[header.len()..ports_end]
        .split(',')
        .filter(|p| !SCALE_PORTS.contains(p))
        .collect();
    top = format!("{header}{}{}", ports.join(","), &top[ports_end..]);
    for p in SCALE_PORTS {
        let decl = format!(
            "    input wire  [7:0] {p};
"
        );
        assert!(top.contains(&decl), "rust-hdl declares {p} as {decl:?}");
        top = top.replacen(
            &decl,
            &format!(
                "    wire  [7:0] {p} = 8'd127; // no block scale: 2^0
"
            ),
            1,
        );
    }
    format!("{}{top}{}", &v[..start], &v[end..])
}

/// Between the top module and its sub-modules: the unit is one self-contained file, so the
/// sub-modules cannot match the file name, which Verilator's -Wall checks (DECLFILENAME).
pub const SUBMODULE_PRAGMA: &str =
    "\n// Sub-modules of the unit. One file holds them all, so their names cannot match\n\
// the file name: Verilator's DECLFILENAME check is off from here on.\n\
/* verilator lint_off DECLFILENAME */\n";

#[cfg(test)]
mod tests {
    use super::*;

    const RAW: &str = "\n\nmodule top(a,y);\n    input wire [3:0] a;\n    output reg [3:0] y;\n    top$lane$0 lane$0(\n        .x(lane$0$x)\n    );\n    top$lane$1 lane$1(\n        .x(lane$1$x)\n    );\n    top$odd odd(\n        .x(odd$x)\n    );\n    always @(*) y = a;\nendmodule // top\n\n\
module top$lane$0(x);\n    input wire x;\n    top$lane$0$m m(\n        .x(m$x)\n    );\nendmodule // top$lane$0\n\n\
module top$lane$0$m(x);\n// hwcost-name: mul_u1x1\n    input wire x;\nendmodule // top$lane$0$m\n\n\
module top$lane$1(x);\n    input wire x;\n    top$lane$1$m m(\n        .x(m$x)\n    );\nendmodule // top$lane$1\n\n\
module top$lane$1$m(x);\n// hwcost-name: mul_u1x1\n    input wire x;\nendmodule // top$lane$1$m\n\n\
module top$odd(x);\n    input wire [1:0] x;\nendmodule // top$odd\n";

    #[test]
    fn identical_instances_merge_and_every_module_is_renamed() {
        let v = finish(RAW, "u");
        let modules: Vec<&str> = v
            .lines()
            .filter_map(|l| l.strip_prefix("module "))
            .collect();
        assert_eq!(
            modules,
            ["u(a,y);", "u__lane(x);", "u__mul_u1x1(x);", "u__odd(x);"]
        );
        assert_eq!(v.matches("    u__lane lane$").count(), 2, "{v}");
        assert_eq!(v.matches("    u__mul_u1x1 m(").count(), 1, "{v}");
        assert!(!v.contains("top"), "{v}");
        assert!(!v.contains("hwcost-name"), "{v}");
        let pragma = v.find("lint_off DECLFILENAME").unwrap();
        assert!(
            v.find("module u(").unwrap() < pragma && pragma < v.find("module u__lane(").unwrap()
        );
    }

    #[test]
    fn unscaled_units_lose_their_scale_ports_to_tied_wires() {
        let raw = "module top(clk,a,a_scale,b_scale,acc);\n    input wire  clk;\n    input wire  [7:0] a_scale;\n    input wire  [7:0] b_scale;\n    output reg  [31:0] acc;\n    top$s s(\n        .a(a_scale)\n    );\nendmodule // top\n\
module top$s(a);\n    input wire  [7:0] a_scale;\nendmodule // top$s\n";
        let v = tie_scale_inputs(&finish(raw, "u"), "u");
        assert!(v.contains("module u(clk,a,acc);"), "{v}");
        assert!(v.contains("    wire  [7:0] a_scale = 8'd127;"), "{v}");
        assert!(v.contains("    wire  [7:0] b_scale = 8'd127;"), "{v}");
        // The sub-module keeps its own port.
        assert!(
            v.contains("module u__s(a);\n    input wire  [7:0] a_scale;"),
            "{v}"
        );
    }

    #[test]
    fn different_modules_with_one_name_get_suffixes() {
        let raw = "module top(a);\n    top$p$0 p$0();\n    top$p$1 p$1();\nendmodule // top\n\
module top$p$0();\n    wire [1:0] w;\nendmodule // top$p$0\n\
module top$p$1();\n    wire [2:0] w;\nendmodule // top$p$1\n";
        let v = finish(raw, "u");
        assert!(
            v.contains("module u__p();") && v.contains("module u__p_2();"),
            "{v}"
        );
    }
}
