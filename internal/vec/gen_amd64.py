#!/usr/bin/env python3
"""Writes vec_amd64.s, the AVX2/FMA loops of package vec (go generate).

Each loop handles 128 bytes (four YMM registers) a pass, for float32 (PS)
and float64 (PD).
"""

FLOAT = {4: "float32", 8: "float64"}


def loops(sfx, size, bcast, mov):
    t = "F32" if size == 4 else "F64"
    ft = FLOAT[size]
    p = sfx[1]  # S or D: the move/logic suffix
    shift = 2 if size == 4 else 3
    sarg = 28 if size == 4 else 32
    head = ["\tMOVQ n+16(FP), CX", f"\tSHLQ ${shift}, CX"]
    tail = lambda lbl: ["\tADDQ $128, AX", "\tCMPQ AX, CX", f"\tJLT {lbl}", "\tVZEROUPPER", "\tRET", ""]
    o = []
    regs = range(4)

    o += [f"// func addConst{t}(o, a *{ft}, n int, c {ft})",
          f"TEXT ·addConst{t}(SB), NOSPLIT, $0-{sarg}",
          "\tMOVQ o+0(FP), DI", "\tMOVQ a+8(FP), SI", *head,
          f"\t{bcast} c+24(FP), Y15", "\tXORQ AX, AX", f"addc{t}:"]
    o += [f"\tVADD{sfx} {r*32}(SI)(AX*1), Y15, Y{r}" for r in regs]
    o += [f"\tVMOVUP{p} Y{r}, {r*32}(DI)(AX*1)" for r in regs]
    o += tail(f"addc{t}")

    o += [f"// func relu{t}(o, a *{ft}, n int)",
          "// o = a where a > 0 or a is NaN (NLE_UQ), +0 elsewhere: max(a, 0) as Go",
          "// computes it, -0 included.",
          f"TEXT ·relu{t}(SB), NOSPLIT, $0-24",
          "\tMOVQ o+0(FP), DI", "\tMOVQ a+8(FP), SI", *head,
          f"\tVXORP{p} Y15, Y15, Y15", "\tXORQ AX, AX", f"relu{t}:"]
    o += [f"\tVMOVUP{p} {r*32}(SI)(AX*1), Y{r}" for r in regs]
    o += [f"\tVCMP{sfx} $0x06, Y15, Y{r}, Y{r+4}" for r in regs]
    o += [f"\tVAND{sfx} Y{r+4}, Y{r}, Y{r}" for r in regs]
    o += [f"\tVMOVUP{p} Y{r}, {r*32}(DI)(AX*1)" for r in regs]
    o += tail(f"relu{t}")

    o += [f"// func passWhere{t}(o, grad, x *{ft}, n int)",
          "// o = grad where 0 < x (LT_OQ: false where x is NaN), +0 elsewhere.",
          f"TEXT ·passWhere{t}(SB), NOSPLIT, $0-32",
          "\tMOVQ o+0(FP), DI", "\tMOVQ grad+8(FP), DX", "\tMOVQ x+16(FP), SI",
          "\tMOVQ n+24(FP), CX", f"\tSHLQ ${shift}, CX",
          f"\tVXORP{p} Y15, Y15, Y15", "\tXORQ AX, AX", f"pass{t}:"]
    o += [f"\tVCMP{sfx} $0x11, {r*32}(SI)(AX*1), Y15, Y{r}" for r in regs]
    o += [f"\tVAND{sfx} {r*32}(DX)(AX*1), Y{r}, Y{r}" for r in regs]
    o += [f"\tVMOVUP{p} Y{r}, {r*32}(DI)(AX*1)" for r in regs]
    o += tail(f"pass{t}")

    rs = 20 if size == 4 else 24
    o += [f"// func sum{t}(a *{ft}, n int) {ft}",
          f"TEXT ·sum{t}(SB), NOSPLIT, $0-{rs}",
          "\tMOVQ a+0(FP), SI", "\tMOVQ n+8(FP), CX", f"\tSHLQ ${shift}, CX"]
    o += [f"\tVXORP{p} Y{r}, Y{r}, Y{r}" for r in regs]
    o += ["\tXORQ AX, AX", f"sum{t}:"]
    o += [f"\tVADD{sfx} {r*32}(SI)(AX*1), Y{r}, Y{r}" for r in regs]
    o += ["\tADDQ $128, AX", "\tCMPQ AX, CX", f"\tJLT sum{t}",
          f"\tVADD{sfx} Y1, Y0, Y0", f"\tVADD{sfx} Y3, Y2, Y2", f"\tVADD{sfx} Y2, Y0, Y0",
          "\tVEXTRACTF128 $1, Y0, X1", f"\tVADD{sfx} X1, X0, X0"]
    o += ["\tVHADDPS X0, X0, X0"] * 2 if size == 4 else ["\tVHADDPD X0, X0, X0"]
    o += ["\tVZEROUPPER", f"\t{mov} X0, ret+16(FP)", "\tRET", ""]

    o += [f"// func axpy{t}(y, x *{ft}, n int, alpha {ft})",
          f"TEXT ·axpy{t}(SB), NOSPLIT, $0-{sarg}",
          "\tMOVQ y+0(FP), DI", "\tMOVQ x+8(FP), SI", *head,
          f"\t{bcast} alpha+24(FP), Y15", "\tXORQ AX, AX", f"axpy{t}:"]
    o += [f"\tVMOVUP{p} {r*32}(DI)(AX*1), Y{r}" for r in regs]
    o += [f"\tVFMADD231{sfx} {r*32}(SI)(AX*1), Y15, Y{r}" for r in regs]
    o += [f"\tVMOVUP{p} Y{r}, {r*32}(DI)(AX*1)" for r in regs]
    o += tail(f"axpy{t}")
    return o


