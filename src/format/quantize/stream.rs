//! Streaming quantization of a float32 `.npy` tensor, as `hwcost quantize` runs it.
//!
//! The tensor is read in pieces, never whole: whole rows when blocks run along the last axis
//! (or whole blocks of one row, when a row is longer than a piece), whole slabs
//! `shape[axis..]` otherwise (a slab is transposed so that the quantized axis is last,
//! quantized, and transposed back). A batch of pieces, one per worker thread, is quantized in
//! parallel (rayon) and written in order, so peak memory is a few batches, not the tensor.
//! NV formats need the per-tensor scale first: the input is read twice (stdin is spooled to
//! a temporary file). Every piece is quantized by [`super::quantize_piece`], so the output is
//! bit for bit that of [`super::quantize`] on the whole tensor, whatever the piece size.
//!
//! Outputs are written to staged temporary files ([`crate::atomic`]: beside their targets, so
//! a signal or a failure leaves none behind) and committed only when everything succeeded; a
//! device or a FIFO is written through, never replaced. The dequantized values can go to
//! stdout instead (`-`), unstaged.
//! Element codes (`--codes`) are a `.npy` of shape (other axes..., blocks, K), uint8 for
//! elements of up to 8 bits and uint16 for 9 to 16; scale codes (`--scales`) a uint8 one of
//! shape (other axes..., blocks), the other axes in their order.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::hadamard::Hadamard;
use super::packed::{pack_codes, Packed};
use super::{
    all_finite, code_width_error, quantize_piece, tensor_amax, ElemCode, QsnrSums, QuantError,
    QuantOptions,
};
use crate::atomic::Temp;
use crate::format::npy::{self, NpyError};
use crate::format::BlockFormat;
use anyhow::{bail, Context};
use rayon::prelude::*;

/// Where the input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    File(PathBuf),
    Stdin,
}

impl Input {
    /// `-` is stdin.
    pub fn from_arg(p: &Path) -> Self {
        if p.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::File(p.to_path_buf())
        }
    }

    fn name(&self) -> PathBuf {
        match self {
            Input::File(p) => p.clone(),
            Input::Stdin => PathBuf::from("<stdin>"),
        }
    }
}

/// What to write: the dequantized values (a path, or None for stdout), and optionally the
/// codes, the scales and the packed encoding.
#[derive(Clone, Debug, Default)]
pub struct Outputs {
    pub values: Option<PathBuf>,
    pub codes: Option<PathBuf>,
    pub scales: Option<PathBuf>,
    pub packed: Option<PathBuf>,
    /// Rename the staged files into place without flushing them to the disk first (no
    /// writeback hints, no fsync): still all or nothing while the system runs, but not
    /// durable across a power loss, as NumPy's `np.save` is not.
    pub skip_fsync: bool,
}

/// How a run is cut up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunking {
    /// Elements per piece (at least one block is always taken).
    pub piece_elems: usize,
    /// Pieces quantized in parallel before the batch is written.
    pub batch: usize,
}

impl Chunking {
    /// A budget of `mib` MiB for one batch (about 16 bytes per element in flight: input,
    /// transposed or rotated copy, output, codes), one piece per worker thread.
    pub fn from_mib(mib: usize) -> Self {
        let batch = rayon::current_num_threads().max(1);
        let elems = (mib.max(1) << 20) / 16;
        Chunking {
            piece_elems: (elems / batch).max(1),
            batch,
        }
    }
}

/// What a streaming run did.
#[derive(Clone, Debug, PartialEq)]
pub struct StreamResult {
    pub shape: Vec<u64>,
    pub axis: usize,
    pub elements: u64,
    pub blocks: u64,
    pub qsnr: QsnrSums,
    pub tensor_scale: f32,
    /// Blocks whose input was all finite but whose output holds a NaN or an Inf (a rotated
    /// block past FP32's range, a scale past the scale format's range).
    pub made_nonfinite: u64,
}

/// The tensor as the quantizer sees it: `outer` slabs of `a` x `inner` values, blocks of `k`
/// running along `a`.
#[derive(Clone, Copy, Debug)]
struct Geometry {
    a: usize,
    inner: usize,
    k: usize,
    /// Blocks per quantized row of `a`.
    bpr: usize,
    len: u64,
}

/// One piece: `len` values from element `start` (original order), quantized as rows of
/// `row_len`; `slab` when the piece is whole slabs to transpose.
#[derive(Clone, Copy, Debug)]
struct Piece {
    start: u64,
    len: usize,
    row_len: usize,
    slab: bool,
}

impl Geometry {
    /// The pieces, in file order.
    fn pieces(&self, piece_elems: usize) -> Vec<Piece> {
        let (a, k) = (self.a, self.k);
        let mut out = Vec::new();
        if self.inner > 1 {
            let slab = a * self.inner;
            let per = (piece_elems / slab).max(1);
            let mut s = 0u64;
            while s < self.len {
                let len = ((per * slab) as u64).min(self.len - s) as usize;
                out.push(Piece {
                    start: s,
                    len,
                    row_len: a,
                    slab: true,
                });
                s += len as u64;
            }
        } else if a <= piece_elems {
            let per = (piece_elems / a).max(1);
            let mut s = 0u64;
            while s < self.len {
                let len = ((per * a) as u64).min(self.len - s) as usize;
                out.push(Piece {
                    start: s,
                    len,
                    row_len: a,
                    slab: false,
                });
                s += len as u64;
            }
        } else {
            // Rows longer than a piece: whole blocks of one row at a time.
            let seg = (piece_elems / k).max(1) * k;
            let rows = self.len / a as u64;
            for r in 0..rows {
                let mut at = 0;
                while at < a {
                    let len = seg.min(a - at);
                    out.push(Piece {
                        start: r * a as u64 + at as u64,
                        len,
                        row_len: len,
                        slab: false,
                    });
                    at += len;
                }
            }
        }
        out
    }

