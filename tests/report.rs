//! `hwcost compare`, `hwcost plot` and `hwcost report`: table and JSON contents checked by value,
//! CSV read back, errors that name the bad value, charts that are real images, and reports that
//! regenerate byte for byte.

mod common;

use std::path::Path;

use clap::Parser;
use hwcost::cost::analytic::{analytic_cost, PsumWidth, UnitParams};
use hwcost::cost::source::{AnalyticSource, CostSource, CostTable, Provenance, UnitCost};
use hwcost::cost::tech::Tech;
use hwcost::format::lookup_in;
use hwcost::format::qsnr::{measure_gaussian, theory_qsnr_db};
use hwcost::report::compare::{compare_output, comparison, CompareArgs, CompareRow, Comparison};
use hwcost::report::generate::{generate, ReportArgs};
use hwcost::report::plot::{plot, PlotArgs};
use hwcost::report::ReportError;

#[derive(Parser)]
struct CompareCmd {
    #[command(flatten)]
    args: CompareArgs,
}

#[derive(Parser)]
struct PlotCmd {
    #[command(flatten)]
    args: PlotArgs,
}

#[derive(Parser)]
struct ReportCmd {
    #[command(flatten)]
    args: ReportArgs,
}

fn parse<P: Parser>(name: &str, argv: &[&str]) -> Result<P, clap::Error> {
    P::try_parse_from(std::iter::once(name).chain(argv.iter().copied()))
}

fn compare_args(argv: &[&str]) -> CompareArgs {
    parse::<CompareCmd>("compare", argv).unwrap().args
}

fn unit(name: &str) -> UnitParams {
    UnitParams::new(lookup_in(name, &[]).unwrap(), None, PsumWidth::Default).unwrap()
}

fn row<'a>(c: &'a Comparison, name: &str) -> &'a CompareRow {
    c.rows.iter().find(|r| r.format == name).unwrap()
}

mod compare {
    use super::*;

    #[test]
    fn headline_values_are_the_models_values() {
        let c = comparison(&compare_args(&["mxint8", "mxfp8", "--model", "analytic"])).unwrap();
        assert_eq!(c.baseline, "mxint8");
        assert_eq!((c.kappa, c.samples, c.seed), (3.0, 4096, 0));
        assert_eq!(c.provenance.model, "analytic");
        assert_eq!(c.provenance.tech, "sky130hd");
        let tech = Tech::builtin("sky130hd").unwrap();
        for name in ["mxint8", "mxfp8"] {
            let r = row(&c, name);
            let f = lookup_in(name, &[]).unwrap();
            let a = analytic_cost(&unit(name), &tech);
            assert_eq!(r.bits_per_element, 8.25, "{name}");
            assert_eq!(r.lanes, 32);
            assert_eq!(r.area_um2, a.total.area_um2, "{name}");
            assert_eq!(r.energy_pj_per_mac, a.total.energy_pj_per_mac, "{name}");
            assert_eq!(r.rho, 1.5);
            assert_eq!(r.qsnr_theory_db, theory_qsnr_db(&f, 3.0, 1.5));
            assert_eq!(
                r.qsnr_measured_db.to_bits(),
                measure_gaussian(&f, 4096, 0).unwrap().to_bits()
            );
            // the analytic model has no timing; the latency is the generated RTL's
            assert_eq!((r.fmax_mhz, r.latency_cycles), (None, Some(1)));
        }
        let (i, p) = (row(&c, "mxint8"), row(&c, "mxfp8"));
        assert_eq!(i.psum_width, None);
        assert_eq!(p.psum_width, Some(24));
        assert_eq!(
            (i.area_ratio, i.energy_ratio, i.qsnr_theory_delta_db),
            (1.0, 1.0, 0.0)
        );
        assert_eq!(p.area_ratio, p.area_um2_per_mac / i.area_um2_per_mac);
        assert_eq!(p.energy_ratio, p.energy_pj_per_mac / i.energy_pj_per_mac);
        assert_eq!(
            p.qsnr_measured_delta_db,
            p.qsnr_measured_db - i.qsnr_measured_db
        );
        // MXFP8 relative to MXINT8 in the study: 1 / 0.79 and 1 / 0.63.
        assert_eq!(p.study_area_ratio, Some(1.0 / 0.79));
        assert_eq!(p.study_energy_ratio, Some(1.0 / 0.63));
        assert_eq!(
            (i.study_qsnr_db, p.study_qsnr_db),
            (Some(40.35), Some(31.50))
        );
        // What the study found: INT8 is cheaper and, on Gaussian data, more accurate.
        assert!(p.area_ratio > 1.0 && p.energy_ratio > 1.0 && p.qsnr_measured_delta_db < -5.0);
    }

