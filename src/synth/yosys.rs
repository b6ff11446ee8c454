//! Yosys synthesis onto a Liberty library: the script, the run, the parsed area report
//! (total, per cell type, per module with instance counts) and a content-addressed cache.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::liberty::{hex, AdderCell, AdderKind, BasicCell, LibertyError, Library, TieCells};
use super::tools::{legacy_engine_id, Engine, ToolError, Toolchain};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Tool(#[from] ToolError),
    #[error(transparent)]
    Liberty(#[from] LibertyError),
    #[error("cannot read Verilog source {}: {source}", path.display())]
    Source {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("synthesis cache {}: {source}", path.display())]
    Cache {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("yosys statistics: {0}")]
    Stat(String),
    #[error("the liberty library was parsed from text, but yosys needs it as a file")]
    LibraryNotFromFile,
    #[error("cell type `{cell_type}` in module `{module}` is neither a library cell nor a module (left unmapped by yosys)")]
    Unmapped { module: String, cell_type: String },
}

/// Whether synthesis keeps the module hierarchy (per-module areas; cells keep their
/// instance path in the flattened netlist) or flattens first (optimises across boundaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Hierarchy {
    Keep,
    Flatten,
}

#[derive(Debug, Clone)]
pub struct SynthRequest {
    pub sources: Vec<PathBuf>,
    pub top: String,
    pub hierarchy: Hierarchy,
    /// results are stored under `cache_dir/<sha256 key>/`
    pub cache_dir: PathBuf,
    pub engine: Engine,
    pub mapping: Mapping,
}

/// How ABC maps the logic onto library cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Mapping {
    /// Yosys's default `abc -liberty` script: area-oriented, no buffering, no gate sizing
    /// (every cell at the drive strength the mapper picked)
    #[default]
    Area,
    /// Delay-oriented mapping toward a clock period, as timing-driven synthesis flows do it:
    /// choice-based structural mapping (`dch; map`), then buffering of high-fanout nets and
    /// gate up- and down-sizing toward the target (`buffer; upsize; dnsize`), with primary
    /// inputs driven by the library's unit inverter and each output loaded by four of its
    /// inputs. The target is ABC's own delay estimate; OpenSTA checks the result.
    Delay {
        /// ABC's delay target, ps
        target_ps: u64,
    },
}

impl Mapping {
    /// `area` or `delay:<target ps>`, as provenance records it.
    pub fn label(&self) -> String {
        match self {
            Mapping::Area => "area".into(),
            Mapping::Delay { target_ps } => format!("delay:{target_ps}ps"),
        }
    }
}

/// ABC's script for [`Mapping::Delay`] (Yosys prepends `read_constr` of the `-constr` file and
/// puts the target where `{D}` stands).
const DELAY_SCRIPT: &str =
    "+strash;dch;map,-B,0.9;topo;stime,-c;buffer,-c;upsize,{D},-c;dnsize,{D},-c";
/// Name of ABC's constraint file, in the directory yosys runs in.
const ABC_CONSTR: &str = "abc.constr";

/// The constraint file of [`Mapping::Delay`]: inputs driven by the unit inverter, each output
/// loaded with four of its input pins (femtofarads, as Yosys documents `set_load`).
pub fn abc_constraints(lib: &Library) -> Result<String, LibertyError> {
    let inv = lib.basic_cell(BasicCell::Inv)?;
    let cap = inv.inputs().map(|p| p.capacitance).fold(0.0, f64::max);
    let load_ff = 4.0 * cap * lib.units.capacitance_f / 1e-15;
    Ok(format!(
        "set_driving_cell {}\nset_load {load_ff:.3}\n",
        inv.name
    ))
}

/// Area of one module of the synthesized hierarchy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleArea {
    pub name: String,
    /// instances in the whole design (1 for the top)
    pub instances: u64,
    /// library cells of the module itself, per instance
    pub own_cells: u64,
    pub own_area_um2: f64,
    /// submodule -> instances inside one instance of this module
    pub submodules: BTreeMap<String, u64>,
    /// area of one instance including its submodules
    pub inclusive_area_um2: f64,
    /// `instances * own_area_um2`; these add up to the design total
    pub total_own_area_um2: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthResult {
    pub top: String,
    pub hierarchy: Hierarchy,
    /// cell area before placement, um^2 (`Chip area` of the top, submodules included)
    pub total_area_um2: f64,
    pub cell_count: u64,
    pub cells_by_type: BTreeMap<String, u64>,
    pub flip_flops: u64,
    /// top first; every module after the modules that instantiate it
    pub modules: Vec<ModuleArea>,
    /// the exact engine ([`Toolchain::engine_id`]); results from before engines could be
    /// chosen read as Debian's Yosys 0.23
    #[serde(default = "legacy_engine_id")]
    pub engine: String,
    /// `-V` of the Yosys that ran
    pub yosys_version: String,
    /// yosys `Warning:` lines, minus the known-harmless dfflibmap scan-cell ones
    pub warnings: Vec<String>,
    pub cache_key: String,
    /// generated adder modules synthesized as one library cell each (empty when the sources
    /// have none or the library has no matching cell)
    #[serde(default)]
    pub adder_cells: Vec<AdderMapping>,
    /// flattened gate-level netlist (`write_verilog -noattr -simple-lhs`)
    pub netlist: PathBuf,
    /// true when this result was read from the cache
    pub from_cache: bool,
}

