//! `hwcost._hwcost`: the Python bindings of hwcost's quantizer, a thin layer over the library
//! crate (`hwcost::format::quantize::stream::quantize_in_memory`, the same pieces and the same
//! kernels as `hwcost quantize`), so results are bit for bit those of the command line.
//! The `hwcost` Python package (python/hwcost/) re-exports these functions with type stubs.

use std::borrow::Cow;
use std::path::PathBuf;

use clap::ValueEnum;
use hwcost::format::quantize::cli::made_nonfinite_message;
use hwcost::format::quantize::hadamard::Hadamard;
use hwcost::format::quantize::stream::{quantize_in_memory, InMemoryResult, MemLayout};
use hwcost::format::quantize::{
    code_width_error, qsnr_db, quantize_dequantize_into, ElemCode, QuantOptions, Rounding,
    ScaleRule, MAX_CODE_BITS,
};
use hwcost::format::{self, BlockFormat};
use numpy::{
    Element, PyArrayDescrMethods, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArray,
    PyUntypedArrayMethods,
};
use pyo3::exceptions::{PyRuntimeWarning, PyTypeError, PyValueError};
use pyo3::prelude::*;

/// A library error as a ValueError (every one of them is about the caller's input).
fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{e:#}"))
}

/// `x` as a float32 array, or a TypeError naming what it is.
fn f32_array<'py>(x: &Bound<'py, PyAny>, what: &str) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    if let Ok(a) = x.cast::<PyArrayDyn<f32>>() {
        return Ok(a.clone());
    }
    if let Ok(a) = x.cast::<PyUntypedArray>() {
        let dt = a.dtype();
        let native = numpy::dtype::<f32>(x.py());
        let why = if dt.kind() == b'f' && dt.itemsize() == 4 && !dt.is_equiv_to(&native) {
            "float32 (in the machine's byte order)".to_string()
        } else {
            "float32".to_string()
        };
        return Err(PyTypeError::new_err(format!(
            "{what} must be a NumPy array of {why}, got dtype {}; convert it with \
             {what}.astype(numpy.float32) (hwcost never converts silently)",
            dt.str()
                .map(|s| s.to_string())
                .unwrap_or_else(|_| "?".into())
        )));
    }
    let ty = x
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    let hint = if ty == "Tensor" {
        " (for a torch tensor pass t.detach().cpu().numpy())"
    } else {
        ""
    };
    Err(PyTypeError::new_err(format!(
        "{what} must be a float32 NumPy array, got {ty}{hint}"
    )))
}

/// The values of a float32 array in C order: borrowed when it is C-contiguous, else copied.
fn values<'a>(a: &'a PyReadonlyArrayDyn<'_, f32>) -> Cow<'a, [f32]> {
    // `as_slice` also takes Fortran order (memory order, not C order): C order only.
    match a.as_slice() {
        Ok(s) if a.is_c_contiguous() => Cow::Borrowed(s),
        _ => Cow::Owned(a.as_array().iter().copied().collect()),
    }
}

/// Everything that selects a quantization, checked.
struct Request {
    fmt: BlockFormat,
    opts: QuantOptions,
    rotation: Option<Hadamard>,
    layout: MemLayout,
}

#[allow(clippy::too_many_arguments)]
fn request(
    shape: &[usize],
    format: &str,
    scale_rule: Option<&str>,
    round: &str,
    block: Option<i64>,
    axis: isize,
    rotate: Option<&str>,
    seed: i128,
) -> PyResult<Request> {
    let seed = u64::try_from(seed)
        .map_err(|_| PyValueError::new_err(format!("seed must be 0 to 2**64 - 1, got {seed}")))?;
    let fmt = format::lookup(format).map_err(value_error)?;
    let scale_rule = match scale_rule {
        None => ScaleRule::default_for(&fmt),
        Some(s) => ScaleRule::from_str(s, true).map_err(|_| {
            PyValueError::new_err(format!(
                "unknown scale_rule '{s}'; use one of {}",
                ScaleRule::ALL.map(|r| r.name()).join(", ")
            ))
        })?,
    };
    let round = Rounding::from_str(round, true).map_err(|_| {
        PyValueError::new_err(format!(
            "unknown round '{round}'; use one of rne, away, floor, stochastic"
        ))
    })?;
    let block = match block {
        None => None,
        Some(b) if (1..=1024).contains(&b) => Some(b as usize),
        Some(b) => {
            return Err(PyValueError::new_err(format!(
                "block size must be 1..=1024, got {b}"
            )))
        }
    };
    let opts = QuantOptions {
        scale_rule,
        round,
        block,
        seed,
    };
    let rotation = match rotate {
        None => None,
        Some(r) if r.eq_ignore_ascii_case("hadamard") => {
            Some(Hadamard::new(opts.block_size(&fmt), seed).map_err(value_error)?)
        }
        Some(r) => {
            return Err(PyValueError::new_err(format!(
                "unknown rotate '{r}'; use None or 'hadamard'"
            )))
        }
    };
    let shape: Vec<u64> = shape.iter().map(|&d| d as u64).collect();
    let layout = MemLayout::new(&fmt, &opts, &shape, axis).map_err(value_error)?;
    Ok(Request {
        fmt,
        opts,
        rotation,
        layout,
    })
}

