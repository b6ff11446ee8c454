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
/// Each `step` is one cycle of RTL_CONTRACT.md's protocol: the inputs are applied while
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
                return Err(RtlError::CodeCount { what, expected: self.plan.lanes, got: codes.len() });
            }
        }
        let inp = CycleIn { rst, in_valid, acc_clear, a, b, a_scale, b_scale };
        self.core.step(&inp).map_err(|why| RtlError::Sim { unit: self.plan.name.clone(), why })
    }

    /// The front end's (sum, lsb_exp, special) for the inputs of the last `step`: the block
    /// sum in units of 2^lsb_exp, scales excluded; special 0 finite, 1 NaN, 2 +Inf, 3 -Inf
    /// (sum and lsb_exp are meaningless unless special is 0).
    pub fn front_outputs(&self) -> (i128, i32, u8) {
        self.core.front_outputs()
    }
}
