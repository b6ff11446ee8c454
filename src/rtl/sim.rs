//! Direct stepping of a unit's rust-hdl model, one clock cycle per call, without the
//! thread hand-offs of rust-hdl's `Simulation` API.

use super::build::build;
use super::unit::{CycleIn, UnitCore};
use super::{RtlError, UnitParams, UnitPlan};
use crate::format::BlockFormat;

/// A unit's rust-hdl model, stepped directly.
///
/// ```
/// use hwcost::format::lookup;
/// use hwcost::rtl::{UnitParams, UnitSim};
/// let fmt = lookup("mxint8").unwrap();
/// let mut sim = UnitSim::new(&fmt, &UnitParams::default()).unwrap();
/// let ones = vec![1u32; 32];
/// sim.step(true, false, false, &ones, &ones, 127, 127).unwrap(); // reset
/// let (valid, acc) = sim.step(false, true, true, &ones, &ones, 127, 127).unwrap();
/// assert!(valid && f32::from_bits(acc) == 32.0 / 4096.0); // 32 * (2^-6)^2
/// ```
///
/// Each `step` is one cycle of rtl/NOTES.md's protocol: the inputs are applied while
/// `clk` is low, `clk` rises, and `(out_valid, acc)` after the edge is returned. The
/// registers start at zero, but only `rst` defines them: reset first. Results appear
/// `plan().latency()` cycles after their block.
pub struct UnitSim {
    plan: UnitPlan,
    core: Box<dyn UnitCore>,
}

impl UnitSim {
    /// Validate the parameters and build the unit.
    pub fn new(format: &BlockFormat, params: &UnitParams) -> Result<Self, RtlError> {
        let plan = UnitPlan::new(format, params)?;
        let core = build(&plan)?;
        Ok(Self { plan, core })
    }

    pub fn plan(&self) -> &UnitPlan {
        &self.plan
    }

    /// One clock cycle. `a` and `b` hold one element code per lane (low W bits used);
    /// `a_scale` / `b_scale` are UE8M0 codes, or E4M3 codes for NV formats.
    #[allow(clippy::too_many_arguments)]
    pub fn step(
        &mut self,
        rst: bool,
        in_valid: bool,
        acc_clear: bool,
        a: &[u32],
        b: &[u32],
        a_scale: u8,
        b_scale: u8,
    ) -> Result<(bool, u32), RtlError> {
        for (what, codes) in [("operand a", a), ("operand b", b)] {
            if codes.len() != self.plan.lanes {
                return Err(RtlError::CodeCount {
                    what,
                    expected: self.plan.lanes,
                    got: codes.len(),
                });
            }
        }
        let inp = CycleIn {
            rst,
            in_valid,
            acc_clear,
            a,
            b,
            a_scale,
            b_scale,
        };
        self.core.step(&inp).map_err(|why| RtlError::Sim {
            unit: self.plan.name.clone(),
            why,
        })
    }

    /// The front end's (sum, lsb_exp, special) for the inputs of the last `step`: the block
    /// sum in units of 2^lsb_exp, scales excluded; special 0 finite, 1 NaN, 2 +Inf, 3 -Inf
    /// (sum and lsb_exp are meaningless unless special is 0).
    pub fn front_outputs(&self) -> (i128, i32, u8) {
        self.core.front_outputs()
    }

    /// Mutation testing of the verification backends: from now on lane 0's multiplier
    /// adds its operands instead of multiplying them, so that a test can show the
    /// rust-hdl backend catching a wrong operator. Not for any other use.
    #[doc(hidden)]
    pub fn corrupt_multiplier(&mut self) {
        self.core.corrupt_multiplier();
    }
}

#[cfg(test)]
mod tests {
    //! Whole units in Icarus (event-driven, so it also catches statement-order mismatches
    //! between rust-hdl's simulator and the emitted `always @(*)` blocks) against direct
    //! stepping of the same rust-hdl model.
    use super::*;
    use crate::format::lookup_in;
    use crate::rtl::testutil::{icarus_run, require_tool};
    use crate::rtl::verilog::finish;
    use crate::rtl::PsumWidth;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn check(name: &str, k: usize, psum_width: PsumWidth, pipeline: usize, cycles: usize) {
        if !require_tool("iverilog", "iverilog") {
            return;
        }
        let f = lookup_in(name, &[]).unwrap();
        let params = UnitParams {
            lanes: Some(k),
            psum_width,
            pipeline,
            arch: Default::default(),
        };
        let mut sim = UnitSim::new(&f, &params).unwrap();
        let w = f.elem.bits() as usize;
        let verilog = finish(&build(sim.plan()).unwrap().raw_verilog(), "dut");
        let seed = 0x1ca5 + k as u64;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut vectors = Vec::new();
        let mut want = Vec::new();
        for t in 0..cycles {
            let (rst, valid, clear) = (
                t < 3 || t == cycles / 2,
                rng.gen_range(0..5) != 0,
                rng.gen_range(0..5) == 0,
            );
            let a: Vec<u32> = (0..k)
                .map(|_| rng.gen_range(0..f.elem.code_count()))
                .collect();
            let b: Vec<u32> = (0..k)
                .map(|_| rng.gen_range(0..f.elem.code_count()))
                .collect();
            let (sa, sb) = (rng.gen_range(96..=160u8), rng.gen_range(96..=160u8));
            let pack = |c: &[u32]| {
                c.iter()
                    .enumerate()
                    .fold(0u128, |x, (i, &v)| x | ((v as u128) << (i * w)))
            };
            vectors.push(vec![
                rst as u128,
                valid as u128,
                clear as u128,
                pack(&a),
                pack(&b),
                sa as u128,
                sb as u128,
            ]);
            let (v, acc) = sim.step(rst, valid, clear, &a, &b, sa, sb).unwrap();
            want.push(vec![v as u128, acc as u128]);
        }
        let kw = k * w;
        let inputs = [
            ("clk", 1),
            ("rst", 1),
            ("in_valid", 1),
            ("acc_clear", 1),
            ("a", kw),
            ("b", kw),
            ("a_scale", 8),
            ("b_scale", 8),
        ];
        let dir = tempfile::tempdir().unwrap();
        let got = icarus_run(
            dir.path(),
            &verilog,
            &inputs,
            &[("out_valid", 1), ("acc", 32)],
            &vectors,
            true,
        );
        for (t, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g, w, "{name} k={k} S={pipeline} seed {seed:#x} cycle {t}: Icarus {g:x?} vs rust-hdl {w:x?}");
        }
    }

    #[test]
    fn whole_units_agree_with_icarus() {
        check("mxfp8", 4, PsumWidth::Default, 0, 400);
        check("mxfp8_e5m2", 2, PsumWidth::Exact, 3, 300);
        check("nvint4", 16, PsumWidth::Default, 2, 300);
        check("nvfp4", 8, PsumWidth::Default, 0, 300);
        check("mxint6", 16, PsumWidth::Default, 1, 300);
    }
}