/// A generated adder module (`<unit>__fa`, `<unit>__ha`) and the library cell that replaces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdderMapping {
    pub module: String,
    pub cell: String,
}

/// Name of the wrapper file, in the directory yosys runs in.
const ADDER_WRAPPERS: &str = "adder_cells.v";
/// The Liberty copy the WebAssembly engine reads, in the directory it runs in.
const LIBERTY_COPY: &str = "liberty.lib";

/// The adder modules the sources define: every `module NAME` whose name ends in `__fa` (a full
/// adder with ports a, b, ci, s, co) or `__ha` (a half adder with a, b, s, co), sorted.
pub fn adder_modules(sources: &[&str]) -> Vec<(String, AdderKind)> {
    let mut out: Vec<(String, AdderKind)> = Vec::new();
    for text in sources {
        for line in text.lines() {
            let Some(rest) = line.trim_start().strip_prefix("module ") else {
                continue;
            };
            let name: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
                .collect();
            let kind = if name.ends_with("__fa") {
                AdderKind::Full
            } else if name.ends_with("__ha") {
                AdderKind::Half
            } else {
                continue;
            };
            if !out.iter().any(|(m, _)| *m == name) {
                out.push((name, kind));
            }
        }
    }
    out.sort();
    out
}

fn plain_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Wrappers that replace each adder module by one instance of the library's adder cell, with
/// a black-box declaration of every cell used; `None` when no module has a usable cell.
pub fn adder_wrappers(
    modules: &[(String, AdderKind)],
    lib: &Library,
) -> Option<(Vec<AdderMapping>, String)> {
    let cells: Vec<(AdderKind, AdderCell)> = [AdderKind::Full, AdderKind::Half]
        .into_iter()
        .filter_map(|k| lib.adder_cell(k).map(|c| (k, c)))
        .filter(|(_, c)| {
            std::iter::once(&c.cell)
                .chain(&c.inputs)
                .chain([&c.sum, &c.carry])
                .all(|n| plain_identifier(n))
        })
        .collect();
    let mut text =
        String::from("// generated by hwcost (src/synth/yosys.rs): adders as library cells\n");
    let mut declared: Vec<&str> = Vec::new();
    let mut mappings = Vec::new();
    for (module, kind) in modules {
        let Some((_, cell)) = cells.iter().find(|(k, _)| k == kind) else {
            continue;
        };
        if !declared.contains(&cell.cell.as_str()) {
            declared.push(&cell.cell);
            let pins: Vec<&str> = cell
                .inputs
                .iter()
                .chain([&cell.sum, &cell.carry])
                .map(String::as_str)
                .collect();
            text += &format!(
                "(* blackbox *)\nmodule {}({});\n",
                cell.cell,
                pins.join(", ")
            );
            text += &format!("  input {};\n", cell.inputs.join(", "));
            text += &format!("  output {}, {};\nendmodule\n", cell.sum, cell.carry);
        }
        let ports = kind.inputs();
        text += &format!(
            "module {module}({}, s, co);\n  input {};\n  output s, co;\n  {} cell(",
            ports.join(", "),
            ports.join(", "),
            cell.cell
        );
        for (pin, port) in cell.inputs.iter().zip(ports) {
            text += &format!(".{pin}({port}), ");
        }
        text += &format!(".{}(s), .{}(co));\nendmodule\n", cell.sum, cell.carry);
        mappings.push(AdderMapping {
            module: module.clone(),
            cell: cell.cell.clone(),
        });
    }
    (!mappings.is_empty()).then_some((mappings, text))
}

/// A note for adder modules left to ABC's generic mapping because the library has no cell
/// computing them (e.g. IHP SG13G2 has no full- or half-adder cell).
fn generic_adder_note(
    modules: &[(String, AdderKind)],
    mapped: &[AdderMapping],
    lib: &Library,
) -> Option<String> {
    let left: Vec<&str> = modules
        .iter()
        .filter(|(m, _)| !mapped.iter().any(|a| &a.module == m))
        .map(|(m, _)| m.as_str())
        .collect();
    (!left.is_empty()).then(|| {
        format!(
            "Note (hwcost): the liberty library `{}` has no usable cell computing {}: \
             synthesized from gates by ABC's own mapping",
            lib.name,
            left.join(", ")
        )
    })
}