/// The CLI's warning for blocks made non-finite, as a Python RuntimeWarning pointing
/// `stacklevel` frames up (1: the caller of the Rust function).
fn warn_made_nonfinite(
    py: Python<'_>,
    r: &Request,
    done: &InMemoryResult,
    stacklevel: i32,
) -> PyResult<()> {
    match made_nonfinite_message(done.made_nonfinite, r.layout.blocks(), r.rotation.is_some()) {
        Some(m) => {
            let msg = std::ffi::CString::new(m).map_err(value_error)?;
            PyErr::warn(
                py,
                py.get_type::<PyRuntimeWarning>().as_any(),
                &msg,
                stacklevel,
            )
        }
        None => Ok(()),
    }
}

/// A new uninitialized array of `shape`: only for outputs the quantizer writes in full.
fn empty<'py, T: Element>(py: Python<'py>, shape: &[u64]) -> Bound<'py, PyArrayDyn<T>> {
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    // SAFETY: the caller fills every element before Python sees the array.
    unsafe { PyArrayDyn::<T>::new(py, dims, false) }
}

/// Quantize-dequantize `x` along `axis`; see python/hwcost/__init__.pyi.
#[pyfunction]
#[pyo3(signature = (x, format, *, scale_rule=None, round="rne", block=None, axis=-1, rotate=None, seed=0, out=None))]
#[allow(clippy::too_many_arguments)]
fn quantize<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    format: &str,
    scale_rule: Option<&str>,
    round: &str,
    block: Option<i64>,
    axis: isize,
    rotate: Option<&str>,
    seed: i128,
    out: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArrayDyn<f32>>> {
    let xa = f32_array(x, "x")?;
    let r = request(
        xa.shape(),
        format,
        scale_rule,
        round,
        block,
        axis,
        rotate,
        seed,
    )?;
    let result = match out {
        Some(o) => {
            let oa = f32_array(o, "out")?;
            if oa.shape() != xa.shape() {
                return Err(PyValueError::new_err(format!(
                    "out has shape {:?}, x {:?}; they must be the same",
                    oa.shape(),
                    xa.shape()
                )));
            }
            if !oa.is_c_contiguous() {
                return Err(PyValueError::new_err(
                    "out must be C-contiguous (e.g. made by numpy.empty_like(x))",
                ));
            }
            oa.clone()
        }
        None => empty::<f32>(py, &r.layout.shape),
    };
    let xr = xa.try_readonly().map_err(value_error)?;
    let mut or = result.try_readwrite().map_err(|_| {
        PyValueError::new_err(
            "out shares memory with x (or is not writeable); give it a buffer of its own",
        )
    })?;
    let data = values(&xr);
    let dst = or
        .as_slice_mut()
        .map_err(|_| PyValueError::new_err("out must be C-contiguous and writeable"))?;
    let done = py
        .detach(|| {
            quantize_in_memory::<u8>(
                &r.fmt,
                &r.opts,
                r.rotation.as_ref(),
                &r.layout,
                &data,
                dst,
                None,
            )
        })
        .map_err(value_error)?;
    drop(or);
    drop(xr);
    warn_made_nonfinite(py, &r, &done, 1)?;
    Ok(result)
}

/// The element codes, the scale codes and the per-tensor scale of `x`; see
/// python/hwcost/__init__.pyi (python/hwcost/__init__.py names the three).
#[pyfunction]
#[pyo3(signature = (x, format, *, scale_rule=None, round="rne", block=None, axis=-1, rotate=None, seed=0))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn encode<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    format: &str,
    scale_rule: Option<&str>,
    round: &str,
    block: Option<i64>,
    axis: isize,
    rotate: Option<&str>,
    seed: i128,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyArrayDyn<u8>>, f32)> {
    let xa = f32_array(x, "x")?;
    let r = request(
        xa.shape(),
        format,
        scale_rule,
        round,
        block,
        axis,
        rotate,
        seed,
    )?;
    if let Some(why) = code_width_error(&r.fmt, MAX_CODE_BITS) {
        return Err(PyValueError::new_err(format!(
            "format '{}' has no codes: {why}",
            r.fmt.name
        )));
    }
    // uint8 codes for elements of up to 8 bits, uint16 for 9..16. Called through
    // hwcost.encode (python/hwcost/__init__.py): the user's line is 2 up for the warning.
    if r.fmt.elem.bits() <= u8::BITS {
        let (codes, scales, done) = encode_as::<u8>(py, &xa, &r)?;
        warn_made_nonfinite(py, &r, &done, 2)?;
        Ok((codes.into_any(), scales, done.tensor_scale))
    } else {
        let (codes, scales, done) = encode_as::<u16>(py, &xa, &r)?;
        warn_made_nonfinite(py, &r, &done, 2)?;
        Ok((codes.into_any(), scales, done.tensor_scale))
    }
}

