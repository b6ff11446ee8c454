//! MAC-unit RTL generation through rust-hdl (issue 3): primitives, lanes, reductions, the
//! unit top, Verilog/JSON/Yosys/harness emission, and direct stepping of the unit.

pub mod front;
pub mod lane;
pub mod prim;
pub mod reduce;
pub mod verilog;

#[cfg(test)]
mod testutil;

#[cfg(test)]
mod scratch {
    use super::*;
    use rust_hdl::prelude::*;
    #[test]
    fn dump() {
        let mut f = front::FpFront::<8, 4, 3, 5, 4, 8, 24, 25, 32, 27>::new(4, 7, crate::format::FpSpecials::NanOnly);
        f.connect_all();
        let v = generate_verilog(&f);
        std::fs::write("/tmp/raw.v", &v).unwrap();
        std::fs::write("/tmp/fin.v", verilog::finish(&v, "u")).unwrap();
        let mut g = front::IntFront::<8, 16, 32, 18>::new(4);
        g.connect_all();
        let v = generate_verilog(&g);
        std::fs::write("/tmp/fin_int.v", verilog::finish(&v, "ui")).unwrap();
    }
}