/// Deletes the logic-free `$scopeinfo` cells that `flatten` leaves in current Yosys.
const SCOPEINFO: &str = "delete t:$scopeinfo\n";

/// The yosys script. Output files are relative to the working directory yosys runs in.
/// `adders`: generated adder modules to delete and replace by the wrappers in
/// [`ADDER_WRAPPERS`] (written next to the script) before synthesis.
pub fn yosys_script(
    sources: &[PathBuf],
    top: &str,
    liberty: &Path,
    ties: &TieCells,
    hierarchy: Hierarchy,
    adders: &[AdderMapping],
    mapping: Mapping,
) -> String {
    let lib = liberty.display();
    let mut s = String::from("# generated by hwcost (src/synth/yosys.rs)\n");
    for src in sources {
        s += &format!("read_verilog {}\n", src.display());
    }
    if !adders.is_empty() {
        // ABC maps logic onto single-output cells only, so a full adder would become
        // maj3 + xor3; the wrappers instantiate the library's adder cells, which survive
        // both kept-hierarchy and flattened synthesis
        let names: Vec<&str> = adders.iter().map(|a| a.module.as_str()).collect();
        s += &format!("delete {}\n", names.join(" "));
        s += &format!("read_verilog {ADDER_WRAPPERS}\n");
    }
    match hierarchy {
        Hierarchy::Keep => s += &format!("synth -top {top}\n"),
        Hierarchy::Flatten => s += &format!("synth -flatten -top {top}\n"),
    }
    // current Yosys records each flattened instance as a `$scopeinfo` cell (no logic);
    // Yosys 0.23 has none, and selecting an absent type is no error
    s += SCOPEINFO;
    s += &format!("dfflibmap -liberty {lib}\n");
    match mapping {
        Mapping::Area => s += &format!("abc -liberty {lib}\n"),
        Mapping::Delay { target_ps } => {
            s += &format!(
                "abc -D {target_ps} -constr {ABC_CONSTR} -liberty {lib} -script {DELAY_SCRIPT}\n"
            )
        }
    }
    s += "opt_clean\n";
    // constants become tie cells so the netlist has no 1'b0/1'b1 drivers, which the OpenSTA reader needs
    s += &format!(
        "hilomap -singleton -hicell {} {} -locell {} {}\n",
        ties.hi_cell, ties.hi_pin, ties.lo_cell, ties.lo_pin
    );
    s += "opt_clean\n";
    s += &format!("tee -q -o stat.txt stat -liberty {lib}\n");
    if hierarchy == Hierarchy::Keep {
        // public cell names survive `flatten` as `<instance>.<cell>`, which is how energy is
        // later grouped per submodule instance
        s += "rename -enumerate\n";
        s += "flatten\n";
        s += SCOPEINFO;
        s += &format!("hierarchy -top {top}\n");
    }
    // -simple-lhs: the 2019 OpenSTA reader rejects `assign {a,b} = ...`
    s += "write_verilog -noattr -simple-lhs net.v\n";
    s
}