def exp_loop(size):
    """exp over blocks of one YMM register (8 float32 or 4 float64 lanes).

    It stops at the first block holding a lane outside [lo, hi] or a NaN
    and returns the number of elements done, for Go to finish with
    math.Exp. Within range: n = round(x·log2e), r = x − n·ln2 (in two
    parts, with FMA), exp(r) by its Taylor polynomial in Horner form
    (degree 7 for float32, 13 for float64: truncation below half an ulp
    for |r| ≤ ln2/2), times 2^n built in the exponent bits.
    """
    t = "F32" if size == 4 else "F64"
    ft = FLOAT[size]
    s = "PS" if size == 4 else "PD"
    p = s[1]
    bc = "VBROADCASTSS" if size == 4 else "VBROADCASTSD"
    deg = 7 if size == 4 else 13
    o = [f"// func exp{t}(o, a *{ft}, n int, k *exp{t}Consts) int",
         f"TEXT ·exp{t}(SB), NOSPLIT, $0-40",
         "\tMOVQ o+0(FP), DI", "\tMOVQ a+8(FP), SI", "\tMOVQ n+16(FP), CX",
         f"\tSHLQ ${2 if size == 4 else 3}, CX", "\tMOVQ k+24(FP), BX",
         # constants: 0 lo, 1 hi, 2 log2e, 3 ln2hi, 4 ln2lo, 5.. coefficients c_deg..c_0
         f"\t{bc} 0(BX), Y10", f"\t{bc} {size}(BX), Y11", f"\t{bc} {2*size}(BX), Y12",
         f"\t{bc} {3*size}(BX), Y13", f"\t{bc} {4*size}(BX), Y14",
         "\tXORQ AX, AX", f"exp{t}:", "\tCMPQ AX, CX", f"\tJGE exp{t}done",
         f"\tVMOVUP{p} (SI)(AX*1), Y0",
         # in range: lo <= x <= hi (ordered): mask all ones in every lane
         f"\tVCMP{s} $0x0d, Y10, Y0, Y1",  # GE_OS: x >= lo
         f"\tVCMP{s} $0x02, Y11, Y0, Y2",  # LE_OS: x <= hi
         f"\tVAND{s} Y2, Y1, Y1",
         f"\tVMOVMSK{s} Y1, DX",
         f"\tCMPQ DX, ${'0xff' if size == 4 else '0x0f'}",
         f"\tJNE exp{t}done",
         f"\tVMUL{s} Y12, Y0, Y1",
         f"\tVROUND{s} $0, Y1, Y1",  # n, to nearest
         f"\tVFNMADD231{s} Y13, Y1, Y0",  # r = x − n·ln2hi
         f"\tVFNMADD231{s} Y14, Y1, Y0",  # r −= n·ln2lo
         f"\t{bc} {5*size}(BX), Y2"]
    for i in range(1, deg + 1):
        o.append(f"\t{bc} {(5+i)*size}(BX), Y3")
        o.append(f"\tVFMADD213{s} Y3, Y0, Y2")  # Y2 = Y2·r + c
    if size == 4:
        o += ["\tVCVTPS2DQ Y1, Y1", f"\tVPBROADCASTD {(6+deg)*size}(BX), Y3",
              "\tVPADDD Y3, Y1, Y1", "\tVPSLLD $23, Y1, Y1"]
    else:
        o += [f"\t{bc} {(6+deg)*size}(BX), Y3",  # 0x1.8p52 + 1023
              "\tVADDPD Y3, Y1, Y1", "\tVPSLLQ $52, Y1, Y1"]
    o += [f"\tVMUL{s} Y1, Y2, Y2", f"\tVMOVUP{p} Y2, (DI)(AX*1)", "\tADDQ $32, AX", f"\tJMP exp{t}",
          f"exp{t}done:", "\tVZEROUPPER", f"\tSHRQ ${2 if size == 4 else 3}, AX", "\tMOVQ AX, ret+32(FP)", "\tRET", ""]
    return o