    /// Index of the piece's first block in the quantized layout, and its block count.
    fn blocks_of(&self, p: &Piece) -> (u64, usize) {
        let a = self.a as u64;
        let first = (p.start / a) * self.bpr as u64 + (p.start % a) / self.k as u64;
        (first, (p.len / p.row_len) * p.row_len.div_ceil(self.k))
    }
}

/// Transpose `rows` x `cols` (row-major) into `out` (cols x rows).
fn transpose(src: &[f32], rows: usize, cols: usize, out: &mut Vec<f32>) {
    out.clear();
    out.resize(src.len(), 0.0);
    transpose_into(src, rows, cols, out);
}

/// [`transpose`] into a slice of the same length as `src`.
fn transpose_into(src: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    let n = rows * cols;
    for (s, o) in src.chunks(n).zip(out.chunks_mut(n)) {
        for r in 0..rows {
            for c in 0..cols {
                o[c * rows + r] = s[r * cols + c];
            }
        }
    }
}

/// Fill `buf` (f32 values) from `r`, little-endian.
fn read_f32s<R: Read>(r: &mut R, buf: &mut [f32]) -> std::io::Result<()> {
    r.read_exact(bytemuck::cast_slice_mut(buf))?;
    if cfg!(target_endian = "big") {
        for v in buf.iter_mut() {
            *v = f32::from_bits(u32::from_le(v.to_bits()));
        }
    }
    Ok(())
}

/// Write f32 values little-endian.
fn write_f32s<W: Write>(w: &mut W, v: &[f32]) -> std::io::Result<()> {
    if cfg!(target_endian = "big") {
        let le: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        return w.write_all(&le);
    }
    w.write_all(bytemuck::cast_slice(v))
}

/// A piece's element codes: bytes for elements of up to 8 bits, u16 for wider ones.
enum CodeBuf {
    Narrow(Vec<u8>),
    Wide(Vec<u16>),
}

impl Default for CodeBuf {
    fn default() -> Self {
        CodeBuf::Narrow(Vec::new())
    }
}

impl CodeBuf {
    /// `n` zero codes of the width `bits`-bit elements need.
    fn reset(&mut self, n: usize, bits: u32) {
        match self {
            CodeBuf::Narrow(v) if bits <= u8::BITS => {
                v.clear();
                v.resize(n, 0);
            }
            CodeBuf::Wide(v) if bits > u8::BITS => {
                v.clear();
                v.resize(n, 0);
            }
            _ if bits <= u8::BITS => *self = CodeBuf::Narrow(vec![0; n]),
            _ => *self = CodeBuf::Wide(vec![0; n]),
        }
    }

    /// The codes as .npy data bytes (little-endian).
    fn le_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            CodeBuf::Narrow(v) => v[..].into(),
            CodeBuf::Wide(v) if cfg!(target_endian = "little") => {
                bytemuck::cast_slice::<u16, u8>(v).into()
            }
            CodeBuf::Wide(v) => v
                .iter()
                .flat_map(|c| c.to_le_bytes())
                .collect::<Vec<_>>()
                .into(),
        }
    }

    fn packed(&self, bits: u32) -> Vec<u8> {
        match self {
            CodeBuf::Narrow(v) => pack_codes(v, bits),
            CodeBuf::Wide(v) => pack_codes(v, bits),
        }
    }
}

/// [`quantize_piece`] writing the element codes into whichever `CodeBuf` holds them.
#[allow(clippy::too_many_arguments)]
fn quantize_piece_into(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    data: &[f32],
    row_len: usize,
    offset: u64,
    amax: u32,
    out: &mut [f32],
    codes: Option<(&mut CodeBuf, &mut [u8])>,
) -> Result<f32, QuantError> {
    match codes {
        None => quantize_piece::<u8>(fmt, opts, data, row_len, offset, amax, out, None),
        Some((CodeBuf::Narrow(e), s)) => {
            quantize_piece(fmt, opts, data, row_len, offset, amax, out, Some((e, s)))
        }
        Some((CodeBuf::Wide(e), s)) => {
            quantize_piece(fmt, opts, data, row_len, offset, amax, out, Some((e, s)))
        }
    }
}

/// One piece's work and results.
#[derive(Default)]
struct Work {
    input: Vec<f32>,
    moved: Vec<f32>,
    out: Vec<f32>,
    ecodes: CodeBuf,
    scodes: Vec<u8>,
    qsnr: QsnrSums,
    tensor_scale: f32,
    made_nonfinite: u64,
}

/// Everything fixed for a run.
struct Job<'a> {
    fmt: &'a BlockFormat,
    opts: &'a QuantOptions,
    rotation: Option<&'a Hadamard>,
    geo: Geometry,
    codes: bool,
}

