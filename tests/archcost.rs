//! Datapath architectures (`--multiplier`, `--reduction`) in `compare`, `sweep` and the
//! calibrated model: each answers with the numbers of the architecture asked for, names it in
//! every output, and a model that cannot tell architectures apart refuses an explicit one.
//! Everything here reads the shipped results in `reports/`; nothing is synthesized.

use std::path::Path;

use clap::Parser;
use hwcost::cost::analytic::{PsumWidth, UnitParams};
use hwcost::cost::source::CostTable;
use hwcost::format::lookup;
use hwcost::report::compare::{compare_output, comparison, CompareArgs, CompareRow, Comparison};
use hwcost::report::render::{render, TableFormat};
use hwcost::rtl::{Arch, Multiplier, Reduction};

#[derive(Parser)]
struct CompareCmd {
    #[command(flatten)]
    args: CompareArgs,
}

/// `compare` with few measured blocks (the QSNR is not what these tests check).
fn compare(argv: &[&str]) -> Result<Comparison, String> {
    let argv = ["compare", "--samples", "16"].iter().chain(argv);
    let args = CompareCmd::try_parse_from(argv).unwrap().args;
    comparison(&args).map_err(|e| e.to_string())
}

fn row<'a>(c: &'a Comparison, name: &str) -> &'a CompareRow {
    c.rows.iter().find(|r| r.format == name).unwrap()
}

fn shipped() -> CostTable {
    CostTable::load(Path::new("reports/synth-results.json")).unwrap()
}

fn unit(name: &str, arch: Arch) -> UnitParams {
    UnitParams::new(lookup(name).unwrap(), None, PsumWidth::Default)
        .unwrap()
        .with_arch(arch)
        .unwrap()
}

#[test]
fn compare_with_array_cpa_reads_the_array_cpa_synthesized_numbers() {
    let table = shipped();
    let cpa = Arch::new(Multiplier::Array, Reduction::CpaTree);
    let c = compare(&[
        "mxint8",
        "mxfp8",
        "--model",
        "synth",
        "--multiplier",
        "array",
        "--reduction",
        "cpa-tree",
    ])
    .unwrap();
    for name in ["mxint8", "mxfp8"] {
        let r = row(&c, name);
        let want = table.find(&unit(name, cpa)).unwrap();
        let default = table.find(&unit(name, Arch::default())).unwrap();
        assert_ne!(
            want.area_um2.to_bits(),
            default.area_um2.to_bits(),
            "{name}"
        );
        assert_eq!(r.area_um2.to_bits(), want.area_um2.to_bits(), "{name}");
        assert_eq!(
            r.energy_pj_per_mac.to_bits(),
            want.energy_pj_per_mac.to_bits(),
            "{name}"
        );
        assert_eq!(
            r.fmax_mhz.map(f64::to_bits),
            want.fmax_mhz.map(f64::to_bits)
        );
        assert_eq!(r.architecture, "array + cpa-tree");
        assert_eq!(
            (r.multiplier, r.reduction),
            (Some(Multiplier::Array), Some(Reduction::CpaTree))
        );
    }
    // the previous generator's verdict: MXINT8 larger than MXFP8 when both are built this way
    assert!(row(&c, "mxfp8").area_ratio < 1.0);
    // `--reduction cpa-tree` alone means the same units (the array is cpa-tree's multiplier)
    let only = compare(&["mxint8", "mxfp8", "--reduction", "cpa-tree"]).unwrap();
    assert_eq!(only.rows, c.rows);
}

#[test]
fn compare_defaults_are_unchanged_and_named() {
    let table = shipped();
    // no --model: the shipped synthesized results answer, each format in its default
    let c = compare(&["mxint8", "mxfp8"]).unwrap();
    assert_eq!(c.provenance.model, "synth");
    for (name, arch) in [
        ("mxint8", "booth4 + csa-tree"),
        ("mxfp8", "array + csa-tree"),
    ] {
        let r = row(&c, name);
        let want = table.find(&unit(name, Arch::default())).unwrap();
        assert_eq!(r.area_um2.to_bits(), want.area_um2.to_bits(), "{name}");
        assert_eq!(r.architecture, arch);
    }
    // naming the defaults explicitly changes nothing but the note
    let explicit = compare(&[
        "mxint8",
        "mxfp8",
        "--model",
        "synth",
        "--reduction",
        "csa-tree",
    ])
    .unwrap();
    assert_eq!(explicit.rows, c.rows);
    // every output names the architecture of each column
    let text = render(&c, TableFormat::Table).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("architecture"))
        .unwrap();
    assert!(
        line.contains("booth4 + csa-tree") && line.contains("array + csa-tree"),
        "{line}"
    );
    let md = render(&c, TableFormat::Md).unwrap();
    assert!(
        md.contains("| architecture | booth4 + csa-tree | array + csa-tree |"),
        "{md}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&render(&c, TableFormat::Json).unwrap()).unwrap();
    assert_eq!(json["rows"][0]["architecture"], "booth4 + csa-tree");
    assert_eq!(json["rows"][0]["multiplier"], "booth4");
    assert_eq!(json["rows"][1]["reduction"], "csa-tree");
    let csv = render(&c, TableFormat::Csv).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let head = rd.headers().unwrap().clone();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rec = rd.records().next().unwrap().unwrap();
    assert_eq!(&rec[col("architecture")], "booth4 + csa-tree");
    assert_eq!(&rec[col("multiplier")], "booth4");
    assert_eq!(&rec[col("reduction")], "csa-tree");
}