/// [`encode`]'s work with the element codes stored as `C`.
#[allow(clippy::type_complexity)]
fn encode_as<'py, C: ElemCode + Element>(
    py: Python<'py>,
    xa: &Bound<'py, PyArrayDyn<f32>>,
    r: &Request,
) -> PyResult<(
    Bound<'py, PyArrayDyn<C>>,
    Bound<'py, PyArrayDyn<u8>>,
    InMemoryResult,
)> {
    // Zeroed: positions past a row's end keep code 0, as the CLI writes them.
    let dims = |s: Vec<u64>| s.into_iter().map(|d| d as usize).collect::<Vec<_>>();
    let codes = PyArrayDyn::<C>::zeros(py, dims(r.layout.codes_shape()), false);
    let scales = PyArrayDyn::<u8>::zeros(py, dims(r.layout.scales_shape()), false);
    let done = {
        let xr = xa.try_readonly().map_err(value_error)?;
        let mut cw = codes.try_readwrite().map_err(value_error)?;
        let mut sw = scales.try_readwrite().map_err(value_error)?;
        let data = values(&xr);
        let c = cw.as_slice_mut().map_err(value_error)?;
        let s = sw.as_slice_mut().map_err(value_error)?;
        py.detach(|| {
            let mut tmp = vec![0f32; data.len()];
            quantize_in_memory(
                &r.fmt,
                &r.opts,
                r.rotation.as_ref(),
                &r.layout,
                &data,
                &mut tmp,
                Some((c, s)),
            )
        })
        .map_err(value_error)?
    };
    Ok((codes, scales, done))
}

/// QSNR of `y` against `x` in dB; see python/hwcost/__init__.pyi.
#[pyfunction]
fn qsnr<'py>(py: Python<'py>, x: &Bound<'py, PyAny>, y: &Bound<'py, PyAny>) -> PyResult<f64> {
    let xa = f32_array(x, "x")?;
    let ya = f32_array(y, "y")?;
    if xa.shape() != ya.shape() {
        return Err(PyValueError::new_err(format!(
            "x has shape {:?}, y {:?}; they must be the same",
            xa.shape(),
            ya.shape()
        )));
    }
    let xr = xa.try_readonly().map_err(value_error)?;
    let yr = ya.try_readonly().map_err(value_error)?;
    let (xv, yv) = (values(&xr), values(&yr));
    Ok(py.detach(|| qsnr_db(&xv, &yv)))
}

/// The format names `quantize` accepts: the built-ins, then those of models/formats/ under
/// the working directory (as `hwcost formats` lists them).
#[pyfunction]
fn formats() -> Vec<String> {
    let mut names: Vec<String> = format::builtins().into_iter().map(|f| f.name).collect();
    let users = format::spec::user_formats(&[PathBuf::from("models/formats")]);
    names.extend(users.formats.into_iter().map(|f| f.name));
    names
}

/// Best time in seconds over `reps` runs of the library kernel alone, single-threaded, on
/// `x` with the format's default options, as `hwcost bench quantize` times it (no Python, no
/// allocation): the reference python/bench.py compares `quantize` with.
#[pyfunction]
fn _kernel_seconds<'py>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    format: &str,
    reps: usize,
) -> PyResult<f64> {
    let xa = f32_array(x, "x")?;
    let fmt = format::lookup(format).map_err(value_error)?;
    let opts = QuantOptions::default_for(&fmt);
    let row = *xa.shape().last().unwrap_or(&1);
    let xr = xa.try_readonly().map_err(value_error)?;
    let data = values(&xr);
    py.detach(|| {
        let mut out = vec![0f32; data.len()];
        let mut best = f64::INFINITY;
        for i in 0..=reps.max(1) {
            let t = std::time::Instant::now();
            quantize_dequantize_into(&fmt, &opts, std::hint::black_box(&data), row, &mut out)?;
            if i > 0 {
                best = best.min(t.elapsed().as_secs_f64());
            }
        }
        Ok::<f64, anyhow::Error>(best)
    })
    .map_err(value_error)
}

#[pymodule]
fn _hwcost(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(quantize, m)?)?;
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    m.add_function(wrap_pyfunction!(qsnr, m)?)?;
    m.add_function(wrap_pyfunction!(formats, m)?)?;
    m.add_function(wrap_pyfunction!(_kernel_seconds, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