impl Job<'_> {
    /// The piece's values in the quantized layout (transposed, rotated), in `w.moved`.
    fn prepare(&self, p: &Piece, w: &mut Work) -> anyhow::Result<()> {
        if p.slab {
            transpose(&w.input, self.geo.a, self.geo.inner, &mut w.moved);
        } else {
            w.moved.clear();
            w.moved.extend_from_slice(&w.input);
        }
        if let Some(h) = self.rotation {
            w.moved = h.rotate(&w.moved, p.row_len)?;
        }
        Ok(())
    }

    /// Whether the piece is quantized as read: rows in file order, no rotation.
    fn in_place(&self, p: &Piece) -> bool {
        !p.slab && self.rotation.is_none()
    }

    fn tensor_amax(&self, p: &Piece, w: &mut Work) -> anyhow::Result<u32> {
        if self.in_place(p) {
            return Ok(tensor_amax(&w.input, p.row_len, self.geo.k));
        }
        self.prepare(p, w)?;
        Ok(tensor_amax(&w.moved, p.row_len, self.geo.k))
    }

    fn quantize(&self, p: &Piece, w: &mut Work, amax: u32) -> anyhow::Result<()> {
        let (_, blocks) = self.geo.blocks_of(p);
        if self.codes {
            w.ecodes.reset(blocks * self.geo.k, self.fmt.elem.bits());
            w.scodes.clear();
            w.scodes.resize(blocks, 0);
        }
        // Every value of the output is written by the kernel: the buffers are reused as they
        // are, not zeroed.
        if self.in_place(p) {
            // Blocks along rows in file order: quantized straight from the input, no copy.
            w.out.resize(p.len, 0.0);
            let codes = self.codes.then_some((&mut w.ecodes, &mut w.scodes[..]));
            w.tensor_scale = quantize_piece_into(
                self.fmt, self.opts, &w.input, p.row_len, p.start, amax, &mut w.out, codes,
            )?;
        } else {
            self.prepare(p, w)?;
            let mut q = std::mem::take(&mut w.out);
            q.resize(p.len, 0.0);
            let codes = self.codes.then_some((&mut w.ecodes, &mut w.scodes[..]));
            w.tensor_scale = quantize_piece_into(
                self.fmt, self.opts, &w.moved, p.row_len, p.start, amax, &mut q, codes,
            )?;
            if let Some(h) = self.rotation {
                q = h.unrotate(&q, p.row_len)?;
            }
            if p.slab {
                transpose(&q, self.geo.inner, self.geo.a, &mut w.out);
            } else {
                w.out = q;
            }
        }
        w.qsnr = QsnrSums::default();
        w.qsnr.add(&w.input, &w.out);
        // The error sum stays finite unless a finite input came out NaN or Inf: only then
        // are the blocks looked at.
        w.made_nonfinite = if w.qsnr.error.is_finite() {
            0
        } else {
            self.made_nonfinite(p, w)
        };
        Ok(())
    }

    /// The piece's blocks (in the quantized layout) whose input is all finite and whose
    /// output holds a NaN or an Inf.
    fn made_nonfinite(&self, p: &Piece, w: &Work) -> u64 {
        made_nonfinite(&self.geo, p, &w.input, &w.out)
    }
}

/// The blocks of piece `p` (in the quantized layout) whose input `x` is all finite and whose
/// output `y` (both in file order) holds a NaN or an Inf.
fn made_nonfinite(geo: &Geometry, p: &Piece, x: &[f32], y: &[f32]) -> u64 {
    let (mut xt, mut yt) = (Vec::new(), Vec::new());
    let (x, y) = if p.slab {
        transpose(x, geo.a, geo.inner, &mut xt);
        transpose(y, geo.a, geo.inner, &mut yt);
        (&xt[..], &yt[..])
    } else {
        (x, y)
    };
    let k = geo.k;
    let blocks = x
        .chunks(p.row_len)
        .zip(y.chunks(p.row_len))
        .flat_map(|(a, b)| a.chunks(k).zip(b.chunks(k)));
    blocks
        .filter(|(a, b)| a.iter().all(|v| v.is_finite()) && b.iter().any(|v| !v.is_finite()))
        .count() as u64
}

/// A staged output file.
struct Staged {
    path: PathBuf,
    file: BufWriter<Temp>,
    /// Bytes handed to `file`, and the prefix of them whose writeback was started.
    written: u64,
    flushing: u64,
    /// Whether the file is flushed to the disk before it is renamed into place.
    durable: bool,
}

/// Start the writeback of a staged file every this many bytes (Linux).
const WRITEBACK_STEP: u64 = 8 << 20;

