//! `.npy` input and output of float32 tensors (little-endian, C order, rank >= 1), with one
//! typed error per way a file can be wrong, and atomic writes. Files are written through the
//! `npyz` crate; headers are read here, once, strictly: a header is a Python dictionary
//! literal, and hwcost reads it as one (each key once, every size checked) instead of trusting
//! a reader that multiplies sizes without overflow checks.

use std::path::{Path, PathBuf};

use npyz::{DType, WriterBuilder};

/// The NumPy magic string every `.npy` file starts with.
const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// A float32 tensor read from or written to `.npy`.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// Dimensions, slowest first; the last one is the row length.
    pub shape: Vec<u64>,
    pub data: Vec<f32>,
}

impl NpyArray {
    /// Length of the last axis.
    pub fn row_len(&self) -> usize {
        self.shape.last().copied().unwrap_or(0) as usize
    }
}

/// Why a `.npy` file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum NpyError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is empty (0 bytes), not a .npy file", path.display())]
    EmptyFile { path: PathBuf },
    #[error("{} is not a .npy file: bad magic {found:?} (expected \"\\x93NUMPY\")", path.display())]
    BadMagic { path: PathBuf, found: String },
    #[error("{} has a malformed .npy header: {why}", path.display())]
    BadHeader { path: PathBuf, why: String },
    #[error("{} holds {dtype}, expected float32 ('<f4'){}", path.display(), if dtype.contains("f8") { "; convert with x.astype(np.float32)" } else { "" })]
    WrongDtype { path: PathBuf, dtype: String },
    #[error("{} is big-endian ({dtype}); expected little-endian float32 ('<f4')", path.display())]
    BigEndian { path: PathBuf, dtype: String },
    #[error("{} is in Fortran order; expected C order (np.ascontiguousarray)", path.display())]
    FortranOrder { path: PathBuf },
    #[error("{} is a scalar (shape ()); expected rank >= 1", path.display())]
    Scalar { path: PathBuf },
    #[error("{} has no elements (shape {shape:?})", path.display())]
    NoElements { path: PathBuf, shape: Vec<u64> },
    #[error("{} is truncated: shape {shape:?} needs {want} data bytes, found {got}", path.display())]
    Truncated {
        path: PathBuf,
        shape: Vec<u64>,
        want: u64,
        got: u64,
    },
    #[error("{} has {extra} bytes after the data of shape {shape:?}", path.display())]
    TrailingBytes {
        path: PathBuf,
        shape: Vec<u64>,
        extra: u64,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Read a float32 `.npy` file.
pub fn read_f32(path: &Path) -> Result<NpyArray, NpyError> {
    let bytes = std::fs::read(path).map_err(|source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_f32(&bytes, path)
}

/// The largest header hwcost reads, as NumPy's reader limits it by default
/// (`max_header_size`): a longer one is refused, like NumPy refuses it.
pub const MAX_HEADER_LEN: usize = 10_000;

/// Deepest nesting of brackets read in a header (a real one nests two deep).
const MAX_DEPTH: usize = 16;

/// The parsed header of a `.npy` file: its dictionary, checked, and where the data starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// The `descr` value as written (a dtype string, or a structured dtype's list).
    pub descr: Descr,
    pub fortran_order: bool,
    pub shape: Vec<u64>,
    /// Offset of the first data byte.
    pub data_offset: usize,
}

/// A header's `descr`.
#[derive(Clone, Debug, PartialEq)]
pub enum Descr {
    /// A dtype string such as `<f4`.
    Simple(String),
    /// Anything else (a structured dtype's list), shown as written.
    Other(String),
}

/// A Python literal, as far as `.npy` headers use them.
#[derive(Clone, Debug, PartialEq)]
enum Lit {
    Str(String),
    Int(i128),
    Bool(bool),
    None,
    Tuple(Vec<Lit>),
    List(Vec<Lit>),
    Dict(Vec<(String, Lit)>),
}

impl Lit {
    fn show(&self) -> String {
        match self {
            Lit::Str(s) => format!("'{s}'"),
            Lit::Int(i) => i.to_string(),
            Lit::Bool(true) => "True".into(),
            Lit::Bool(false) => "False".into(),
            Lit::None => "None".into(),
            Lit::Tuple(v) => format!(
                "({}{})",
                v.iter().map(Lit::show).collect::<Vec<_>>().join(", "),
                if v.len() == 1 { "," } else { "" }
            ),
            Lit::List(v) => format!(
                "[{}]",
                v.iter().map(Lit::show).collect::<Vec<_>>().join(", ")
            ),
            Lit::Dict(v) => format!(
                "{{{}}}",
                v.iter()
                    .map(|(k, x)| format!("'{k}': {}", x.show()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// A recursive-descent reader of the Python literal a `.npy` header holds.
struct LitParser<'a> {
    text: &'a [u8],
    at: usize,
}

impl LitParser<'_> {
    fn skip_space(&mut self) {
        while self
            .text
            .get(self.at)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'))
        {
            self.at += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_space();
        self.text.get(self.at).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        match self.peek() {
            Some(x) if x == c => {
                self.at += 1;
                Ok(())
            }
            Some(x) => Err(format!(
                "expected '{}' at byte {} of the header, found '{}'",
                c as char,
                self.at,
                (x as char).escape_default()
            )),
            None => Err(format!("expected '{}' but the header ends", c as char)),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Lit, String> {
        if depth > MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        match self.peek() {
            None => Err("the header ends where a value should be".into()),
            Some(b'{') => self.dict(depth),
            Some(b'(') => {
                let (items, trailing_comma) = self.sequence(b'(', b')', depth)?;
                // `(x)` is x itself; `(x,)` and `()` are tuples.
                if items.len() == 1 && !trailing_comma {
                    Ok(items.into_iter().next().unwrap_or(Lit::None))
                } else {
                    Ok(Lit::Tuple(items))
                }
            }
            Some(b'[') => Ok(Lit::List(self.sequence(b'[', b']', depth)?.0)),
            Some(q @ (b'\'' | b'"')) => self.string(q).map(Lit::Str),
            Some(c) if c.is_ascii_digit() || c == b'-' || c == b'+' => self.int(),
            Some(c) if c.is_ascii_alphabetic() => {
                let start = self.at;
                while self
                    .text
                    .get(self.at)
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    self.at += 1;
                }
                match &self.text[start..self.at] {
                    b"True" => Ok(Lit::Bool(true)),
                    b"False" => Ok(Lit::Bool(false)),
                    b"None" => Ok(Lit::None),
                    w => Err(format!("'{}' is not a literal", String::from_utf8_lossy(w))),
                }
            }
            Some(c) => Err(format!(
                "unexpected '{}' at byte {} of the header",
                (c as char).escape_default(),
                self.at
            )),
        }
    }

    /// Items up to `close`, and whether a comma followed the last one.
    fn sequence(&mut self, open: u8, close: u8, depth: usize) -> Result<(Vec<Lit>, bool), String> {
        self.expect(open)?;
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok((items, trailing_comma));
            }
            items.push(self.value(depth + 1)?);
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    trailing_comma = true;
                }
                _ => {
                    self.expect(close)?;
                    return Ok((items, false));
                }
            }
        }
    }

    fn dict(&mut self, depth: usize) -> Result<Lit, String> {
        self.expect(b'{')?;
        let mut entries: Vec<(String, Lit)> = Vec::new();
        loop {
            match self.peek() {
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Lit::Dict(entries));
                }
                Some(q @ (b'\'' | b'"')) => {
                    let key = self.string(q)?;
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(format!("key '{key}' appears twice"));
                    }
                    self.expect(b':')?;
                    let v = self.value(depth + 1)?;
                    entries.push((key, v));
                }
                _ => return Err("dictionary keys must be strings".into()),
            }
            match self.peek() {
                Some(b',') => self.at += 1,
                _ => {
                    self.expect(b'}')?;
                    return Ok(Lit::Dict(entries));
                }
            }
        }
    }

    fn string(&mut self, quote: u8) -> Result<String, String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            match self.text.get(self.at) {
                None | Some(b'\n') => return Err("a string is not closed".into()),
                Some(&c) if c == quote => {
                    self.at += 1;
                    return String::from_utf8(out).map_err(|_| "a string is not text".into());
                }
                Some(b'\\') => return Err("escapes in header strings are not supported".into()),
                Some(&c) => {
                    out.push(c);
                    self.at += 1;
                }
            }
        }
    }

    fn int(&mut self) -> Result<Lit, String> {
        let start = self.at;
        if matches!(self.text.get(self.at), Some(b'-' | b'+')) {
            self.at += 1;
        }
        while self.text.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        let digits = std::str::from_utf8(&self.text[start..self.at]).unwrap_or("");
        // Python 2 wrote long integers with an L suffix; NumPy still reads them.
        if matches!(self.text.get(self.at), Some(b'L' | b'l')) {
            self.at += 1;
        }
        digits
            .parse::<i128>()
            .map(Lit::Int)
            .map_err(|_| format!("'{digits}' is not an integer that fits"))
    }
}