def adam_loop(size):
    """One Adam step over blocks of two YMM registers, with the operations
    and roundings of solvers' Go kernel (no fused multiply-adds), so the
    result is the same bit for bit:
    s = ρ₁s + (1−ρ₁)g; r = ρ₂r + (1−ρ₂)g·g; θ −= η·(s·ic₁) / (δ + √(r·ic₂)).
    """
    t = "F32" if size == 4 else "F64"
    ft = FLOAT[size]
    s = "PS" if size == 4 else "PD"
    p = s[1]
    bc = "VBROADCASTSS" if size == 4 else "VBROADCASTSD"
    o = [f"// func adam{t}(theta, grad, s, r *{ft}, n int, k *[8]{ft})",
         "// k holds ρ₁, 1−ρ₁, ρ₂, 1−ρ₂, ic₁, ic₂, η, δ.",
         f"TEXT ·adam{t}(SB), NOSPLIT, $0-48",
         "\tMOVQ theta+0(FP), DI", "\tMOVQ grad+8(FP), SI", "\tMOVQ s+16(FP), DX", "\tMOVQ r+24(FP), R8",
         "\tMOVQ n+32(FP), CX", f"\tSHLQ ${2 if size == 4 else 3}, CX", "\tMOVQ k+40(FP), BX"]
    for i in range(8):
        o.append(f"\t{bc} {i*size}(BX), Y{8+i}")
    o += ["\tXORQ AX, AX", f"adam{t}:"]
    for u in range(2):
        off = u * 32
        a = 4 * u  # registers Y0-Y3 for u = 0, Y4-Y7 for u = 1
        o += [f"\tVMOVUP{p} {off}(SI)(AX*1), Y{a}",          # g
              f"\tVMUL{s} {off}(DX)(AX*1), Y8, Y{a+1}",       # ρ₁·s
              f"\tVMUL{s} Y{a}, Y9, Y{a+2}",                 # (1−ρ₁)·g
              f"\tVADD{s} Y{a+2}, Y{a+1}, Y{a+1}",           # s
              f"\tVMOVUP{p} Y{a+1}, {off}(DX)(AX*1)",
              f"\tVMUL{s} Y{a}, Y11, Y{a+2}",                # (1−ρ₂)·g
              f"\tVMUL{s} Y{a}, Y{a+2}, Y{a+2}",             # (1−ρ₂)·g·g
              f"\tVMUL{s} {off}(R8)(AX*1), Y10, Y{a+3}",      # ρ₂·r
              f"\tVADD{s} Y{a+2}, Y{a+3}, Y{a+3}",           # r
              f"\tVMOVUP{p} Y{a+3}, {off}(R8)(AX*1)",
              f"\tVMUL{s} Y{a+3}, Y13, Y{a+3}",              # r·ic₂
              f"\tVSQRT{s} Y{a+3}, Y{a+3}",
              f"\tVADD{s} Y{a+3}, Y15, Y{a+3}",              # δ + √
              f"\tVMUL{s} Y{a+1}, Y12, Y{a+1}",              # s·ic₁
              f"\tVMUL{s} Y{a+1}, Y14, Y{a+1}",              # η·ŝ
              f"\tVDIV{s} Y{a+3}, Y{a+1}, Y{a+1}",           # η·ŝ / (δ + √r̂)
              f"\tVMOVUP{p} {off}(DI)(AX*1), Y{a+2}",
              f"\tVSUB{s} Y{a+1}, Y{a+2}, Y{a+2}",
              f"\tVMOVUP{p} Y{a+2}, {off}(DI)(AX*1)"]
    o += ["\tADDQ $64, AX", "\tCMPQ AX, CX", f"\tJLT adam{t}", "\tVZEROUPPER", "\tRET", ""]
    return o


out = ["// Code generated by gen_amd64.py; DO NOT EDIT.", "", "//go:build amd64", "",
       '#include "textflag.h"', "",
       "// Each loop handles 128 bytes (four YMM registers) a pass; n is a positive",
       "// multiple of 32 float32 or 16 float64 elements.", ""]
out += loops("PS", 4, "VBROADCASTSS", "MOVSS")
out += loops("PD", 8, "VBROADCASTSD", "MOVSD")
out += exp_loop(4)
out += exp_loop(8)
out += adam_loop(4)
out += adam_loop(8)
with open("vec_amd64.s", "w") as f:
    f.write("\n".join(out))