impl Staged {
    /// A staged file for `path` that will hold `len` bytes. On Linux its space is reserved
    /// up front (fallocate, the size growing only as it is written), so that the writeback
    /// started while writing finds its blocks allocated in one extent.
    fn new(path: &Path, len: u64, durable: bool) -> anyhow::Result<Self> {
        let tmp = crate::atomic::temp_beside(path, "")
            .with_context(|| format!("cannot write {}", path.display()))?;
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: fallocate on an open descriptor reads and writes no memory of ours; a
            // failure (a file system without it) only means no space is reserved.
            unsafe {
                libc::fallocate(
                    tmp.as_file().as_raw_fd(),
                    libc::FALLOC_FL_KEEP_SIZE,
                    0,
                    len as libc::off_t,
                )
            };
        }
        #[cfg(not(target_os = "linux"))]
        let _ = len;
        Ok(Staged {
            path: path.to_path_buf(),
            file: BufWriter::with_capacity(1 << 20, tmp),
            written: 0,
            flushing: 0,
            durable,
        })
    }

    fn write(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        self.file
            .write_all(bytes)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.written += bytes.len() as u64;
        self.start_writeback();
        Ok(())
    }

    fn write_f32s(&mut self, v: &[f32]) -> anyhow::Result<()> {
        write_f32s(&mut self.file, v)
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.written += 4 * v.len() as u64;
        self.start_writeback();
        Ok(())
    }

    /// Start writing back what the file holds so far (Linux: sync_file_range), so that the
    /// final fsync finds little left to do and the disk works while the tensor is quantized.
    fn start_writeback(&mut self) {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let in_file = self.written - self.file.buffer().len() as u64;
            if self.durable && in_file - self.flushing >= WRITEBACK_STEP {
                // SAFETY: a hint on an open descriptor; it reads and writes no memory of
                // ours, and a failure only leaves the work to the final fsync.
                unsafe {
                    libc::sync_file_range(
                        self.file.get_ref().as_file().as_raw_fd(),
                        self.flushing as libc::off64_t,
                        (in_file - self.flushing) as libc::off64_t,
                        libc::SYNC_FILE_RANGE_WRITE,
                    )
                };
                self.flushing = in_file;
            }
        }
    }

    fn finish(self) -> anyhow::Result<(PathBuf, Temp)> {
        let path = self.path;
        let tmp = self
            .file
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|t| {
                if self.durable {
                    t.as_file().sync_all()?;
                }
                Ok(t)
            })
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok((path, tmp))
    }
}

/// Where the quantized batches go, in order, and what they add up to.
struct Sink<'a> {
    job: &'a Job<'a>,
    opts: &'a QuantOptions,
    /// The shape of the quantized layout without the quantized axis.
    other: &'a [u64],
    blocks: u64,
    values: Option<Staged>,
    code_file: Option<Staged>,
    scale_file: Option<Staged>,
    packed_path: Option<&'a Path>,
    /// The packed encoding's staged file and its header length, once the first piece is done.
    packed: Option<(PathBuf, Temp, u64)>,
    qsnr: QsnrSums,
    tensor_scale: f32,
    made_nonfinite: u64,
}