/// Read and check a `.npy` header: the magic, the version's length field, a dictionary with
/// exactly the keys `descr`, `fortran_order` and `shape` (each once), a shape of sizes whose
/// byte count fits. The dtype is not judged here.
pub fn parse_header(bytes: &[u8]) -> Result<Header, String> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err("bad magic".into());
    }
    let (major, minor) = match bytes.get(6..8) {
        Some(v) => (v[0], v[1]),
        None => return Err("the file ends inside the version".into()),
    };
    let (len_bytes, utf8) = match major {
        1 => (2, false),
        2 => (4, false),
        3 => (4, true),
        _ => {
            return Err(format!(
                "format version {major}.{minor} is not one NumPy writes (1.0, 2.0, 3.0)"
            ))
        }
    };
    let len_field = bytes
        .get(8..8 + len_bytes)
        .ok_or("the file ends inside the header length")?;
    let header_len = len_field
        .iter()
        .rev()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    if header_len > MAX_HEADER_LEN {
        return Err(format!(
            "the header is {header_len} bytes long; NumPy reads at most {MAX_HEADER_LEN}"
        ));
    }
    let data_offset = 8 + len_bytes + header_len;
    let text = bytes
        .get(8 + len_bytes..data_offset)
        .ok_or_else(|| format!("the file ends inside the {header_len}-byte header"))?;
    if !utf8 && !text.is_ascii() {
        // Versions 1 and 2 are latin-1; a dtype header never needs more than ASCII.
        return Err("the header holds non-ASCII bytes".into());
    }
    let mut p = LitParser { text, at: 0 };
    let dict = p.value(0)?;
    if let Some(c) = p.peek() {
        return Err(format!(
            "unexpected '{}' after the header dictionary",
            (c as char).escape_default()
        ));
    }
    let Lit::Dict(entries) = dict else {
        return Err(format!("the header is {}, not a dictionary", dict.show()));
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("the header has no '{key}' key"))
    };
    if let Some((k, _)) = entries
        .iter()
        .find(|(k, _)| !matches!(k.as_str(), "descr" | "fortran_order" | "shape"))
    {
        return Err(format!(
            "unexpected key '{k}' (a header holds descr, fortran_order and shape)"
        ));
    }
    let descr = match get("descr")? {
        Lit::Str(s) => Descr::Simple(s.clone()),
        other => Descr::Other(other.show()),
    };
    let fortran_order = match get("fortran_order")? {
        Lit::Bool(b) => *b,
        other => {
            return Err(format!(
                "fortran_order is {}, not True or False",
                other.show()
            ))
        }
    };
    let shape = match get("shape")? {
        Lit::Tuple(items) => items
            .iter()
            .map(|d| match d {
                Lit::Int(i) => {
                    u64::try_from(*i).map_err(|_| format!("shape entry {i} is not a size"))
                }
                other => Err(format!("shape entry {} is not a size", other.show())),
            })
            .collect::<Result<Vec<u64>, String>>()?,
        other => return Err(format!("shape is {}, not a tuple", other.show())),
    };
    // Every size must multiply out, in bytes of the widest dtype, without overflow.
    shape
        .iter()
        .try_fold(16u64, |acc, &d| acc.checked_mul(d))
        .filter(|&b| usize::try_from(b).is_ok())
        .ok_or_else(|| {
            format!(
                "shape {} is too large",
                Lit::Tuple(shape.iter().map(|&d| Lit::Int(d.into())).collect()).show()
            )
        })?;
    Ok(Header {
        descr,
        fortran_order,
        shape,
        data_offset,
    })
}