/// Synthesizes `req.sources` with yosys onto `lib` (which must have been loaded from a file),
/// or returns the cached result of an identical earlier run.
pub fn synthesize(
    req: &SynthRequest,
    lib: &Library,
    tools: &Toolchain,
) -> Result<SynthResult, SynthError> {
    let lib_path = lib.path.clone().ok_or(SynthError::LibraryNotFromFile)?;
    let lib_path = std::fs::canonicalize(&lib_path).map_err(|source| SynthError::Source {
        path: lib_path.clone(),
        source,
    })?;
    // the cells the flow cannot do without, found by function: a clear error before yosys runs
    let ties = lib.tie_cells()?;
    lib.flip_flop()?;
    let mut sources = Vec::new();
    let mut texts = Vec::new();
    for s in &req.sources {
        let abs = std::fs::canonicalize(s).map_err(|source| SynthError::Source {
            path: s.clone(),
            source,
        })?;
        texts.push(std::fs::read(&abs).map_err(|source| SynthError::Source {
            path: s.clone(),
            source,
        })?);
        sources.push(abs);
    }
    let engine = tools.engine_id(req.engine)?;
    let source_texts: Vec<String> = texts
        .iter()
        .map(|t| String::from_utf8_lossy(t).into_owned())
        .collect();
    let source_refs: Vec<&str> = source_texts.iter().map(String::as_str).collect();
    let adder_mods = adder_modules(&source_refs);
    let (adders, wrappers) = adder_wrappers(&adder_mods, lib).unzip();
    let adders = adders.unwrap_or_default();
    let generic_adders = generic_adder_note(&adder_mods, &adders, lib);

    // key: everything that can change the result, with paths replaced by placeholders so the
    // same design at another location hits the same entry
    let placeholders: Vec<PathBuf> = (0..sources.len())
        .map(|i| PathBuf::from(format!("SOURCE{i}")))
        .collect();
    let key_script = yosys_script(
        &placeholders,
        &req.top,
        Path::new("LIBERTY"),
        &ties,
        req.hierarchy,
        &adders,
        req.mapping,
    );
    let constraints = match req.mapping {
        Mapping::Area => None,
        Mapping::Delay { .. } => Some(abc_constraints(lib)?),
    };
    let mut h = Sha256::new();
    h.update(b"hwcost-synth-v1\n");
    // the system engine's line is the `yosys -V` text, as before engines could be chosen
    h.update(format!("liberty {}\nyosys {engine}\n", lib.sha256).as_bytes());
    h.update(key_script.as_bytes());
    for t in &texts {
        h.update(format!("source {}\n", t.len()).as_bytes());
        h.update(t);
    }
    if let Some(w) = &wrappers {
        h.update(format!("adders {}\n", w.len()).as_bytes());
        h.update(w.as_bytes());
    }
    if let Some(c) = &constraints {
        h.update(format!("constraints {}\n{c}", c.len()).as_bytes());
    }
    let key = hex(&h.finalize());
    let cache_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SynthError::Cache { path, source }
    };
    // Absolute: the tools run in a scratch directory and read the netlist from the entry.
    let entry = req.cache_dir.join(&key);
    let entry = std::path::absolute(&entry).map_err(cache_err(&entry))?;

    if let Some(hit) = read_cached(&entry)? {
        return Ok(hit);
    }

    std::fs::create_dir_all(&req.cache_dir).map_err(cache_err(&req.cache_dir))?;
    let work = tempfile::Builder::new()
        .prefix(".tmp-")
        .tempdir_in(&req.cache_dir)
        .map_err(cache_err(&req.cache_dir))?;
    // The WebAssembly engine sees the host's directories through WASI preopens, and its /tmp is
    // a private one: it reads copies of the inputs from the directory it runs in instead.
    let (script_sources, script_lib) = match req.engine {
        Engine::System => (sources.clone(), lib_path.clone()),
        Engine::Yowasp => {
            let mut local = Vec::new();
            for (i, (src, text)) in sources.iter().zip(&texts).enumerate() {
                let name = src.file_name().map(|n| n.to_string_lossy().into_owned());
                let rel = PathBuf::from(format!("src{i}-{}", name.unwrap_or_default()));
                let path = work.path().join(&rel);
                std::fs::write(&path, text).map_err(cache_err(&path))?;
                local.push(rel);
            }
            let copy = work.path().join(LIBERTY_COPY);
            std::fs::copy(&lib_path, &copy).map_err(cache_err(&copy))?;
            (local, PathBuf::from(LIBERTY_COPY))
        }
    };
    let script = yosys_script(
        &script_sources,
        &req.top,
        &script_lib,
        &ties,
        req.hierarchy,
        &adders,
        req.mapping,
    );
    if let Some(w) = &wrappers {
        let path = work.path().join(ADDER_WRAPPERS);
        std::fs::write(&path, w).map_err(cache_err(&path))?;
    }
    if let Some(c) = &constraints {
        let path = work.path().join(ABC_CONSTR);
        std::fs::write(&path, c).map_err(cache_err(&path))?;
    }
    let script_path = work.path().join("synth.ys");
    std::fs::write(&script_path, &script).map_err(cache_err(&script_path))?;
    tools.run(
        req.engine.tool(),
        ["-q", "-l", "yosys.log", "synth.ys"],
        work.path(),
        &work.path().join("yosys.out"),
        &|l| l.contains("ERROR:"),
        false,
    )?;
    if req.engine == Engine::Yowasp {
        // the cache keeps the netlist and reports, not an 11 MB copy of the library
        let copy = work.path().join(LIBERTY_COPY);
        std::fs::remove_file(&copy).map_err(cache_err(&copy))?;
    }
    let net_path = work.path().join("net.v");
    let net = std::fs::read_to_string(&net_path).map_err(cache_err(&net_path))?;
    if let Some(plain) = unsigned_declarations(&net) {
        std::fs::write(&net_path, plain).map_err(cache_err(&net_path))?;
    }
    let stat_path = work.path().join("stat.txt");
    let stat = std::fs::read_to_string(&stat_path).map_err(cache_err(&stat_path))?;
    let log = std::fs::read_to_string(work.path().join("yosys.log")).unwrap_or_default();
    let mut result = build_result(&stat, &req.top, req.hierarchy, lib)?;
    result.yosys_version = match req.engine {
        Engine::System => engine.clone(),
        Engine::Yowasp => tools.version(req.engine.tool())?,
    };
    result.engine = engine;
    result.warnings = yosys_warnings(&log);
    result.warnings.extend(generic_adders);
    result.cache_key = key.clone();
    result.adder_cells = adders;
    result.netlist = PathBuf::from("net.v");

    let json =
        serde_json::to_string_pretty(&result).map_err(|e| SynthError::Stat(e.to_string()))?;
    let result_path = work.path().join("result.json");
    std::fs::write(&result_path, json).map_err(cache_err(&result_path))?;
    // the entry appears complete or not at all: the whole directory is renamed into place
    let tmp = work.keep();
    if let Err(e) = std::fs::rename(&tmp, &entry) {
        let _ = std::fs::remove_dir_all(&tmp);
        // a concurrent run may have stored the same key first; its result is identical
        return read_cached(&entry)?.ok_or(SynthError::Cache {
            path: entry,
            source: e,
        });
    }
    result.netlist = entry.join("net.v");
    Ok(result)
}