impl Sink<'_> {
    /// Write one quantized batch (`works[i]` holds `group[i]`).
    fn write_group(&mut self, group: &[Piece], works: &[Work]) -> anyhow::Result<()> {
        let (fmt, geo) = (self.job.fmt, self.job.geo);
        let k = geo.k;
        for (p, w) in group.iter().zip(works.iter()) {
            match &mut self.values {
                Some(s) => s.write_f32s(&w.out)?,
                None => write_f32s(&mut std::io::stdout().lock(), &w.out)
                    .context("cannot write stdout")?,
            }
            self.qsnr.merge(&w.qsnr);
            self.made_nonfinite += w.made_nonfinite;
            self.tensor_scale = w.tensor_scale;
            if let Some(s) = &mut self.code_file {
                s.write(&w.ecodes.le_bytes())?;
            }
            if let Some(s) = &mut self.scale_file {
                s.write(&w.scodes)?;
            }
            if let Some(path) = self.packed_path {
                if self.packed.is_none() {
                    // The header holds the tensor scale, known once a piece is done.
                    let mut moved_shape = self.other.to_vec();
                    moved_shape.push(geo.a as u64);
                    let h = Packed {
                        name: fmt.name.clone(),
                        elem: fmt.elem,
                        scale: fmt.scale,
                        rule: self.opts.scale_rule,
                        round: self.opts.round,
                        block: k,
                        shape: moved_shape,
                        tensor_scale: w.tensor_scale,
                        scale_codes: Vec::new(),
                        elem_codes: Vec::new(),
                    }
                    .to_bytes();
                    let mut t = crate::atomic::temp_beside(path, "")
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    t.write_all(&h)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    self.packed = Some((path.to_path_buf(), t, h.len() as u64));
                }
                let (path, t, h) = self.packed.as_mut().expect("set just above");
                let (first, _) = geo.blocks_of(p);
                let bytes_per_block = (k * fmt.elem.bits() as usize / 8) as u64;
                let blocks = self.blocks;
                let mut f = t.as_file();
                let res = f
                    .seek(SeekFrom::Start(*h + first))
                    .and_then(|_| f.write_all(&w.scodes))
                    .and_then(|_| f.seek(SeekFrom::Start(*h + blocks + first * bytes_per_block)))
                    .and_then(|_| f.write_all(&w.ecodes.packed(fmt.elem.bits())));
                res.with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        Ok(())
    }
}

/// Quantize `input` along `axis` (negative counts from the end) into `outputs`.
pub fn quantize_stream(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    rotation: Option<&Hadamard>,
    input: &Input,
    axis: isize,
    outputs: &Outputs,
    chunking: Chunking,
) -> anyhow::Result<StreamResult> {
    let name = input.name();
    // stdin is spooled when the input must be read twice (NV's per-tensor scale).
    let mut spooled: Option<File> = None;
    let (mut reader, file_len): (Box<dyn Read>, Option<u64>) = match input {
        Input::File(p) => {
            let f = File::open(p).map_err(|source| NpyError::Io {
                path: p.clone(),
                source,
            })?;
            let len = f.metadata().map(|m| m.len()).ok();
            (Box::new(BufReader::with_capacity(1 << 20, f)), len)
        }
        Input::Stdin if fmt.is_nv() => {
            let mut t = tempfile::tempfile().context("cannot spool stdin")?;
            std::io::copy(&mut std::io::stdin().lock(), &mut t).context("cannot spool stdin")?;
            t.seek(SeekFrom::Start(0))?;
            let len = t.metadata().map(|m| m.len()).ok();
            let r = BufReader::with_capacity(1 << 20, t.try_clone()?);
            spooled = Some(t);
            (Box::new(r), len)
        }
        Input::Stdin => (Box::new(std::io::stdin().lock()), None),
    };
    let header = npy::read_f32_header(&mut reader, &name)?;
    if let Some(total) = file_len {
        let want = header.len * 4;
        let got = total.saturating_sub(header.header_len as u64);
        if got < want {
            return Err(NpyError::Truncated {
                path: name,
                shape: header.shape,
                want,
                got,
            }
            .into());
        }
        if got > want {
            return Err(NpyError::TrailingBytes {
                path: name,
                shape: header.shape,
                extra: got - want,
            }
            .into());
        }
    }
    let rank = header.shape.len() as isize;
    let ax = if axis < 0 { axis + rank } else { axis };
    if !(0..rank).contains(&ax) {
        bail!(
            "--axis {axis} is out of range for a tensor of rank {rank} (shape {:?})",
            header.shape
        );
    }
    let ax = ax as usize;
    let a = header.shape[ax] as usize;
    let inner = header.shape[ax + 1..].iter().product::<u64>() as usize;
    let k = opts.block_size(fmt);
    if !(1..=1024).contains(&k) {
        return Err(super::QuantError::BadBlock(k).into());
    }
    let geo = Geometry {
        a,
        inner,
        k,
        bpr: a.div_ceil(k),
        len: header.len,
    };
    let pieces = geo.pieces(chunking.piece_elems.max(1));
    let codes = outputs.codes.is_some() || outputs.scales.is_some() || outputs.packed.is_some();
    if let Some(why) = code_width_error(fmt, super::MAX_CODE_BITS).filter(|_| codes) {
        bail!(
            "format '{}': --codes, --scales and --packed refused: {why}",
            fmt.name
        );
    }
    if outputs.packed.is_some() && !(k * fmt.elem.bits() as usize).is_multiple_of(8) {
        bail!(
            "--packed while streaming needs whole bytes per block (block {k} x {} bits)",
            fmt.elem.bits()
        );
    }
    let job = Job {
        fmt,
        opts,
        rotation,
        geo,
        codes,
    };
    // The shape of the quantized layout: other axes in order, then the blocks.
    let mut other: Vec<u64> = header.shape.clone();
    other.remove(ax);
    let rows: u64 = other.iter().product();
    let blocks = rows * geo.bpr as u64;
    let batch = chunking.batch.max(1);
    let mut works: Vec<Work> = (0..batch).map(|_| Work::default()).collect();

    // Pass 1 (NV): the tensor's amax.
    let mut amax = 0u32;
    if fmt.is_nv() {
        for group in pieces.chunks(batch) {
            for (p, w) in group.iter().zip(works.iter_mut()) {
                w.input.resize(p.len, 0.0);
                read_piece(&mut reader, &mut w.input, &name, &header)?;
            }
            let m = group
                .par_iter()
                .zip(works.par_iter_mut())
                .map(|(p, w)| job.tensor_amax(p, w))
                .collect::<anyhow::Result<Vec<u32>>>()?;
            amax = m.into_iter().fold(amax, u32::max);
        }
        reader = match input {
            Input::File(p) => {
                let mut f = File::open(p).map_err(|source| NpyError::Io {
                    path: p.clone(),
                    source,
                })?;
                f.seek(SeekFrom::Start(header.header_len as u64))?;
                Box::new(BufReader::with_capacity(1 << 20, f))
            }
            Input::Stdin => {
                let mut f = spooled
                    .as_ref()
                    .context("stdin was not spooled")?
                    .try_clone()?;
                f.seek(SeekFrom::Start(header.header_len as u64))?;
                Box::new(BufReader::with_capacity(1 << 20, f))
            }
        };
    }

    // Outputs, staged.
    let durable = !outputs.skip_fsync;
    let vheader = npy::header_bytes::<f32>(&header.shape).context("encoding the .npy header")?;
    let mut values = match &outputs.values {
        Some(p) => Some(Staged::new(
            p,
            vheader.len() as u64 + 4 * header.len,
            durable,
        )?),
        None => None,
    };
    let mut stdout = std::io::stdout().lock();
    match &mut values {
        Some(s) => s.write(&vheader)?,
        None => stdout.write_all(&vheader).context("cannot write stdout")?,
    }
    let code_file = match &outputs.codes {
        Some(p) => {
            let mut shape = other.clone();
            shape.extend([geo.bpr as u64, k as u64]);
            let (h, width) = if fmt.elem.bits() <= u8::BITS {
                (npy::header_bytes::<u8>(&shape), 1)
            } else {
                (npy::header_bytes::<u16>(&shape), 2)
            };
            let h = h.context("encoding the .npy header")?;
            let mut s = Staged::new(p, h.len() as u64 + width * blocks * k as u64, durable)?;
            s.write(&h)?;
            Some(s)
        }
        None => None,
    };
    let scale_file = match &outputs.scales {
        Some(p) => {
            let mut shape = other.clone();
            shape.push(geo.bpr as u64);
            let h = npy::header_bytes::<u8>(&shape).context("encoding the .npy header")?;
            let mut s = Staged::new(p, h.len() as u64 + blocks, durable)?;
            s.write(&h)?;
            Some(s)
        }
        None => None,
    };
    let mut sink = Sink {
        job: &job,
        opts,
        other: &other,
        blocks,
        values,
        code_file,
        scale_file,
        packed_path: outputs.packed.as_deref(),
        packed: None,
        qsnr: QsnrSums::default(),
        tensor_scale: 1.0,
        made_nonfinite: 0,
    };
    drop(stdout);

    // Pass 2: quantize and write, batch after batch. A writer thread writes one batch while
    // the next is read and quantized; two sets of buffers take turns.
    let groups: Vec<&[Piece]> = pieces.chunks(batch).collect();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<Work>)>(1);
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Vec<Work>>();
        let sink = &mut sink;
        let groups_w = &groups;
        let writer = scope.spawn(move || -> anyhow::Result<()> {
            for (g, works) in full_rx {
                sink.write_group(groups_w[g], &works)?;
                // The reader may have stopped on its own error: nothing to hand back then.
                let _ = free_tx.send(works);
            }
            Ok(())
        });
        let mut spare = vec![works, (0..batch).map(|_| Work::default()).collect()];
        let read = (|| -> anyhow::Result<()> {
            for (g, group) in groups.iter().enumerate() {
                let mut works = match spare.pop() {
                    Some(w) => w,
                    // The writer stopped (on an error it returns below).
                    None => match free_rx.recv() {
                        Ok(w) => w,
                        Err(_) => return Ok(()),
                    },
                };
                for (p, w) in group.iter().zip(works.iter_mut()) {
                    w.input.resize(p.len, 0.0);
                    read_piece(&mut reader, &mut w.input, &name, &header)?;
                }
                group
                    .par_iter()
                    .zip(works.par_iter_mut())
                    .try_for_each(|(p, w)| job.quantize(p, w, amax))?;
                if full_tx.send((g, works)).is_err() {
                    return Ok(());
                }
            }
            Ok(())
        })();
        drop(full_tx);
        let written = writer
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        read.and(written)
    })?;
    let Sink {
        values,
        code_file,
        scale_file,
        packed,
        qsnr,
        tensor_scale,
        made_nonfinite,
        ..
    } = sink;
    if input == &Input::Stdin && !fmt.is_nv() {
        let mut extra = [0u8; 1];
        if reader.read(&mut extra).unwrap_or(0) > 0 {
            bail!(
                "{} has bytes after the data of shape {:?}",
                name.display(),
                header.shape
            );
        }
    }

    // Commit: every staged file, or none.
    let mut staged: Vec<(PathBuf, Temp)> = Vec::new();
    for s in [values, code_file, scale_file].into_iter().flatten() {
        staged.push(s.finish()?);
    }
    if let Some((path, t, _)) = packed {
        if durable {
            t.as_file()
                .sync_all()
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        staged.push((path, t));
    }
    if outputs.values.is_none() {
        std::io::stdout().flush().context("cannot write stdout")?;
    }
    // Files already committed are taken back if a later one fails (never a device or a
    // FIFO, which are written through, not replaced).
    let mut done: Vec<PathBuf> = Vec::new();
    for (path, tmp) in staged {
        let replaces = tmp.replaces();
        if let Err(e) = crate::atomic::persist(tmp) {
            for d in &done {
                let _ = std::fs::remove_file(d);
            }
            return Err(e).with_context(|| format!("cannot write {}", path.display()));
        }
        if replaces {
            done.push(path);
        }
    }
    Ok(StreamResult {
        shape: header.shape,
        axis: ax,
        elements: header.len,
        blocks,
        qsnr,
        tensor_scale,
        made_nonfinite,
    })
}