/// The header of a float32 `.npy` file: its shape, element count and length in bytes (the
/// data start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct F32Header {
    pub shape: Vec<u64>,
    pub len: u64,
    pub header_len: usize,
}

/// Read and check the header of a float32 `.npy` stream, leaving `r` at the first data byte.
/// The bytes read are checked by [`parse_header`], as a whole file's are.
pub fn read_f32_header<R: std::io::Read>(r: &mut R, path: &Path) -> Result<F32Header, NpyError> {
    let io = |source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Magic (6), version (2), header length (2 in version 1, 4 later), then the text.
    let mut head = Vec::with_capacity(256);
    let got = read_up_to(r, &mut head, 10).map_err(io)?;
    let cut_short = |head: &[u8]| -> NpyError {
        // The empty / bad-magic / malformed error, as for a whole file.
        match check_f32_header(head, path) {
            Err(e) => e,
            Ok(_) => NpyError::BadHeader {
                path: path.to_path_buf(),
                why: "the header is cut short".into(),
            },
        }
    };
    if got < 10 || &head[..6] != MAGIC || !matches!(head[6], 1..=3) {
        return Err(cut_short(&head));
    }
    let text_len = if head[6] == 1 {
        u16::from_le_bytes([head[8], head[9]]) as usize
    } else {
        if read_up_to(r, &mut head, 2).map_err(io)? < 2 {
            return Err(cut_short(&head));
        }
        u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize
    };
    if text_len > MAX_HEADER_LEN {
        // parse_header refuses it by its length before reading the text.
        return Err(cut_short(&head));
    }
    if read_up_to(r, &mut head, text_len).map_err(io)? < text_len {
        return Err(cut_short(&head));
    }
    check_f32_header(&head, path)
}