    #[test]
    fn study_table5_appears_against_mxfp8_and_only_at_default_parameters() {
        let c = comparison(&compare_args(&[
            "mxfp8", "mxint8", "nvfp4", "nvint4", "mxfp4", "--model", "analytic",
        ]))
        .unwrap();
        let study = |n| (row(&c, n).study_area_ratio, row(&c, n).study_energy_ratio);
        assert_eq!(study("mxfp8"), (Some(1.0), Some(1.0)));
        assert_eq!(study("mxint8"), (Some(0.79), Some(0.63)));
        assert_eq!(study("nvfp4"), (Some(0.54), Some(0.55)));
        assert_eq!(study("nvint4"), (Some(0.38), Some(0.34)));
        assert_eq!(study("mxfp4"), (None, None));
        assert_eq!(row(&c, "nvint4").bits_per_element, 4.5);
        assert_eq!(row(&c, "nvint4").lanes, 16);
        let c = comparison(&compare_args(&[
            "mxfp8", "mxint8", "--lanes", "16", "--model", "analytic",
        ]))
        .unwrap();
        assert_eq!(row(&c, "mxint8").study_area_ratio, None);
        assert!(
            c.notes
                .iter()
                .any(|n| n.contains("left out for units not at the study's parameters")),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn text_and_markdown_show_the_values_and_say_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let results = dir.path().to_str().unwrap();
        let text =
            compare_output(&compare_args(&["mxint8", "mxfp8", "--results", results])).unwrap();
        let line = |label: &str| {
            text.lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_else(|| panic!("{label}:\n{text}"))
        };
        let cells = |label: &str| {
            line(label)
                .split_whitespace()
                .rev()
                .take(2)
                .collect::<Vec<_>>()
        };
        assert_eq!(cells("bits per element (with scale)"), ["8.25", "8.25"]);
        assert_eq!(cells("QSNR study, Llama-3.1-8B (dB)"), ["31.50", "40.35"]);
        assert_eq!(cells("  study (Table 5)"), ["1.27x", "1.00x"]);
        assert!(
            line("fmax (MHz)").matches("n/a (analytic model)").count() == 2,
            "{text}"
        );
        assert!(
            text.contains("analytic model used: no synth results in"),
            "{text}"
        );
        assert!(text.starts_with("hwcost 0.1.0: model analytic"), "{text}");
        let md = compare_output(&compare_args(&[
            "mxint8", "mxfp8", "--format", "md", "--model", "analytic",
        ]))
        .unwrap();
        assert!(md.starts_with("> Generated by hwcost"), "{md}");
        assert!(
            md.contains("| | mxint8 | mxfp8 |\n|---|---:|---:|\n"),
            "{md}"
        );
        assert!(
            md.contains("| bits per element (with scale) | 8.25 | 8.25 |"),
            "{md}"
        );
        assert!(
            md.contains("| &nbsp;&nbsp;study (Table 5) | 1.00x | 1.27x |"),
            "{md}"
        );
    }

    #[test]
    fn json_and_csv_carry_the_same_rows_and_csv_reads_back() {
        let base = ["mxfp8", "mxint8", "nvfp4", "nvint4", "--model", "analytic"];
        let c = comparison(&compare_args(&base)).unwrap();
        let json =
            compare_output(&compare_args(&[&base[..], &["--format", "json"]].concat())).unwrap();
        let back: Comparison = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["rows"][1]["bits_per_element"], 8.25);
        assert_eq!(v["rows"][1]["study_area_ratio"], 0.79);
        assert!(v["rows"][1]["fmax_mhz"].is_null());
        let csv =
            compare_output(&compare_args(&[&base[..], &["--format", "csv"]].concat())).unwrap();
        assert!(
            csv.starts_with(
                "format,element,block,scale,is_int,lanes,psum_width,architecture,multiplier,reduction,bits_per_element,"
            ),
            "{csv}"
        );
        let mut rd = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<CompareRow> = rd.deserialize().collect::<Result<_, _>>().unwrap();
        assert_eq!(rows.len(), c.rows.len());
        // CSV numbers are the JSON's rounded to 10 significant digits, bit for bit.
        let round = hwcost::fields::round_sig;
        for (r, full) in rows.iter().zip(&c.rows) {
            assert_eq!(r.format, full.format);
            assert_eq!(r.psum_width, full.psum_width);
            for (got, want) in [
                (r.area_um2, full.area_um2),
                (r.area_um2_per_mac, full.area_um2_per_mac),
                (r.energy_pj_per_mac, full.energy_pj_per_mac),
                (r.energy_ratio, full.energy_ratio),
                (r.qsnr_measured_db, full.qsnr_measured_db),
            ] {
                assert_eq!(got.to_bits(), round(want).to_bits(), "{}", r.format);
            }
        }
        assert_eq!(rows[3].format, "nvint4");
        assert_eq!(rows[3].psum_width, None);
        // One spelling of an exact block sum: "exact" in the CSV and in the JSON.
        let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
        let col = header.iter().position(|h| *h == "psum_width").unwrap();
        let fields: Vec<&str> = csv
            .lines()
            .map(|l| l.split(',').nth(col).unwrap())
            .collect();
        assert_eq!(fields, ["psum_width", "24", "exact", "10", "exact"]);
        assert_eq!(v["rows"][1]["psum_width"], "exact");
        assert_eq!(v["rows"][0]["psum_width"], 24);
        // No float noise: every number has at most 10 significant digits.
        for l in csv.lines().skip(1) {
            for f in l.split(',') {
                let digits = f.trim_start_matches('-').replace('.', "");
                if f.parse::<f64>().is_ok() {
                    assert!(digits.trim_start_matches('0').len() <= 10, "{f} in {l}");
                }
            }
        }
        assert_eq!(rows[3].study_energy_ratio, Some(0.34));
    }