/// How an in-memory tensor is cut into blocks: the quantized axis, the other axes (in order)
/// and the blocks along each row. The codes of [`quantize_in_memory`] have shape
/// `(other..., blocks_per_row, block)` and the scales `(other..., blocks_per_row)`, as
/// `hwcost quantize --codes --scales` writes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemLayout {
    pub shape: Vec<u64>,
    pub axis: usize,
    pub other: Vec<u64>,
    pub block: usize,
    pub blocks_per_row: usize,
    geo: Geometry,
}

impl PartialEq for Geometry {
    fn eq(&self, o: &Self) -> bool {
        (self.a, self.inner, self.k, self.bpr, self.len) == (o.a, o.inner, o.k, o.bpr, o.len)
    }
}
impl Eq for Geometry {}

impl MemLayout {
    /// The layout of a tensor of `shape` quantized along `axis` (negative counts from the
    /// end) in blocks of `opts`' size.
    pub fn new(
        fmt: &BlockFormat,
        opts: &QuantOptions,
        shape: &[u64],
        axis: isize,
    ) -> anyhow::Result<Self> {
        let rank = shape.len() as isize;
        let ax = if axis < 0 { axis + rank } else { axis };
        if !(0..rank).contains(&ax) {
            bail!("axis {axis} is out of range for a tensor of rank {rank} (shape {shape:?})");
        }
        let ax = ax as usize;
        let k = opts.block_size(fmt);
        if !(1..=1024).contains(&k) {
            return Err(super::QuantError::BadBlock(k).into());
        }
        let a = shape[ax] as usize;
        let mut other = shape.to_vec();
        other.remove(ax);
        Ok(MemLayout {
            shape: shape.to_vec(),
            axis: ax,
            other,
            block: k,
            blocks_per_row: a.div_ceil(k),
            geo: Geometry {
                a,
                inner: shape[ax + 1..].iter().product::<u64>() as usize,
                k,
                bpr: a.div_ceil(k),
                len: shape.iter().product(),
            },
        })
    }