/// Append up to `n` bytes from `r` to `buf`; returns how many were read (fewer only at EOF).
fn read_up_to<R: std::io::Read>(r: &mut R, buf: &mut Vec<u8>, n: usize) -> std::io::Result<usize> {
    use std::io::Read as _;
    let before = buf.len();
    r.by_ref().take(n as u64).read_to_end(buf)?;
    Ok(buf.len() - before)
}

/// Check the header at the start of `bytes` (more may follow) as a float32 one (little-endian,
/// C order, rank >= 1, at least one element) and describe it.
fn check_f32_header(bytes: &[u8], path: &Path) -> Result<F32Header, NpyError> {
    let p = || path.to_path_buf();
    if bytes.is_empty() {
        return Err(NpyError::EmptyFile { path: p() });
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        let found = String::from_utf8_lossy(&bytes[..bytes.len().min(6)]).into_owned();
        return Err(NpyError::BadMagic { path: p(), found });
    }
    let header = parse_header(bytes).map_err(|why| NpyError::BadHeader { path: p(), why })?;
    let dtype = match &header.descr {
        Descr::Simple(s) => s.clone(),
        Descr::Other(shown) => {
            return Err(NpyError::WrongDtype {
                path: p(),
                dtype: shown.clone(),
            })
        }
    };
    match dtype.as_str() {
        "<f4" | "|f4" | "=f4" => {}
        ">f4" => return Err(NpyError::BigEndian { path: p(), dtype }),
        _ => return Err(NpyError::WrongDtype { path: p(), dtype }),
    }
    let shape = header.shape;
    if shape.is_empty() {
        return Err(NpyError::Scalar { path: p() });
    }
    if header.fortran_order {
        return Err(NpyError::FortranOrder { path: p() });
    }
    // parse_header checked that the byte count fits.
    let len: u64 = shape.iter().product();
    if len == 0 {
        return Err(NpyError::NoElements { path: p(), shape });
    }
    Ok(F32Header {
        shape,
        len,
        header_len: header.data_offset,
    })
}