/// The netlist with `signed` dropped from its declarations, if it has any: newer Yosys keeps
/// the signedness of RTL wires (`wire signed [11:0] x;`), which the 2019 OpenSTA reader
/// rejects. A mapped netlist only connects bits, so signedness means nothing in it.
fn unsigned_declarations(net: &str) -> Option<String> {
    let mut changed = false;
    let mut out = String::with_capacity(net.len());
    for line in net.split_inclusive('\n') {
        let t = line.trim_start();
        let kw = ["wire", "input", "output", "inout", "reg"]
            .into_iter()
            .find(|k| t.starts_with(&format!("{k} signed ")));
        match kw {
            Some(k) => {
                changed = true;
                out += &line[..line.len() - t.len()];
                out += k;
                out += &t[k.len() + " signed".len()..];
            }
            None => out += line,
        }
    }
    changed.then_some(out)
}

fn read_cached(entry: &Path) -> Result<Option<SynthResult>, SynthError> {
    let path = entry.join("result.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(SynthError::Cache { path, source }),
    };
    let mut r: SynthResult = serde_json::from_str(&text).map_err(|e| SynthError::Cache {
        path: path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })?;
    r.netlist = entry.join("net.v");
    r.from_cache = true;
    Ok(Some(r))
}

fn yosys_warnings(log: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in log.lines().filter(|l| l.starts_with("Warning:")) {
        // scan/enable flip-flops yosys 0.23 cannot use
        if l.contains("Found unsupported expression") {
            continue;
        }
        if !out.iter().any(|o| o == l) {
            out.push(l.to_string());
        }
    }
    out
}

/// One `=== name ===` section of `stat -liberty` text.
#[derive(Debug, Default)]
struct StatModule {
    cells: BTreeMap<String, u64>,
    chip_area: Option<f64>,
}

/// Yosys prints names through `log_id`, which drops the leading backslash of public names.
fn plain(name: &str) -> &str {
    name.strip_prefix('\\').unwrap_or(name)
}

/// Sections in file order, and the `Chip area for top module` total if printed.
type ParsedStat = (Vec<(String, StatModule)>, Option<f64>);

fn parse_stat(text: &str) -> Result<ParsedStat, SynthError> {
    let mut modules: Vec<(String, StatModule)> = Vec::new();
    let mut top_total = None;
    let mut in_hierarchy = false;
    let mut in_cells = false;
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("=== ").and_then(|r| r.strip_suffix(" ===")) {
            in_hierarchy = name == "design hierarchy";
            in_cells = false;
            if !in_hierarchy {
                modules.push((plain(name).to_string(), StatModule::default()));
            }
            continue;
        }
        if let Some(rest) = t.strip_prefix("Chip area for top module '") {
            top_total = Some(parse_area(rest, line)?);
            continue;
        }
        if in_hierarchy {
            continue;
        }
        let Some((_, current)) = modules.last_mut() else {
            continue;
        };
        if let Some(rest) = t.strip_prefix("Chip area for module '") {
            current.chip_area = Some(parse_area(rest, line)?);
            in_cells = false;
        } else if t.starts_with("Number of cells:") {
            in_cells = true;
        } else if let Some((ty, n)) = table_row(t) {
            *current.cells.entry(plain(ty).to_string()).or_default() += n;
        } else if in_cells {
            let mut parts = t.split_whitespace();
            match (
                parts.next(),
                parts.next().map(str::parse::<u64>),
                parts.next(),
            ) {
                (Some(ty), Some(Ok(n)), None) => {
                    *current.cells.entry(plain(ty).to_string()).or_default() += n;
                }
                _ => in_cells = false,
            }
        }
    }
    Ok((modules, top_total))
}

