// Four-lane signed 4x4 dot product with a 16-bit accumulator, built from named submodules
// (two lane pairs, each two multipliers and an adder): the per-module area and per-instance
// energy tests of src/cost check that the breakdown adds up to the total.
module hd_mul (input signed [3:0] x, input signed [3:0] y, output signed [7:0] p);
    assign p = x * y;
endmodule

module hd_add (input signed [7:0] x, input signed [7:0] y, output signed [8:0] s);
    assign s = x + y;
endmodule

module hd_lane_pair (input [7:0] a, input [7:0] b, output signed [8:0] s);
    wire signed [7:0] p0, p1;
    hd_mul u_m0 (.x(a[3:0]), .y(b[3:0]), .p(p0));
    hd_mul u_m1 (.x(a[7:4]), .y(b[7:4]), .p(p1));
    hd_add u_add (.x(p0), .y(p1), .s(s));
endmodule

module hier_dot (
    input  wire        clk,
    input  wire        rst,
    input  wire [15:0] a,
    input  wire [15:0] b,
    output reg  [15:0] acc
);
    wire signed [8:0] s0, s1;
    hd_lane_pair u_lo (.a(a[7:0]),  .b(b[7:0]),  .s(s0));
    hd_lane_pair u_hi (.a(a[15:8]), .b(b[15:8]), .s(s1));
    always @(posedge clk)
        if (rst) acc <= 16'd0;
        else     acc <= acc + {{7{s0[8]}}, s0} + {{7{s1[8]}}, s1};
endmodule