/// Parse the bytes of a float32 `.npy` file (`path` only names it in errors).
pub fn parse_f32(bytes: &[u8], path: &Path) -> Result<NpyArray, NpyError> {
    let p = || path.to_path_buf();
    let F32Header {
        shape,
        len,
        header_len,
    } = check_f32_header(bytes, path)?;
    let rest = &bytes[header_len..];
    let want = len * 4;
    let got = rest.len() as u64;
    if got < want {
        return Err(NpyError::Truncated {
            path: p(),
            shape,
            want,
            got,
        });
    }
    if got > want {
        return Err(NpyError::TrailingBytes {
            path: p(),
            shape,
            extra: got - want,
        });
    }
    let data = rest
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok(NpyArray { shape, data })
}

/// The header of a C-order `.npy` file of element type `T` (f32: `<f4`, u8: `|u1`) and
/// `shape`, as [`to_bytes`] writes it (npyz; the data starts at a multiple of 64 bytes).
pub fn header_bytes<T: npyz::AutoSerialize>(shape: &[u64]) -> Result<Vec<u8>, std::io::Error> {
    let mut buf = Vec::with_capacity(128);
    let w = npyz::WriteOptions::<T>::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut buf)
        .begin_nd()?;
    // Dropped unfinished: the header is all that is wanted.
    drop(w);
    Ok(buf)
}

/// The bytes of a float32 little-endian C-order `.npy` file.
pub fn to_bytes(shape: &[u64], data: &[f32]) -> Result<Vec<u8>, std::io::Error> {
    let mut buf = Vec::with_capacity(128 + data.len() * 4);
    let dtype = DType::Plain(
        "<f4"
            .parse()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{e}")))?,
    );
    let mut w = npyz::WriteOptions::<f32>::new()
        .dtype(dtype)
        .shape(shape)
        .writer(&mut buf)
        .begin_nd()?;
    w.extend(data.iter().copied())?;
    w.finish()?;
    Ok(buf)
}