    #[test]
    fn many_formats_wrap_within_100_columns_with_every_row_in_every_block() {
        let names = [
            "mxint8", "mxfp8", "mxint6", "mxfp6", "mxint4", "mxfp4", "nvfp4", "nvint4",
        ];
        let argv: Vec<&str> = [&names[..], &["--model", "analytic"]].concat();
        let text = compare_output(&compare_args(&argv)).unwrap();
        for l in text.lines() {
            assert!(
                l.chars().count() <= 100,
                "{} columns: {l}",
                l.chars().count()
            );
        }
        // The table: blocks separated by a blank line, each a header of formats over the same
        // labelled rows; every format heads exactly one column.
        let first_notes = text.find("\n- Ratios").unwrap();
        let table = &text[text.find('\n').unwrap() + 2..first_notes];
        let blocks: Vec<&str> = table.trim_end().split("\n\n").collect();
        assert!(blocks.len() >= 2, "not wrapped:\n{text}");
        let labels = |b: &str| {
            b.lines()
                .skip(1)
                .map(|l| l.split("  ").next().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let mut heads = Vec::new();
        for b in &blocks {
            assert_eq!(labels(b), labels(blocks[0]), "{b}");
            heads.extend(b.lines().next().unwrap().split_whitespace());
        }
        assert_eq!(heads, names, "{table}");
        // Short provenance line on top, the details in the footnote it points to.
        let first = text.lines().next().unwrap();
        assert!(first.ends_with("[1]") && first.len() < 100, "{first}");
        let foot = &text[text.find("\n[1] Provenance\n").expect("footnote")..];
        assert!(
            foot.contains("model analytic: the study's analytic gate model"),
            "{foot}"
        );
        assert!(
            foot.contains("technology file: models/sky130hd.toml"),
            "{foot}"
        );
    }

    #[test]
    fn shipped_synthesized_results_replace_the_analytic_model() {
        let dir = tempfile::tempdir().unwrap();
        let a = AnalyticSource::new("sky130hd").unwrap();
        let units: Vec<UnitCost> = ["mxint8", "mxfp8"]
            .iter()
            .map(|n| {
                let u = unit(n);
                let mut c = a.unit_cost(&u).unwrap();
                c.components.iter_mut().for_each(|x| x.area_um2 *= 3.0);
                UnitCost::from_components(
                    &u,
                    "synth",
                    "sky130hd",
                    c.components,
                    Some(312.5),
                    Some(1),
                )
            })
            .collect();
        let provenance = Provenance {
            model: "synth".into(),
            model_description: "Yosys + OpenSTA, simulated activity".into(),
            tools: vec!["Yosys 0.23".into()],
            ..a.provenance().clone()
        };
        CostTable { provenance, units }
            .save(&dir.path().join("synth-results.json"))
            .unwrap();
        let results = dir.path().to_str().unwrap();
        let c = comparison(&compare_args(&["mxint8", "mxfp8", "--results", results])).unwrap();
        assert_eq!(c.provenance.model, "synth");
        assert_eq!(c.provenance.tools, ["Yosys 0.23"]);
        assert!(
            !c.notes.iter().any(|n| n.contains("analytic model used")),
            "{:?}",
            c.notes
        );
        let analytic = analytic_cost(&unit("mxint8"), &Tech::builtin("sky130hd").unwrap());
        assert!((row(&c, "mxint8").area_um2 / analytic.total.area_um2 - 3.0).abs() < 1e-12);
        assert_eq!(row(&c, "mxfp8").fmax_mhz, Some(312.5));
        let text =
            compare_output(&compare_args(&["mxint8", "mxfp8", "--results", results])).unwrap();
        assert!(
            text.lines()
                .any(|l| l.starts_with("fmax (MHz)") && l.ends_with("312.5")),
            "{text}"
        );
        // A unit the results lack: automatic choice falls back and says why.
        let c = comparison(&compare_args(&["mxint8", "nvfp4", "--results", results])).unwrap();
        assert_eq!(c.provenance.model, "analytic");
        assert!(c.notes[0].contains("no result for nvfp4"), "{:?}", c.notes);
    }
}

mod errors {
    use super::*;

    #[test]
    fn unknown_formats_and_bad_values_name_the_value() {
        let e = comparison(&compare_args(&["mxint8", "mxfp9"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'mxfp9'") && e.contains("mxfp8"), "{e}");
        let e = comparison(&compare_args(&["mxint8", "mxfp8", "--lanes", "24"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("24"), "{e}");
        let e = comparison(&compare_args(&["mxint8", "mxfp8", "--psum-width", "wide"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'wide'"), "{e}");
        let e = comparison(&compare_args(&["mxint8", "mxfp8", "--kappa", "0.5"])).unwrap_err();
        assert!(matches!(e, ReportError::BadKappa(k) if k == 0.5), "{e}");
        let e = comparison(&compare_args(&["mxint8", "mxfp8", "--samples", "0"])).unwrap_err();
        assert!(matches!(e, ReportError::BadSamples(0)), "{e}");
        let e = comparison(&compare_args(&["mxint8", "mxfp8", "--tech", "tsmc3"]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("tsmc3"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let e = comparison(&compare_args(&[
            "mxint8",
            "mxfp8",
            "--model",
            "synth",
            "--results",
            dir.path().to_str().unwrap(),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("'synth'")
                && e.contains("synth-results.json")
                && e.contains("--model analytic"),
            "{e}"
        );
    }

    #[test]
    fn unknown_options_are_rejected_by_the_parser() {
        assert!(
            parse::<CompareCmd>("compare", &["mxint8"]).is_err(),
            "one format is not a comparison"
        );
        for bad in [
            &["mxint8", "mxfp8", "--format", "xml"][..],
            &["mxint8", "mxfp8", "--model", "magic"],
            &["mxint8", "mxfp8", "--colour"],
        ] {
            let e = parse::<CompareCmd>("compare", bad)
                .err()
                .unwrap()
                .to_string();
            assert!(e.contains(bad[bad.len() - 1]), "{bad:?}: {e}");
        }
        let e = parse::<PlotCmd>("plot", &["pie", "-o", "x.svg"])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("'pie'") && e.contains("qsnr-kappa"), "{e}");
    }

    #[test]
    fn the_binary_exits_nonzero_with_one_clear_line_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = common::hwcost()
            .args(["compare", "mxint8", "mxfp9"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("unknown format 'mxfp9'"), "{err}");
        let target = dir.path().join("chart.jpg");
        let out = common::hwcost()
            .args(["plot", "qsnr-energy", "-o"])
            .arg(&target)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("chart.jpg") && err.contains(".svg or .png"),
            "{err}"
        );
        let bad = dir.path().join("bad.svg");
        let out = common::hwcost()
            .args(["plot", "area-breakdown", "mxint8", "nvfp5", "-o"])
            .arg(&bad)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "nothing may be written on an error"
        );
    }
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

/// The text content of every `<text>` element of an SVG document.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

mod charts {
    use super::*;

    fn plot_args(argv: &[&str]) -> PlotArgs {
        parse::<PlotCmd>("plot", argv).unwrap().args
    }

    #[test]
    fn png_size_follows_width_and_height_and_bad_sizes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.png");
        let p = path.to_str().unwrap();
        let base = [
            "qsnr-energy",
            "mxint8",
            "mxfp8",
            "--model",
            "analytic",
            "-o",
            p,
        ];
        plot(&plot_args(
            &[&base[..], &["--width", "800", "--height", "500"]].concat(),
        ))
        .unwrap();
        assert_eq!(png_size(&std::fs::read(&path).unwrap()), (800, 500));
        let e = plot(&plot_args(&[&base[..], &["--width", "10"]].concat())).unwrap_err();
        assert!(e.to_string().contains("10x650"), "{e}");
        // --scale: the same layout at a higher pixel density; 1 is the unscaled chart's bytes.
        plot(&plot_args(
            &[
                &base[..],
                &["--width", "800", "--height", "500", "--scale", "2"],
            ]
            .concat(),
        ))
        .unwrap();
        let big = std::fs::read(&path).unwrap();
        assert_eq!(png_size(&big), (1600, 1000));
        plot(&plot_args(&[&base[..], &["--scale", "1.5"]].concat())).unwrap();
        assert_eq!(png_size(&std::fs::read(&path).unwrap()), (1650, 975));
        let one = dir.path().join("one.png");
        let plain = dir.path().join("plain.png");
        let at = |p: &Path, extra: &[&str]| {
            let mut a = base.to_vec();
            a.pop();
            plot(&plot_args(
                &[&a[..], &[p.to_str().unwrap()], extra].concat(),
            ))
            .unwrap();
            std::fs::read(p).unwrap()
        };
        assert!(at(&one, &["--scale", "1"]) == at(&plain, &[]));
        // An SVG declares the scaled size and scaled fonts.
        let svg_scaled = dir.path().join("s.svg");
        let svg = String::from_utf8(at(&svg_scaled, &["--scale", "2"])).unwrap();
        assert!(
            svg.starts_with("<svg width=\"2200\" height=\"1300\""),
            "{}",
            &svg[..80]
        );
        for (argv, want) in [
            (vec!["--scale", "0"], "chart scale 0"),
            (vec!["--scale=-2"], "chart scale -2"),
            (vec!["--scale", "NaN"], "chart scale NaN"),
            (vec!["--scale", "inf"], "chart scale inf"),
            (vec!["--scale", "9"], "0.5 to 8"),
            (vec!["--width", "4000", "--scale", "3"], "12000x1950 pixels"),
        ] {
            let e = plot(&plot_args(&[&base[..], &argv[..]].concat()))
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{argv:?}: {e}");
        }
        // The model is named under the title, not only in the footer.
        let svg_path = dir.path().join("q.svg");
        let svg_args = ["area-breakdown", "mxint8", "--model", "analytic", "-o"];
        plot(&plot_args(
            &[&svg_args[..], &[svg_path.to_str().unwrap()]].concat(),
        ))
        .unwrap();
        let svg = std::fs::read_to_string(&svg_path).unwrap();
        assert!(
            svg_texts(&svg)
                .iter()
                .any(|t| t.starts_with("analytic model, sky130hd")),
            "{:?}",
            svg_texts(&svg)
        );
    }

    #[test]
    fn every_kind_draws_a_titled_svg_and_a_real_png() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (
                "area-breakdown",
                "Area per MAC by component",
                &["mxfp8", "mxint8", "nvfp4"][..],
            ),
            (
                "energy-breakdown",
                "Energy per MAC by component",
                &["mxfp8", "mxint8"],
            ),
            (
                "qsnr-energy",
                "QSNR versus energy per MAC",
                &["mxfp8", "mxint8", "mxfp4", "mxint4"],
            ),
            (
                "qsnr-kappa",
                "QSNR versus crest factor: INT against FP",
                &["mxint8", "mxfp8"],
            ),
        ];
        for (kind, title, formats) in cases {
            for ext in ["svg", "png"] {
                let path = dir.path().join(format!("{kind}.{ext}"));
                let p = path.to_str().unwrap();
                let argv: Vec<&str> = [
                    &[kind][..],
                    formats,
                    &["-o", p, "--samples", "256", "--model", "analytic"],
                ]
                .concat();
                plot(&plot_args(&argv)).unwrap();
                let bytes = std::fs::read(&path).unwrap();
                if ext == "png" {
                    assert_eq!(png_size(&bytes), (1100, 650), "{kind}");
                    assert!(
                        bytes.len() > 20_000,
                        "{kind}: {} bytes is too little for a chart",
                        bytes.len()
                    );
                } else {
                    let svg = String::from_utf8(bytes).unwrap();
                    assert!(
                        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
                        "{kind}"
                    );
                    let texts = svg_texts(&svg);
                    assert!(
                        texts.iter().any(|t| t == title),
                        "{kind}: no title in {texts:?}"
                    );
                    for f in formats {
                        assert!(
                            texts.iter().any(|t| t.contains(f)),
                            "{kind}: no label {f} in {texts:?}"
                        );
                    }
                }
            }
        }
        // The crest-factor chart marks the crossover the study reports (7.55).
        let svg = std::fs::read_to_string(dir.path().join("qsnr-kappa.svg")).unwrap();
        assert!(
            svg_texts(&svg).iter().any(|t| t.starts_with("κ = 7.5")),
            "{:?}",
            svg_texts(&svg)
        );
    }
}

mod reports {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_rerun_writes_identical_files_and_the_index_links_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let empty = tempfile::tempdir().unwrap();
        let (out, results) = (dir.path().to_str().unwrap(), empty.path().to_str().unwrap());
        std::fs::write(dir.path().join("bench-quantize.md"), "# bench\n").unwrap();
        std::fs::write(dir.path().join("synth-details.json"), "{}\n").unwrap();
        let args = parse::<ReportCmd>(
            "report",
            &["-o", out, "--samples", "256", "--results", results],
        )
        .unwrap()
        .args;
        let written = generate(&args).unwrap();
        assert_eq!(written.len(), 20);
        let first = files(dir.path());
        generate(&args).unwrap();
        let second = files(dir.path());
        assert_eq!(first.len(), second.len());
        for ((n1, b1), (n2, b2)) in first.iter().zip(&second) {
            assert_eq!(n1, n2);
            assert!(b1 == b2, "{n1} differs between two runs");
        }
        let text =
            |name: &str| String::from_utf8(std::fs::read(dir.path().join(name)).unwrap()).unwrap();
        let readme = text("README.md");
        assert!(
            readme.contains("- [bench-quantize.md](bench-quantize.md)\n"),
            "{readme}"
        );
        assert!(
            readme.contains(
                "## Other files\n\n- [synth-details.json](synth-details.json): full per-unit synthesis reports"
            ),
            "{readme}"
        );
        // The design-space sweep: analytic here (no calibration in the results directory),
        // every built-in at 3 lane counts, its psum widths and 3 depths, the front marked.
        let csv = text("sweep.csv");
        let mut lines = csv.lines();
        assert!(lines
            .next()
            .unwrap()
            .ends_with(",qsnr_db,pareto,model,tech"));
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        // Only MXFP8's two 8-bit variants have a default width (24) below the exact one; the
        // other 8 formats have one unit per lane count. Each at 3 depths.
        assert_eq!(rows.len(), (2 * 3 * 2 + 8 * 3) * 3);
        assert!(rows
            .iter()
            .all(|r| r[13] == "analytic" && r[14] == "sky130hd"));
        let front = rows.iter().filter(|r| r[12] == "true").count();
        assert!(front > 0 && front < rows.len(), "{front} on the front");
        assert!(text("sweep.svg").contains("Design-space sweep"));
        for f in [
            "compare-mxint8-mxfp8.md",
            "compare.md",
            "compare.csv",
            "compare.json",
            "table5.md",
            "compare-mixed.md",
            "model-vs-synth.md",
            "qsnr.md",
            "qsnr-kappa.svg",
            "area-breakdown.png",
            "bench-quantize.md",
            "sweep.csv",
            "sweep.svg",
            "sweep.png",
        ] {
            assert!(
                readme.contains(&format!("({f})")),
                "README does not link {f}"
            );
            assert!(dir.path().join(f).is_file(), "{f} missing");
        }
        // Every report names model, technology and generator.
        for f in ["README.md", "compare.md", "table5.md", "model-vs-synth.md"] {
            let t = text(f);
            assert!(
                t.contains("hwcost 0.1.0") && t.contains("**analytic**") && t.contains("sky130hd"),
                "{f}"
            );
        }
        assert!(text("qsnr.md").contains("Generated by hwcost 0.1.0"));
        // Values, not just presence.
        let t5 = text("table5.md");
        assert!(
            t5.contains(
                "| mxint8 | sky130hd | 0.744x | 0.79x | -0.046 | 0.826x | 0.63x | +0.196 |"
            ),
            "{t5}"
        );
        assert!(
            t5.contains(
                "| mxint8+nvint4 | mxfp8+nvfp4 | sky130hd | 0.645x | 0.66x | 0.702x | 0.75x |"
            ),
            "{t5}"
        );
        assert!(t5.contains("mxint8 0.59, nvfp4 0.50, nvint4 0.32"), "{t5}");
        let mvs = text("model-vs-synth.md");
        assert!(
            mvs.contains("**Synthesized results are missing**: no synth results in"),
            "{mvs}"
        );
        assert!(mvs.contains("| mxint8 | 32 | exact | 62124.6 |"), "{mvs}");
        let q = text("qsnr.md");
        assert!(
            q.contains("| mxint8 | mxfp8 | 7.542 | 31.86 | 7.55 | 31.86 |"),
            "{q}"
        );
        assert!(q.contains("| Student-t (3 dof) | nvint4 |"), "{q}");
        let c: Comparison = serde_json::from_str(&text("compare.json")).unwrap();
        assert_eq!(c.baseline, "mxfp8");
        assert_eq!(c.rows.len(), 10);
        assert_eq!(row(&c, "mxint8").bits_per_element, 8.25);
        assert_eq!(
            png_size(&std::fs::read(dir.path().join("qsnr-energy.png")).unwrap()),
            (1100, 650)
        );
    }

    #[test]
    fn model_versus_synthesis_compares_when_results_are_shipped() {
        let dir = tempfile::tempdir().unwrap();
        let a = AnalyticSource::new("sky130hd").unwrap();
        let units = hwcost::format::builtins()
            .into_iter()
            .map(|f| {
                let u = UnitParams::new(f, None, PsumWidth::Default).unwrap();
                let mut c = a.unit_cost(&u).unwrap();
                c.components.iter_mut().for_each(|x| x.area_um2 *= 2.0);
                UnitCost::from_components(
                    &u,
                    "synth",
                    "sky130hd",
                    c.components,
                    Some(200.0),
                    Some(1),
                )
            })
            .collect();
        let provenance = Provenance {
            model: "synth".into(),
            tools: vec!["Yosys 0.23".into()],
            ..a.provenance().clone()
        };
        CostTable { provenance, units }
            .save(&dir.path().join("synth-results.json"))
            .unwrap();
        let p = dir.path().to_str().unwrap();
        let args = parse::<ReportCmd>("report", &["-o", p, "--samples", "64", "--results", p])
            .unwrap()
            .args;
        generate(&args).unwrap();
        let mvs = std::fs::read_to_string(dir.path().join("model-vs-synth.md")).unwrap();
        assert!(mvs.contains("external tools: Yosys 0.23"), "{mvs}");
        assert!(
            mvs.contains("| mxint8 | 62124.6 | 124249.2 | 2.000 |"),
            "{mvs}"
        );
        let readme = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
        assert!(readme.contains("**synth** cost model"), "{readme}");
        // The shipped results are an input: the report leaves them as they were.
        assert!(CostTable::load(&dir.path().join("synth-results.json")).is_ok());
    }
}

/// Issue 17 item 4: an exact psum width has one representation, the string `"exact"`, in
/// every JSON and CSV hwcost ships or writes (never null, never a blank field); files in the
/// old form (`null`) still read, as the same units.
mod exact_psum {
    use super::*;

    /// Every `psum_width` in `v`, at any depth.
    fn psum_values<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k == "psum_width" {
                        out.push(x);
                    }
                    psum_values(x, out);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| psum_values(x, out)),
            _ => {}
        }
    }

    /// The psum widths of a JSON text: numbers or "exact", and how many say "exact".
    fn check_json(name: &str, text: &str) -> usize {
        let v: serde_json::Value =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut found = Vec::new();
        psum_values(&v, &mut found);
        for x in &found {
            assert!(x.is_u64() || *x == "exact", "{name}: psum_width {x}");
        }
        found.iter().filter(|x| **x == "exact").count()
    }

    /// The psum_width column of a CSV: numbers or "exact", and how many say "exact".
    fn check_csv(name: &str, text: &str) -> usize {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let Some(col) = r.headers().unwrap().iter().position(|h| h == "psum_width") else {
            return 0;
        };
        let mut exact = 0;
        for rec in r.records() {
            let f = rec.unwrap()[col].to_string();
            assert!(
                f == "exact" || f.parse::<u32>().is_ok(),
                "{name}: psum_width '{f}'"
            );
            exact += (f == "exact") as usize;
        }
        exact
    }

    #[test]
    fn shipped_and_written_files_say_exact_and_old_nulls_still_read() {
        let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        let mut exact = 0;
        let mut stack = vec![reports.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let name = p.display().to_string();
                match p.extension().and_then(|x| x.to_str()) {
                    _ if p.is_dir() => stack.push(p),
                    Some("json") => {
                        exact += check_json(&name, &std::fs::read_to_string(&p).unwrap())
                    }
                    Some("csv") => exact += check_csv(&name, &std::fs::read_to_string(&p).unwrap()),
                    _ => {}
                }
            }
        }
        // The INT units of synth-results.json and calibration.json at least.
        assert!(exact >= 8, "{exact} exact psum widths in the shipped files");

        // What the commands write.
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("s.csv");
        let runs: [Vec<&str>; 3] = [
            vec!["cost", "mxint8", "--json"],
            vec![
                "gemm", "mxint8", "--m", "8", "--n", "8", "--k", "32", "--json",
            ],
            vec![
                "compare",
                "mxint8",
                "mxfp8",
                "--format",
                "json",
                "--samples",
                "64",
            ],
        ];
        for args in &runs {
            let out = common::hwcost().args(args).output().unwrap();
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(
                check_json(&format!("{args:?}"), &text) >= 1,
                "{args:?}: {text}"
            );
        }
        let out = common::hwcost()
            .args(["sweep", "--formats", "mxint8,mxfp8", "--lanes", "32", "-o"])
            .arg(&csv)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(check_csv("sweep", &std::fs::read_to_string(&csv).unwrap()) >= 1);

        // The old form: null reads as exact, the same table.
        let new = std::fs::read_to_string(reports.join("synth-results.json")).unwrap();
        let old = new.replace("\"psum_width\": \"exact\"", "\"psum_width\": null");
        assert_ne!(old, new);
        std::fs::write(dir.path().join("synth-results.json"), &old).unwrap();
        let a = CostTable::load(&reports.join("synth-results.json")).unwrap();
        let b = CostTable::load(&dir.path().join("synth-results.json")).unwrap();
        assert_eq!(a, b);
        let saved = dir.path().join("resaved.json");
        b.save(&saved).unwrap();
        assert_eq!(
            std::fs::read_to_string(&saved).unwrap(),
            new,
            "saved in the new form"
        );
    }
}

/// Issue 17: the synthesized breakdowns name their glue (sign application, element decoders,
/// NaN/Inf flags, binary32 output, and the unattributed rest), recomputed from the per-module
/// costs the shipped reports carry. `HWCOST_BLESS=1` rewrites stale shipped files.
mod shipped_glue {
    use super::*;
    use hwcost::report::regroup::regroup_shipped;

    #[test]
    fn shipped_breakdowns_name_their_glue() {
        let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        let files = regroup_shipped(&reports).unwrap();
        assert!(files.len() >= 5, "{files:?}");
        let stale: Vec<String> = files
            .iter()
            .filter(|f| f.changed())
            .map(|f| f.path.display().to_string())
            .collect();
        if std::env::var_os("HWCOST_BLESS").is_some() {
            for f in files.iter().filter(|f| f.changed()) {
                std::fs::write(&f.path, &f.new).unwrap();
            }
        } else {
            assert!(
                stale.is_empty(),
                "{stale:?} hold an unsplit glue part; regenerate with HWCOST_BLESS=1 cargo test --release --test report shipped_glue"
            );
        }
        // The array + cpa-tree MXFP8 unit: its glue was 18,150 um^2, mostly sign application.
        let table = CostTable::load(&reports.join("synth-results.json")).unwrap();
        let fp8 = table
            .units
            .iter()
            .find(|u| u.format == "mxfp8" && u.reduction == Some(hwcost::rtl::Reduction::CpaTree))
            .unwrap();
        let area = |k: &str| {
            fp8.components
                .iter()
                .find(|c| c.key == k)
                .map_or(0.0, |c| c.area_um2)
        };
        assert_eq!(area("glue"), 0.0);
        let named = [
            "sign_application",
            "element_decoders",
            "specials",
            "binary32_output",
        ];
        let total: f64 = named.iter().map(|k| area(k)).sum::<f64>() + area("unattributed_glue");
        assert!((total - 18149.9072).abs() < 0.01, "{total}");
        assert!(area("sign_application") > 0.7 * total);
        assert!(area("unattributed_glue") < 0.01 * total);
        // No shipped unit keeps an unsplit glue part.
        for u in &table.units {
            assert!(u.components.iter().all(|c| c.key != "glue"), "{}", u.format);
        }
    }
}

/// Issue 17 item 2: long commands draw progress when asked to (`HWCOST_PROGRESS=always`
/// stands for a terminal), and `--quiet` leaves stderr with the result line only.
mod progress {
    use super::*;

    #[test]
    fn report_draws_its_bar_unless_quiet() {
        let out = tempfile::tempdir().unwrap();
        let empty = tempfile::tempdir().unwrap();
        let run = |quiet: bool| {
            let mut c = common::hwcost();
            if quiet {
                c.arg("--quiet");
            }
            let o = c
                .args(["report", "--samples", "64", "-o"])
                .arg(out.path())
                .arg("--results")
                .arg(empty.path())
                .env(hwcost::progress::FORCE_ENV, "always")
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            String::from_utf8(o.stderr).unwrap()
        };
        let drawn = run(false);
        assert!(drawn.contains("/11"), "no bar drawn: {drawn:?}");
        let quiet = run(true);
        assert!(
            quiet.contains("wrote ") && !quiet.contains("/11") && !quiet.contains('\x1b'),
            "{quiet:?}"
        );
    }
}

/// Issue 17 item 3: mixed units in `plot`: the area breakdown from the shipped synthesized
/// mixed results (by top-level part), beside single formats; the energy breakdown of
/// synthesized mixed units refused with the reason (no per-part energy), the analytic one drawn.
mod mixed_plot {
    use super::*;

    fn plot_args(argv: &[&str]) -> PlotArgs {
        parse::<PlotCmd>("plot", argv).unwrap().args
    }

    #[test]
    fn area_breakdown_draws_mixed_units_and_energy_says_why_not() {
        let dir = tempfile::tempdir().unwrap();
        let svg = dir.path().join("m.svg");
        let p = svg.to_str().unwrap();
        plot(&plot_args(&[
            "area-breakdown",
            "mxfp8+nvfp4",
            "mxint8_nvint4",
            "mxint8",
            "-o",
            p,
        ]))
        .unwrap();
        let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
        for want in [
            "mxfp8+nvfp4",
            "mxint8+nvint4",
            "mxint8",
            "front end (lanes, trees)",
            "back end (scales, conversion, block sums)",
        ] {
            assert!(texts.iter().any(|t| t == want), "{want} not in {texts:?}");
        }
        // The bar totals are the shipped areas per 8-bit MAC (32 per cycle).
        let shipped: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("reports/mixed-synth.json").unwrap())
                .unwrap();
        let area = shipped["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["format"] == "mxint8+nvint4" && u["reuse"] == "scheme")
            .unwrap()["area_um2"]
            .as_f64()
            .unwrap();
        let total = format!("{:.1}", area / 32.0);
        assert!(texts.contains(&total), "{total} not in {texts:?}");

        let e = plot(&plot_args(&["energy-breakdown", "mxint8+nvint4", "-o", p]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not per component") && e.contains("area-breakdown"),
            "{e}"
        );
        plot(&plot_args(&[
            "energy-breakdown",
            "mxint8+nvint4",
            "mxfp8+nvfp4",
            "--model",
            "analytic",
            "-o",
            p,
        ]))
        .unwrap();
        let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
        assert!(
            texts.iter().any(|t| t.starts_with("analytic model")),
            "{texts:?}"
        );
        assert!(texts.iter().any(|t| t == "lane multipliers"), "{texts:?}");
        // A pair that is no mixed unit, and a mixed unit at other lanes: errors, not panics.
        let e = plot(&plot_args(&["area-breakdown", "mxfp8+nvint4", "-o", p])).unwrap_err();
        assert!(e.to_string().contains("mxfp8+nvint4"), "{e}");
        let e = plot(&plot_args(&[
            "area-breakdown",
            "mxint8+nvint4",
            "--lanes",
            "8",
            "-o",
            p,
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("lane"), "{e}");
    }
}

/// `hwcost report -o reports/` rewrites every shipped report and chart byte for byte (the
/// synthesized sweep's page and chart included, from its CSV and run record).
mod shipped_reports {
    use super::*;

    #[test]
    fn report_regenerates_the_shipped_files_byte_for_byte() {
        let reports = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports");
        let dir = tempfile::tempdir().unwrap();
        // The folder as shipped (the index lists the files report does not write).
        for e in std::fs::read_dir(&reports).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
            }
        }
        let args = parse::<ReportCmd>(
            "report",
            &[
                "-o",
                dir.path().to_str().unwrap(),
                // relative, as the shipped files name it (tests run in the crate root)
                "--results",
                "reports",
            ],
        )
        .unwrap()
        .args;
        let written = generate(&args).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        for f in [
            "sweep-synth.md",
            "sweep-synth.svg",
            "area-breakdown.svg",
            "README.md",
        ] {
            assert!(names.iter().any(|n| n == f), "{f} not written: {names:?}");
        }
        let mut differ = Vec::new();
        for (p, n) in written.iter().zip(&names) {
            if std::fs::read(p).unwrap() != std::fs::read(reports.join(n)).unwrap() {
                differ.push(n.clone());
            }
        }
        assert!(
            differ.is_empty(),
            "{differ:?} differ from reports/: run `hwcost report -o reports/ --quiet`"
        );
        let md = std::fs::read_to_string(reports.join("sweep-synth.md")).unwrap();
        assert!(
            md.contains(
                "| mxint8_mac_k8_n16_p0_booth4_csa | exact | booth4 | csa-tree | 3366.0408 |"
            ),
            "{md}"
        );
    }
}
