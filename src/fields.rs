//! How values are spelled in the files hwcost writes for other programs (CSV and JSON).
//!
//! - A psum width is a number of bits, or the string `exact` for an exact block sum (INT
//!   formats, `--psum-width exact`): the same in every CSV and JSON output. [`psum`] is the
//!   serde module for `Option<u32>` fields; it also reads `null` and an empty CSV field.
//! - CSV numbers are rounded to [`CSV_DIGITS`] significant digits, so binary float noise
//!   (`105570.00000000006`) never reaches a spreadsheet. JSON keeps every bit.

use serde::Serialize;

/// Significant digits of a number in a CSV file written by hwcost.
pub const CSV_DIGITS: usize = 10;

/// `x` rounded to [`CSV_DIGITS`] significant digits (non-finite values unchanged).
pub fn round_sig(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    format!("{:.*e}", CSV_DIGITS - 1, x)
        .parse()
        .expect("a formatted float parses")
}

/// A CSV field rewritten with its number rounded, if it is a decimal number (digits, sign,
/// point, exponent: never a name such as `inf` or `nan`); other fields unchanged.
fn round_field(field: &str) -> String {
    let numeric = field.bytes().any(|b| b.is_ascii_digit())
        && field
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    match field.parse::<f64>() {
        Ok(x) if numeric && x.is_finite() => round_sig(x).to_string(),
        _ => field.to_string(),
    }
}

/// Rows as CSV with a header line: serialized by serde, then every numeric field rounded; an
/// error is the CSV writer's message.
pub fn csv_records<T: Serialize>(rows: &[T]) -> Result<String, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut raw = csv::Writer::from_writer(Vec::new());
    for r in rows {
        raw.serialize(r).map_err(|e| err(&e))?;
    }
    let raw = raw.into_inner().map_err(|e| err(&e))?;
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(raw.as_slice());
    let mut w = csv::Writer::from_writer(Vec::new());
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| err(&e))?;
        if i == 0 {
            w.write_record(&rec).map_err(|e| err(&e))?;
        } else {
            w.write_record(rec.iter().map(round_field))
                .map_err(|e| err(&e))?;
        }
    }
    let bytes = w.into_inner().map_err(|e| err(&e))?;
    String::from_utf8(bytes).map_err(|e| err(&e))
}

/// Serde for an `Option<u32>` psum width: `None` is written as `"exact"`; `"exact"`, `null`
/// and an empty field read as `None`.
pub mod psum {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(n) => s.serialize_u32(*n),
            None => s.serialize_str("exact"),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Bits(u32),
        Word(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
        match Option::<Repr>::deserialize(d)? {
            Some(Repr::Bits(n)) => Ok(Some(n)),
            None => Ok(None),
            Some(Repr::Word(w)) if w == "exact" || w.is_empty() => Ok(None),
            Some(Repr::Word(w)) => Err(serde::de::Error::custom(format!(
                "psum width '{w}': expected a number of bits or 'exact'"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Row {
        name: String,
        #[serde(with = "psum")]
        psum_width: Option<u32>,
        area: f64,
        ratio: Option<f64>,
    }

    #[test]
    fn csv_numbers_lose_float_noise_and_names_stay() {
        let rows = [
            Row {
                name: "inf".into(),
                psum_width: None,
                area: 105570.00000000006,
                ratio: Some(0.9110044444444424),
            },
            Row {
                name: "mxfp8".into(),
                psum_width: Some(24),
                area: 3299.062500000002,
                ratio: None,
            },
        ];
        let csv = csv_records(&rows).unwrap();
        assert_eq!(
            csv,
            "name,psum_width,area,ratio\n\
             inf,exact,105570,0.9110044444\n\
             mxfp8,24,3299.0625,\n"
        );
        let back: Vec<Row> = csv::Reader::from_reader(csv.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back[0].psum_width, None);
        assert_eq!(back[1].psum_width, Some(24));
        assert_eq!(back[0].area.to_bits(), 105570f64.to_bits());
    }

    #[test]
    fn psum_width_is_a_number_or_exact_in_json_and_old_nulls_still_read() {
        let r = Row {
            name: "mxint8".into(),
            psum_width: None,
            area: 1.0,
            ratio: None,
        };
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["psum_width"], "exact");
        let old: Row =
            serde_json::from_str(r#"{"name":"a","psum_width":null,"area":1,"ratio":null}"#)
                .unwrap();
        assert_eq!(old.psum_width, None);
        let e = serde_json::from_str::<Row>(
            r#"{"name":"a","psum_width":"wide","area":1,"ratio":null}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("'wide'"), "{e}");
    }

    #[test]
    fn rounding_keeps_ten_significant_digits() {
        assert_eq!(round_sig(1.0 / 3.0).to_bits(), 0.3333333333f64.to_bits());
        assert_eq!(round_sig(-2.5e-7).to_bits(), (-2.5e-7f64).to_bits());
        assert_eq!(round_sig(0.0).to_bits(), 0f64.to_bits());
        assert!(round_sig(f64::NAN).is_nan());
    }
}