    /// Elements of the tensor.
    pub fn elements(&self) -> u64 {
        self.geo.len
    }

    /// Blocks of the tensor (scale codes).
    pub fn blocks(&self) -> u64 {
        self.other.iter().product::<u64>() * self.blocks_per_row as u64
    }

    /// Shape of the element codes: (other axes..., blocks per row, block).
    pub fn codes_shape(&self) -> Vec<u64> {
        let mut s = self.other.clone();
        s.extend([self.blocks_per_row as u64, self.block as u64]);
        s
    }

    /// Shape of the scale codes: (other axes..., blocks per row).
    pub fn scales_shape(&self) -> Vec<u64> {
        let mut s = self.other.clone();
        s.push(self.blocks_per_row as u64);
        s
    }
}

/// Elements per piece of [`quantize_in_memory`] (1 MiB of input: fits the caches, and gives
/// every worker thread many pieces).
pub const MEM_PIECE_ELEMS: usize = 1 << 18;

/// Quantize a tensor held in memory (C order, `layout.shape`) into `out` and optionally the
/// element and scale codes (`layout.codes_shape()`, `layout.scales_shape()`), on every core.
/// The pieces are those of [`quantize_stream`] and each is quantized by the same
/// [`super::quantize_piece`], so the results are bit for bit those of `hwcost quantize`.
/// Rows along the last axis without rotation are read and written in place (no copy).
/// Returns the per-tensor scale and the count of blocks made non-finite.
pub fn quantize_in_memory<C: ElemCode>(
    fmt: &BlockFormat,
    opts: &QuantOptions,
    rotation: Option<&Hadamard>,
    layout: &MemLayout,
    data: &[f32],
    out: &mut [f32],
    codes: Option<(&mut [C], &mut [u8])>,
) -> anyhow::Result<InMemoryResult> {
    let geo = layout.geo;
    if data.len() as u64 != geo.len || out.len() != data.len() {
        bail!(
            "the input holds {} values and the output {}, the shape {:?} {}",
            data.len(),
            out.len(),
            layout.shape,
            geo.len
        );
    }
    if let Some((e, s)) = &codes {
        let blocks = layout.blocks() as usize;
        if e.len() != blocks * geo.k || s.len() != blocks {
            bail!(
                "the code buffers hold {} and {} values, the layout needs {} and {}",
                e.len(),
                s.len(),
                blocks * geo.k,
                blocks
            );
        }
        super::check_code_width::<C>(fmt)?;
    }
    if let Some(h) = rotation {
        if h.block() != geo.k {
            bail!(
                "the rotation's block {} is not the block size {}",
                h.block(),
                geo.k
            );
        }
    }
    if geo.len == 0 {
        return Ok(InMemoryResult {
            tensor_scale: 1.0,
            made_nonfinite: 0,
        });
    }
    let pieces = geo.pieces(MEM_PIECE_ELEMS);
    // The piece's input in the quantized layout: borrowed when nothing moves.
    let moved = |p: &Piece, buf: &mut Vec<f32>| -> anyhow::Result<bool> {
        let src = &data[p.start as usize..p.start as usize + p.len];
        if !p.slab && rotation.is_none() {
            return Ok(false);
        }
        if p.slab {
            transpose(src, geo.a, geo.inner, buf);
        } else {
            buf.clear();
            buf.extend_from_slice(src);
        }
        if let Some(h) = rotation {
            *buf = h.rotate(buf, p.row_len)?;
        }
        Ok(true)
    };
    let amax = if fmt.is_nv() {
        pieces
            .par_iter()
            .map_init(Vec::new, |buf, p| {
                let src = if moved(p, buf)? {
                    &buf[..]
                } else {
                    &data[p.start as usize..p.start as usize + p.len]
                };
                Ok::<u32, anyhow::Error>(tensor_amax(src, p.row_len, geo.k))
            })
            .try_reduce(|| 0, |a, b| Ok(a.max(b)))?
    } else {
        0
    };
    // Disjoint output slices, one per piece.
    let mut tasks = Vec::with_capacity(pieces.len());
    let mut rest = out;
    let mut rest_codes = codes;
    for p in &pieces {
        let (o, r) = std::mem::take(&mut rest).split_at_mut(p.len);
        rest = r;
        let (_, nb) = geo.blocks_of(p);
        let c = match rest_codes.take() {
            Some((e, s)) => {
                let (e0, e1) = e.split_at_mut(nb * geo.k);
                let (s0, s1) = s.split_at_mut(nb);
                rest_codes = Some((e1, s1));
                Some((e0, s0))
            }
            None => None,
        };
        tasks.push((p, o, c));
    }
    // Each piece: its tensor scale and its blocks made non-finite (looked for only when the
    // output holds a NaN or an Inf, which one pass over the piece, still in cache, tells).
    let done = tasks
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(buf, q), (p, o, c)| -> anyhow::Result<(f32, u64)> {
                let src = &data[p.start as usize..p.start as usize + p.len];
                let ts = if !moved(p, buf)? {
                    quantize_piece(fmt, opts, src, p.row_len, p.start, amax, o, c)?
                } else {
                    q.clear();
                    q.resize(p.len, 0f32);
                    let ts = quantize_piece(fmt, opts, buf, p.row_len, p.start, amax, q, c)?;
                    if let Some(h) = rotation {
                        *q = h.unrotate(q, p.row_len)?;
                    }
                    if p.slab {
                        transpose_into(q, geo.inner, geo.a, o);
                    } else {
                        o.copy_from_slice(q);
                    }
                    ts
                };
                let made = if all_finite(o) {
                    0
                } else {
                    made_nonfinite(&geo, p, src, o)
                };
                Ok((ts, made))
            },
        )
        .collect::<anyhow::Result<Vec<(f32, u64)>>>()?;
    Ok(InMemoryResult {
        tensor_scale: done.last().map_or(1.0, |d| d.0),
        made_nonfinite: done.iter().map(|d| d.1).sum(),
    })
}