/// A cell or submodule row of the tabular `stat` of newer Yosys (`COUNT AREA|- NAME`), not the
/// summary rows (`cells`, `submodules`) nor the wire/port/memory counts.
fn table_row(t: &str) -> Option<(&str, u64)> {
    let mut parts = t.split_whitespace();
    let n = parts.next()?.parse::<u64>().ok()?;
    let area = parts.next()?;
    let name = parts.next()?;
    if parts.next().is_some() || (area != "-" && area.parse::<f64>().is_err()) {
        return None;
    }
    const SUMMARY: [&str; 6] = [
        "cells",
        "submodules",
        "wires",
        "ports",
        "memories",
        "processes",
    ];
    (!SUMMARY.contains(&name)).then_some((name, n))
}

fn parse_area(rest: &str, line: &str) -> Result<f64, SynthError> {
    rest.rsplit(':')
        .next()
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| SynthError::Stat(format!("cannot read the area in {line:?}")))
}

fn build_result(
    stat: &str,
    top: &str,
    hierarchy: Hierarchy,
    lib: &Library,
) -> Result<SynthResult, SynthError> {
    let (parsed, top_total) = parse_stat(stat)?;
    let by_name: HashMap<&str, &StatModule> = parsed.iter().map(|(n, m)| (n.as_str(), m)).collect();
    if !by_name.contains_key(top) {
        return Err(SynthError::Stat(format!(
            "no statistics for top module `{top}`"
        )));
    }
    for (name, m) in &parsed {
        for ty in m.cells.keys() {
            if lib.cell(ty).is_none() && !by_name.contains_key(ty.as_str()) {
                return Err(SynthError::Unmapped {
                    module: name.clone(),
                    cell_type: ty.clone(),
                });
            }
        }
    }
    // every parent precedes its children, so instance counts can be multiplied down
    let topo = topo_order(top, &by_name)?;
    let mut inst: HashMap<&str, u64> = HashMap::from([(top, 1)]);
    for &m in &topo {
        let count = inst.get(m).copied().unwrap_or(0);
        for (ty, n) in &by_name[m].cells {
            if let Some((child, _)) = by_name.get_key_value(ty.as_str()) {
                *inst.entry(child).or_default() += count * n;
            }
        }
    }
    let own = |m: &str| -> (u64, f64) {
        let s = by_name[m];
        let cells = s
            .cells
            .iter()
            .filter(|(ty, _)| lib.cell(ty).is_some())
            .map(|(_, n)| n)
            .sum();
        (cells, s.chip_area.unwrap_or(0.0))
    };
    let mut inclusive: HashMap<&str, f64> = HashMap::new();
    for &m in topo.iter().rev() {
        let mut a = own(m).1;
        for (ty, n) in &by_name[m].cells {
            if let Some(sub) = inclusive.get(ty.as_str()) {
                a += *n as f64 * sub;
            }
        }
        inclusive.insert(m, a);
    }
    let total = inclusive[top];
    if let Some(reported) = top_total {
        if (reported - total).abs() > 1e-3 * reported.max(1.0) {
            return Err(SynthError::Stat(format!(
                "module areas add up to {total} but yosys reports {reported} for the top"
            )));
        }
    }
    let mut cells_by_type: BTreeMap<String, u64> = BTreeMap::new();
    for &m in &topo {
        for (ty, n) in &by_name[m].cells {
            if lib.cell(ty).is_some() {
                *cells_by_type.entry(ty.clone()).or_default() += inst[m] * n;
            }
        }
    }
    let modules = topo
        .iter()
        .map(|&m| {
            let (own_cells, own_area) = own(m);
            ModuleArea {
                name: m.to_string(),
                instances: inst[m],
                own_cells,
                own_area_um2: own_area,
                submodules: by_name[m]
                    .cells
                    .iter()
                    .filter(|(ty, _)| by_name.contains_key(ty.as_str()))
                    .map(|(ty, n)| (ty.clone(), *n))
                    .collect(),
                inclusive_area_um2: inclusive[m],
                total_own_area_um2: inst[m] as f64 * own_area,
            }
        })
        .collect();
    let flip_flops = cells_by_type
        .iter()
        .filter(|(ty, _)| lib.cell(ty).map(|c| c.sequential).unwrap_or(false))
        .map(|(_, n)| n)
        .sum();
    Ok(SynthResult {
        top: top.to_string(),
        hierarchy,
        total_area_um2: total,
        cell_count: cells_by_type.values().sum(),
        cells_by_type,
        flip_flops,
        modules,
        engine: String::new(),
        yosys_version: String::new(),
        warnings: Vec::new(),
        cache_key: String::new(),
        adder_cells: Vec::new(),
        netlist: PathBuf::new(),
        from_cache: false,
    })
}

