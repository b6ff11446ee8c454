//! `.npy` input and output of float32 tensors (little-endian, C order, rank >= 1) through the
//! `npyz` crate, with one typed error per way a file can be wrong, and atomic writes.

use std::path::{Path, PathBuf};

use npyz::{DType, Endianness, Order, TypeChar, WriterBuilder};

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

/// The header of a float32 `.npy` file: its shape, element count and length in bytes (the
/// data start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct F32Header {
    pub shape: Vec<u64>,
    pub len: u64,
    pub header_len: usize,
}

/// Read and check the header of a float32 `.npy` stream, leaving `r` at the first data byte.
pub fn read_f32_header<R: std::io::Read>(r: &mut R, path: &Path) -> Result<F32Header, NpyError> {
    let io = |source| NpyError::Io {
        path: path.to_path_buf(),
        source,
    };
    // Magic (6), version (2), header length (2 in version 1, 4 later), then the text.
    let mut head = Vec::with_capacity(256);
    let got = read_up_to(r, &mut head, 10).map_err(io)?;
    if got < 10 {
        parse_header(&head, path)?; // the empty / bad-magic / malformed error
        return Err(NpyError::BadHeader {
            path: path.to_path_buf(),
            why: "the header is cut short".into(),
        });
    }
    if &head[..6] != MAGIC {
        parse_header(&head, path)?;
    }
    let text_len = if head[6] == 1 {
        u16::from_le_bytes([head[8], head[9]]) as usize
    } else {
        read_up_to(r, &mut head, 2).map_err(io)?;
        u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize
    };
    if text_len > 1 << 20 {
        return Err(NpyError::BadHeader {
            path: path.to_path_buf(),
            why: format!("header length {text_len} is absurd"),
        });
    }
    let prefix = head.len();
    if read_up_to(r, &mut head, text_len).map_err(io)? < text_len {
        return Err(NpyError::BadHeader {
            path: path.to_path_buf(),
            why: format!(
                "the header is cut short (needs {} bytes)",
                prefix + text_len
            ),
        });
    }
    parse_header(&head, path)
}

/// Append up to `n` bytes from `r` to `buf`; returns how many were read (fewer only at EOF).
fn read_up_to<R: std::io::Read>(r: &mut R, buf: &mut Vec<u8>, n: usize) -> std::io::Result<usize> {
    use std::io::Read as _;
    let before = buf.len();
    r.by_ref().take(n as u64).read_to_end(buf)?;
    Ok(buf.len() - before)
}

/// Check the header at the start of `bytes` (more may follow) and describe it.
fn parse_header(bytes: &[u8], path: &Path) -> Result<F32Header, NpyError> {
    let p = || path.to_path_buf();
    if bytes.is_empty() {
        return Err(NpyError::EmptyFile { path: p() });
    }
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        let found = String::from_utf8_lossy(&bytes[..bytes.len().min(6)]).into_owned();
        return Err(NpyError::BadMagic { path: p(), found });
    }
    // npyz multiplies the shape out without overflow checks; refuse absurd shapes first.
    guard_shape(bytes).map_err(|why| NpyError::BadHeader { path: p(), why })?;
    let mut rest: &[u8] = bytes;
    let header = npyz::NpyHeader::from_reader(&mut rest).map_err(|e| NpyError::BadHeader {
        path: p(),
        why: e.to_string(),
    })?;
    let dtype = header.dtype();
    let ts = match &dtype {
        DType::Plain(ts) => ts.clone(),
        other => {
            return Err(NpyError::WrongDtype {
                path: p(),
                dtype: other.descr(),
            })
        }
    };
    let shown = ts.to_string();
    if ts.type_char() != TypeChar::Float || ts.size_field() != 4 {
        return Err(NpyError::WrongDtype {
            path: p(),
            dtype: shown,
        });
    }
    if ts.endianness() == Endianness::Big {
        return Err(NpyError::BigEndian {
            path: p(),
            dtype: shown,
        });
    }
    let shape = header.shape().to_vec();
    if shape.is_empty() {
        return Err(NpyError::Scalar { path: p() });
    }
    if header.order() == Order::Fortran {
        return Err(NpyError::FortranOrder { path: p() });
    }
    let len = header.len();
    if len == 0 {
        return Err(NpyError::NoElements { path: p(), shape });
    }
    Ok(F32Header {
        shape,
        len,
        header_len: bytes.len() - rest.len(),
    })
}

/// Parse the bytes of a float32 `.npy` file (`path` only names it in errors).
pub fn parse_f32(bytes: &[u8], path: &Path) -> Result<NpyArray, NpyError> {
    let p = || path.to_path_buf();
    let F32Header {
        shape,
        len,
        header_len,
    } = parse_header(bytes, path)?;
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

/// Check that the header's shape multiplies out without overflow, before npyz does it.
fn guard_shape(bytes: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(65_536 + 12)]);
    let Some(at) = text.find("'shape'") else {
        return Ok(());
    }; // npyz reports the missing key
    let after = &text[at..];
    let (Some(open), Some(close)) = (after.find('('), after.find(')')) else {
        return Ok(());
    };
    if close < open {
        return Ok(());
    }
    let mut total: u64 = 1;
    for part in after[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let d: u64 = part
            .trim_end_matches('L')
            .parse()
            .map_err(|_| format!("shape entry '{part}' is not a size"))?;
        total = total
            .checked_mul(d)
            .filter(|t| *t <= u64::MAX / 8)
            .ok_or_else(|| format!("shape {} is too large", &after[open..=close]))?;
    }
    Ok(())
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

    #[test]
    fn absurd_shapes_are_refused_before_npyz_multiplies_them() {
        let e = guard_shape(b"{'descr': '<f4', 'shape': (4294967296, 4294967296, 4294967296), }");
        assert!(e.unwrap_err().contains("too large"));
        assert!(guard_shape(b"{'shape': (3, 4), }").is_ok());
    }
}
