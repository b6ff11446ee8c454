use hwcost::rtl::fp32::prim::*;
use hwcost::rtl::fp32::*;
use rust_hdl::prelude::*;
fn w<B: Block>(mut b: B, p: &str) { b.connect_all(); std::fs::write(p, generate_verilog(&b)).unwrap(); }
#[test]
fn dump() {
    w(Lzc::<90, 14>::default(), "/tmp/lzt/tree.v");
    w(ShrSticky::<90, 25, 25>::default(), "/tmp/lzt/shr.v");
    w(ToBinary32::<90>::default(), "/tmp/lzt/t90.v");
    w(ToBinary32::<24>::default(), "/tmp/lzt/t24.v");
    w(Fp32Add::default(), "/tmp/lzt/add.v");
}
#[test]
fn speed() {
    let mut u = Fp32Add::default(); u.connect_all();
    let t = std::time::Instant::now();
    let mut x: u32 = 1;
    for _ in 0..50000 {
        x ^= x << 13; x ^= x >> 17; x ^= x << 5; let a = x;
        x ^= x << 13; x ^= x >> 17; x ^= x << 5; let b = x;
        u.a.next = (a as u64).into(); u.b.next = (b as u64).into();
        assert!(simulate(&mut u, 100));
    }
    println!("50k in {:?}", t.elapsed());
}