/// Write a float32 `.npy` file atomically (temp file in the same directory, then rename).
pub fn write_f32(path: &Path, shape: &[u64], data: &[f32]) -> Result<(), NpyError> {
    let bytes = to_bytes(shape, data).map_err(|source| NpyError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    crate::atomic::write(path, &bytes).map_err(|source| NpyError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_shape_and_bits() {
        let data = vec![1.5f32, -0.0, f32::NAN, f32::from_bits(1), 3.0, -7.25];
        let bytes = to_bytes(&[2, 3], &data).unwrap();
        let back = parse_f32(&bytes, Path::new("x.npy")).unwrap();
        assert_eq!(back.shape, vec![2, 3]);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back.data), bits(&data));
        assert_eq!(back.row_len(), 3);
    }

    fn file(header: &str) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend([1, 0]);
        b.extend((header.len() as u16).to_le_bytes());
        b.extend(header.as_bytes());
        b
    }

    /// Issue 16, item 2: a duplicated `shape`, a double-quoted `"shape"` or a header padded
    /// past 64 KiB got past the shape guard; the element count then wrapped.
    #[test]
    fn the_npy_shape_guard_can_be_bypassed() {
        let huge = "(4294967296, 4294967296, 4294967296)";
        let cases = [
            format!(
                "{{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': {huge}, }}\n"
            ),
            format!("{{'descr': '<f4', 'fortran_order': False, \"shape\": {huge}, }}\n"),
            format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {huge}, }}\n"),
            format!(
                "{{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967297), }}\n"
            ),
            format!("{{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }}\n"),
        ];
        for h in &cases {
            let e = parse_f32(&file(h), Path::new("x.npy"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("malformed .npy header"), "{h}: {e}");
        }
        let dup = parse_header(&file(&cases[0])).unwrap_err();
        assert!(dup.contains("'shape' appears twice"), "{dup}");
        // A header NumPy itself refuses for its length, padded with spaces: refused by length.
        let long = format!(
            "{{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }}{}\n",
            " ".repeat(MAX_HEADER_LEN)
        );
        let mut b = MAGIC.to_vec();
        b.extend([2, 0]);
        b.extend((long.len() as u32).to_le_bytes());
        b.extend(long.as_bytes());
        b.extend([0u8; 8]);
        let e = parse_header(&b).unwrap_err();
        assert!(e.contains("at most 10000"), "{e}");
        // A well-formed header of every version NumPy writes, double quotes included, reads.
        for (major, quote) in [(1u8, "'"), (2, "\""), (3, "'")] {
            let h = format!(
                "{{{q}descr{q}: {q}<f4{q}, {q}fortran_order{q}: False, {q}shape{q}: (1, 2), }}   \n",
                q = quote
            );
            let mut b = MAGIC.to_vec();
            b.extend([major, 0]);
            if major == 1 {
                b.extend((h.len() as u16).to_le_bytes());
            } else {
                b.extend((h.len() as u32).to_le_bytes());
            }
            b.extend(h.as_bytes());
            b.extend(1.0f32.to_le_bytes());
            b.extend(2.0f32.to_le_bytes());
            let a = parse_f32(&b, Path::new("x.npy")).unwrap();
            assert_eq!((a.shape, a.data), (vec![1, 2], vec![1.0, 2.0]));
        }
    }

    #[test]
    fn header_values_are_read_as_python_reads_them() {
        let h = |s: &str| parse_header(&file(s));
        let ok = h("{'descr': '<f4', 'fortran_order': True, 'shape': (3L, 4,)}").unwrap();
        assert_eq!((ok.shape, ok.fortran_order), (vec![3, 4], true));
        assert_eq!(ok.descr, Descr::Simple("<f4".into()));
        // `(5)` is an int, not a tuple.
        assert!(h("{'descr': '<f4', 'fortran_order': False, 'shape': (5)}")
            .unwrap_err()
            .contains("not a tuple"));
        assert!(
            h("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), 'x': 1}")
                .unwrap_err()
                .contains("unexpected key 'x'")
        );
        assert!(h("{'descr': '<f4', 'shape': (5,)}")
            .unwrap_err()
            .contains("no 'fortran_order'"));
        assert!(h("{'descr': '<f4', 'fortran_order': 0, 'shape': (5,)}")
            .unwrap_err()
            .contains("not True or False"));
        assert!(
            h("{'descr': '<f4', 'fortran_order': False, 'shape': (5,)} x")
                .unwrap_err()
                .contains("after the header")
        );
        let deep = format!(
            "{{'descr': {}1{}, 'fortran_order': False, 'shape': (5,)}}",
            "[".repeat(100),
            "]".repeat(100)
        );
        assert!(h(&deep).unwrap_err().contains("nested deeper"));
        let structured =
            h("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (5,)}")
                .unwrap();
        assert!(matches!(structured.descr, Descr::Other(_)));
    }

    #[test]
    fn headers_are_written_as_numpy_writes_them_and_read_back_from_a_stream() {
        for shape in [
            vec![5u64],
            vec![2, 3],
            vec![4, 1, 7, 1000],
            vec![1 << 40, 3],
        ] {
            let n: u64 = shape.iter().product();
            let h = header_bytes::<f32>(&shape).unwrap();
            assert_eq!(h.len() % 64, 0);
            if n < 100 {
                let data = vec![0.5f32; n as usize];
                let full = to_bytes(&shape, &data).unwrap();
                assert_eq!(&full[..h.len()], &h[..], "{shape:?}");
            }
            let mut r = &h[..];
            let got = read_f32_header(&mut r, Path::new("s")).unwrap();
            assert_eq!((got.shape, got.len, got.header_len), (shape, n, h.len()));
        }
        let h = header_bytes::<f32>(&[3]).unwrap();
        let mut short = &h[..20];
        assert!(matches!(
            read_f32_header(&mut short, Path::new("s")),
            Err(NpyError::BadHeader { .. })
        ));
        let h = header_bytes::<f64>(&[3]).unwrap();
        let mut wrong = &h[..];
        assert!(matches!(
            read_f32_header(&mut wrong, Path::new("s")),
            Err(NpyError::WrongDtype { .. })
        ));
    }
}
