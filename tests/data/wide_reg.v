// A 130-bit register with a byte-wide XOR mask: exercises stimulus and outputs wider than
// 64 bits (multi-word values) in the gate-level simulation of src/cost.
module wide_reg (
    input  wire         clk,
    input  wire [129:0] x,
    input  wire [7:0]   m,
    output reg  [129:0] y
);
    always @(posedge clk) y <= x ^ {m, 122'd0} ^ {122'd0, m};
endmodule