/// Modules reachable from the top, each after all of its parents (Kahn's algorithm).
fn topo_order<'a>(
    top: &'a str,
    by_name: &HashMap<&'a str, &StatModule>,
) -> Result<Vec<&'a str>, SynthError> {
    let mut reach: Vec<&'a str> = vec![top];
    let mut i = 0;
    while i < reach.len() {
        for ty in by_name[reach[i]].cells.keys() {
            if let Some((child, _)) = by_name.get_key_value(ty.as_str()) {
                if !reach.contains(child) {
                    reach.push(child);
                }
            }
        }
        i += 1;
    }
    let mut indeg: HashMap<&str, usize> = reach.iter().map(|m| (*m, 0)).collect();
    for m in &reach {
        for ty in by_name[m].cells.keys() {
            if let Some(d) = indeg.get_mut(ty.as_str()) {
                *d += 1;
            }
        }
    }
    let mut ready: Vec<&'a str> = vec![top];
    let mut out = Vec::new();
    while let Some(m) = ready.pop() {
        out.push(m);
        for ty in by_name[m].cells.keys() {
            if let Some((child, _)) = by_name.get_key_value(ty.as_str()) {
                let d = indeg.get_mut(child).expect("reachable");
                *d -= 1;
                if *d == 0 {
                    ready.push(child);
                }
            }
        }
    }
    if out.len() != reach.len() {
        return Err(SynthError::Stat("the module hierarchy has a cycle".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = r"
=== add4 ===

   Number of cells:                 13
     sky130_fd_sc_hd__maj3_1         2
     sky130_fd_sc_hd__xnor2_1        5

   Chip area for module '\add4': 97.593600

=== pair ===

   Number of cells:                  2
     add4                            1
     mul4                            1

   Area for cell type \add4 is unknown!

=== mul4 ===

   Number of cells:                 47
     sky130_fd_sc_hd__nand2_1       14

   Chip area for module '\mul4': 339.075200

=== top ===

   Number of cells:                117
     add4                            1
     pair                            2
     sky130_fd_sc_hd__dfxtp_1       10

   Chip area for module '\top': 1142.345600

=== design hierarchy ===

   top                               1
     pair                            2
       add4                          1
       mul4                          1

   Number of cells:                235
     sky130_fd_sc_hd__a21o_1         1

   Chip area for top module '\top': 2113.276800
";

    /// `stat -liberty` of Yosys 0.70 (tables with a count and an area column).
    const STAT_TABLE: &str = r"
=== csa3__fa ===

        +----------Local Count, excluding submodules.
        |        +-Local Area, excluding submodules.
        |        | 
        5        - wires
        5        - port bits
        1   20.019 cells
        1   20.019   sky130_fd_sc_hd__fa_1

   Chip area for module '\csa3__fa': 20.019200
     of which used for sequential elements: 0.000000 (0.00%)

=== csa3 ===

        9        - wires
       69        - wire bits
       10  200.192 cells
       10  200.192   sky130_fd_sc_hd__dfxtp_1
       14        - submodules
       14        -   csa3__fa

   Chip area for module '\csa3': 200.192000

=== design hierarchy ===

       15  480.461 csa3
        1   20.019 csa3__fa

       15  480.461 cells
       10  200.192   sky130_fd_sc_hd__dfxtp_1

   Chip area for top module '\csa3': 480.460800
";

    #[test]
    fn signed_declarations_become_plain_ones() {
        let net = "module t(a, y);\n  input signed [3:0] a;\n  wire signed [3:0] a;\n  \
                   wire \\signed.x ;\n  output y;\nendmodule\n";
        assert_eq!(
            unsigned_declarations(net).unwrap(),
            "module t(a, y);\n  input [3:0] a;\n  wire [3:0] a;\n  wire \\signed.x ;\n  \
             output y;\nendmodule\n"
        );
        assert_eq!(unsigned_declarations("module t;\nendmodule\n"), None);
    }

    #[test]
    fn tabular_stat_of_newer_yosys() {
        let (mods, total) = parse_stat(STAT_TABLE).unwrap();
        assert_eq!(total, Some(480.4608));
        assert_eq!(mods.len(), 2);
        assert_eq!(mods[0].0, "csa3__fa");
        assert_eq!(
            mods[0].1.cells,
            BTreeMap::from([("sky130_fd_sc_hd__fa_1".to_string(), 1)])
        );
        assert_eq!(
            mods[1].1.cells,
            BTreeMap::from([
                ("csa3__fa".to_string(), 14),
                ("sky130_fd_sc_hd__dfxtp_1".to_string(), 10)
            ])
        );
        assert_eq!(mods[1].1.chip_area, Some(200.192));
    }

    #[test]
    fn stat_sections_and_areas() {
        let (mods, total) = parse_stat(STAT).unwrap();
        assert_eq!(total, Some(2113.2768));
        let names: Vec<&str> = mods.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["add4", "pair", "mul4", "top"]);
        assert_eq!(mods[1].1.chip_area, None);
        assert_eq!(mods[3].1.cells.get("pair"), Some(&2));
        assert_eq!(mods[3].1.cells.get("sky130_fd_sc_hd__dfxtp_1"), Some(&10));
        assert_eq!(mods[0].1.chip_area, Some(97.5936));
    }

    #[test]
    fn adder_modules_are_found_by_name_and_wrapped_around_the_cells() {
        let src = "module u__fa(a, b, ci, s, co);\nendmodule\n  module u__ha (a, b, s, co);\n\
                   endmodule\nmodule u__fa_not(x);\nendmodule\nmodule u(x);\nendmodule\n";
        let mods = adder_modules(&[src, "module u__fa(a, b, ci, s, co);\n"]);
        assert_eq!(
            mods,
            vec![
                ("u__fa".to_string(), AdderKind::Full),
                ("u__ha".to_string(), AdderKind::Half)
            ]
        );
        let lib = Library::parse(
            r#"library (l) {
              time_unit : "1ns"; voltage_unit : "1V"; leakage_power_unit : "1nW";
              capacitive_load_unit (1.0, "pf"); nom_voltage : 1.8;
              cell (fa1) { area : 2.0;
              pin (A) { direction : input; } pin (B) { direction : input; }
              pin (CI) { direction : input; }
              pin (CO) { direction : output; function : "A&B | CI&(A|B)"; }
              pin (S) { direction : output; function : "A^B^CI"; } } }"#,
        )
        .unwrap();
        let (maps, text) = adder_wrappers(&mods, &lib).unwrap();
        // no half-adder cell: u__ha stays generic
        assert_eq!(
            maps,
            vec![AdderMapping {
                module: "u__fa".into(),
                cell: "fa1".into()
            }]
        );
        assert!(text.contains("(* blackbox *)\nmodule fa1(A, B, CI, S, CO);\n"));
        assert!(text.contains(
            "module u__fa(a, b, ci, s, co);\n  input a, b, ci;\n  output s, co;\n  \
             fa1 cell(.A(a), .B(b), .CI(ci), .S(s), .CO(co));\nendmodule\n"
        ));
        assert_eq!(adder_wrappers(&mods[1..], &lib), None);
        let srcs = vec![PathBuf::from("/d/a.v")];
        let s = yosys_script(
            &srcs,
            "u",
            Path::new("/l"),
            &tie(),
            Hierarchy::Keep,
            &maps,
            Mapping::Area,
        );
        assert!(s.contains("read_verilog /d/a.v\ndelete u__fa\nread_verilog adder_cells.v\nsynth"));
    }

    fn tie() -> TieCells {
        TieCells {
            hi_cell: "hi".into(),
            hi_pin: "H".into(),
            lo_cell: "lo".into(),
            lo_pin: "L".into(),
        }
    }

    #[test]
    fn script_keeps_or_flattens_hierarchy() {
        let srcs = vec![PathBuf::from("/d/a.v")];
        let keep = yosys_script(
            &srcs,
            "t",
            Path::new("/l.lib"),
            &tie(),
            Hierarchy::Keep,
            &[],
            Mapping::Area,
        );
        assert!(
            keep.contains("synth -top t\n")
                && keep.contains("flatten\n")
                && keep.contains("rename -enumerate")
        );
        let flat = yosys_script(
            &srcs,
            "t",
            Path::new("/l.lib"),
            &tie(),
            Hierarchy::Flatten,
            &[],
            Mapping::Area,
        );
        assert!(flat.contains("synth -flatten -top t\n") && !flat.contains("rename"));
        let timed = yosys_script(
            &srcs,
            "t",
            Path::new("/l.lib"),
            &tie(),
            Hierarchy::Flatten,
            &[],
            Mapping::Delay { target_ps: 9000 },
        );
        assert!(timed.contains(&format!(
            "abc -D 9000 -constr abc.constr -liberty /l.lib -script {DELAY_SCRIPT}\n"
        )));
        assert!(!timed.contains("abc -liberty"));
        for s in [&keep, &flat] {
            assert!(s.contains("read_verilog /d/a.v\n"));
            assert!(s.contains("abc -liberty /l.lib\n"));
            assert!(s.contains("hilomap -singleton -hicell hi H -locell lo L\n"));
            assert!(s.ends_with("write_verilog -noattr -simple-lhs net.v\n"));
        }
    }
}
