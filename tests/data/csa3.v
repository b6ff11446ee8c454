// y = a + b + c, registered: a carry-save layer of full adders, then a ripple-carry adder,
// every adder an instance of the generated-unit adder modules (`<unit>__fa`, `<unit>__ha`)
module csa3__fa(a, b, ci, s, co);
  input a, b, ci;
  output s, co;
  assign s = a ^ b ^ ci;
  assign co = (a & b) | (a & ci) | (b & ci);
endmodule

module csa3__ha(a, b, s, co);
  input a, b;
  output s, co;
  assign s = a ^ b;
  assign co = a & b;
endmodule

module csa3(clk, a, b, c, y);
  input clk;
  input [7:0] a, b, c;
  output reg [9:0] y;
  wire [7:0] s, k;
  wire [9:0] r;
  wire [8:1] t;
  genvar i;
  generate for (i = 0; i < 8; i = i + 1) begin : l0
    csa3__fa fa(.a(a[i]), .b(b[i]), .ci(c[i]), .s(s[i]), .co(k[i]));
  end endgenerate
  assign r[0] = s[0];
  csa3__ha ha_1(.a(s[1]), .b(k[0]), .s(r[1]), .co(t[2]));
  generate for (i = 2; i < 8; i = i + 1) begin : l1
    csa3__fa fa(.a(s[i]), .b(k[i-1]), .ci(t[i]), .s(r[i]), .co(t[i+1]));
  end endgenerate
  csa3__ha ha_8(.a(k[7]), .b(t[8]), .s(r[8]), .co(r[9]));
  always @(posedge clk) y <= r;
endmodule