#[test]
fn compare_refuses_what_it_cannot_answer() {
    // booth4 is not built for FP formats
    let e = compare(&["mxint8", "mxfp8", "--multiplier", "booth4"]).unwrap_err();
    assert!(e.contains("booth4") && e.contains("mxfp8"), "{e}");
    // the analytic model cannot tell architectures apart: refused, never ignored
    let e = compare(&[
        "mxint8",
        "mxfp8",
        "--model",
        "analytic",
        "--reduction",
        "cpa-tree",
    ])
    .unwrap_err();
    assert!(
        e.contains("analytic") && e.contains("--reduction cpa-tree"),
        "{e}"
    );
    // an explicit architecture the results lack is never answered by the analytic model
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().to_str().unwrap();
    let e = compare(&[
        "mxint8",
        "mxfp8",
        "--results",
        results,
        "--multiplier",
        "array",
    ])
    .unwrap_err();
    assert!(
        e.contains("analytic") && e.contains("--multiplier array"),
        "{e}"
    );
    // without one, the analytic fallback says it does not model the architecture
    let c = compare(&["mxint8", "mxfp8", "--results", results]).unwrap();
    assert_eq!(
        row(&c, "mxint8").architecture,
        "not modelled (analytic model)"
    );
    assert_eq!(row(&c, "mxint8").multiplier, None);
    // mixed units have one architecture
    let argv = [
        "compare",
        "mxint8+nvint4",
        "mxfp8+nvfp4",
        "--reduction",
        "csa-tree",
    ];
    let args = CompareCmd::try_parse_from(argv).unwrap().args;
    let e = compare_output(&args).unwrap_err().to_string();
    assert!(e.contains("--reduction"), "{e}");
}

#[derive(Parser)]
struct SweepCmd {
    #[command(flatten)]
    args: hwcost::arch::sweep::SweepArgs,
}

fn sweep(argv: &[&str]) -> Result<hwcost::arch::sweep::Sweep, String> {
    let argv = ["sweep"].iter().chain(argv);
    let args = SweepCmd::try_parse_from(argv).unwrap().args;
    hwcost::arch::sweep::sweep(&args, &indicatif::ProgressBar::hidden()).map_err(|e| e.to_string())
}

#[test]
fn sweep_names_the_architecture_and_refuses_what_its_model_cannot_price() {
    // the analytic model does not distinguish architectures: an explicit one is refused
    for opt in [["--multiplier", "array"], ["--reduction", "csa-tree"]] {
        let e = sweep(&[&["--formats", "mxint8"][..], &opt[..]].concat()).unwrap_err();
        assert!(e.contains("analytic") && e.contains(opt[0]), "{e}");
    }
    // and its rows name none
    let s = sweep(&["--formats", "mxint8,mxfp8"]).unwrap();
    assert!(s
        .rows
        .iter()
        .all(|r| r.multiplier.is_none() && r.reduction.is_none()));
    let csv = hwcost::arch::sweep::to_csv(&s);
    assert!(
        csv.starts_with("format,lanes,psum_width,multiplier,reduction,pipeline,"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("mxint8,32,exact,,,0,"),
        "{csv}"
    );
    // the calibrated model names each row's architecture; a list applies to every format,
    // and a combination a format is not built in is skipped with the reason
    let s = sweep(&[
        "--formats",
        "mxint8,mxfp8",
        "--model",
        "calibrated",
        "--multiplier",
        "booth4",
    ])
    .unwrap();
    assert_eq!(s.rows.len(), 1);
    let r = &s.rows[0];
    assert_eq!(
        (r.format.as_str(), r.multiplier, r.reduction),
        ("mxint8", Some(Multiplier::Booth4), Some(Reduction::CsaTree))
    );
    assert!(
        s.skipped
            .iter()
            .any(|x| x.contains("mxfp8") && x.contains("booth4")),
        "{:?}",
        s.skipped
    );
    let csv = hwcost::arch::sweep::to_csv(&s);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("mxint8,32,exact,booth4,csa-tree,0,"),
        "{csv}"
    );
    // a reduction the calibration was not fitted to is refused, never priced as another
    let e = sweep(&[
        "--formats",
        "mxint8",
        "--model",
        "calibrated",
        "--reduction",
        "cpa-tree",
    ])
    .unwrap_err();
    assert!(e.contains("cpa-tree") && e.contains("calibrated"), "{e}");
}