/// What [`quantize_in_memory`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InMemoryResult {
    /// The NV per-tensor FP32 scale s_t (1.0 for MX formats), as `--packed` stores it.
    pub tensor_scale: f32,
    /// Blocks whose input was all finite but whose output holds a NaN or an Inf (as
    /// [`StreamResult::made_nonfinite`]).
    pub made_nonfinite: u64,
}

/// Read one piece; a short read is a truncated file.
fn read_piece<R: Read>(
    r: &mut R,
    buf: &mut [f32],
    name: &Path,
    header: &npy::F32Header,
) -> anyhow::Result<()> {
    read_f32s(r, buf).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            anyhow::Error::from(NpyError::Truncated {
                path: name.to_path_buf(),
                shape: header.shape.clone(),
                want: header.len * 4,
                got: 0,
            })
        } else {
            anyhow::Error::from(NpyError::Io {
                path: name.to_path_buf(),
                source: e,
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_cover_the_tensor_once_in_order() {
        let geo = |a, inner, len| Geometry {
            a,
            inner,
            k: 4,
            bpr: usize::div_ceil(a, 4),
            len,
        };
        for (g, piece) in [
            (geo(10, 1, 60), 25),
            (geo(10, 1, 60), 7),
            (geo(10, 3, 60), 1),
            (geo(10, 3, 60), 64),
        ] {
            let ps = g.pieces(piece);
            let mut at = 0;
            let mut blocks = 0;
            for p in &ps {
                assert_eq!(p.start, at);
                at += p.len as u64;
                let (first, n) = g.blocks_of(p);
                assert_eq!(first, blocks);
                blocks += n as u64;
            }
            assert_eq!(at, 60);
            assert_eq!(blocks, 60 / 10 * 3);
        }
    }

    #[test]
    fn in_memory_matches_the_whole_tensor_quantizer_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let seed = 0x9e37_79b9u64;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        // rows longer than a piece (split inside a row) and rows shorter than a block
        for (rows, row_len) in [(3usize, MEM_PIECE_ELEMS + 1000), (100, 20), (7, 96)] {
            let data: Vec<f32> = (0..rows * row_len)
                .map(|i| match i % 997 {
                    0 => f32::NAN,
                    1 => f32::INFINITY,
                    _ => rng.gen_range(-100.0f32..100.0),
                })
                .collect();
            for name in ["mxfp8", "mxint8", "nvfp4"] {
                let fmt = crate::format::lookup_in(name, &[]).unwrap();
                let opts = QuantOptions::default_for(&fmt);
                let want = super::super::quantize(&fmt, &opts, &data, row_len).unwrap();
                let layout =
                    MemLayout::new(&fmt, &opts, &[rows as u64, row_len as u64], -1).unwrap();
                let mut out = vec![0f32; data.len()];
                let mut e = vec![0u8; layout.blocks() as usize * layout.block];
                let mut s = vec![0u8; layout.blocks() as usize];
                let r = quantize_in_memory(
                    &fmt,
                    &opts,
                    None,
                    &layout,
                    &data,
                    &mut out,
                    Some((&mut e, &mut s)),
                )
                .unwrap();
                let ts = r.tensor_scale;
                assert_eq!(r.made_nonfinite, 0, "{name} seed {seed}");
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert!(
                    bits(&out) == bits(&want.values),
                    "{name} {rows}x{row_len} seed {seed}"
                );
                assert!(
                    e == want.elem_codes && s == want.scale_codes,
                    "{name} seed {seed}"
                );
                assert_eq!(
                    ts.to_bits(),
                    want.tensor_scale.to_bits(),
                    "{name} seed {seed}"
                );
            }
        }
        let fmt = crate::format::lookup_in("mxfp8", &[]).unwrap();
        let opts = QuantOptions::default_for(&fmt);
        assert!(MemLayout::new(&fmt, &opts, &[4, 5], 2).is_err());
        assert!(MemLayout::new(&fmt, &opts, &[], -1).is_err());
        let l = MemLayout::new(&fmt, &opts, &[4, 5], 0).unwrap();
        assert_eq!(
            (l.codes_shape(), l.scales_shape()),
            (vec![5, 1, 32], vec![5, 1])
        );
        let mut out = vec![0f32; 19];
        assert!(
            quantize_in_memory::<u8>(&fmt, &opts, None, &l, &[0.0; 20], &mut out, None).is_err()
        );
    }

    #[test]
    fn transpose_moves_the_axis_last_and_back() {
        let x: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let mut t = Vec::new();
        transpose(&x, 3, 4, &mut t);
        assert_eq!(&t[..4], &[0.0, 4.0, 8.0, 1.0]);
        let mut back = Vec::new();
        transpose(&t, 4, 3, &mut back);
        assert_eq!(back, x);
    }
}
