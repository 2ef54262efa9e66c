//go:build amd64

#include "textflag.h"

// Rows of n float32s, ds and ss elements apart: n/16 full vectors, then
// the remaining n%16 elements under the mask K1 (masked-off lanes are
// neither read nor written, so they cannot fault).

// func copyRowsF32(dst, src *float32, rows, n, ds, ss int)
TEXT ·copyRowsF32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ ds+32(FP), R9
	MOVQ ss+40(FP), R10
	SHLQ $2, R9
	SHLQ $2, R10
	MOVQ n+24(FP), CX
	ANDQ $15, CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K1
	MOVQ n+24(FP), R13
	SHRQ $4, R13

copyRow:
	MOVQ R13, BX
	MOVQ DI, R11
	MOVQ SI, R12
	TESTQ BX, BX
	JZ copyTail

copyBlock:
	VMOVUPS (R12), Z0
	VMOVUPS Z0, (R11)
	ADDQ $64, R11
	ADDQ $64, R12
	DECQ BX
	JNZ copyBlock

copyTail:
	VMOVUPS.Z (R12), K1, Z0
	VMOVUPS Z0, K1, (R11)
	ADDQ R9, DI
	ADDQ R10, SI
	DECQ R8
	JNZ copyRow
	VZEROUPPER
	RET

// func addRowsF32(dst, src *float32, rows, n, ds, ss int)
TEXT ·addRowsF32(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), R8
	MOVQ ds+32(FP), R9
	MOVQ ss+40(FP), R10
	SHLQ $2, R9
	SHLQ $2, R10
	MOVQ n+24(FP), CX
	ANDQ $15, CX
	MOVL $1, DX
	SHLL CX, DX
	DECL DX
	KMOVW DX, K1
	MOVQ n+24(FP), R13
	SHRQ $4, R13

addRow:
	MOVQ R13, BX
	MOVQ DI, R11
	MOVQ SI, R12
	TESTQ BX, BX
	JZ addTail

addBlock:
	VMOVUPS (R11), Z0
	VADDPS (R12), Z0, Z0
	VMOVUPS Z0, (R11)
	ADDQ $64, R11
	ADDQ $64, R12
	DECQ BX
	JNZ addBlock

addTail:
	VMOVUPS.Z (R11), K1, Z0
	VMOVUPS.Z (R12), K1, Z1
	VADDPS Z1, Z0, Z0
	VMOVUPS Z0, K1, (R11)
	ADDQ R9, DI
	ADDQ R10, SI
	DECQ R8
	JNZ addRow
	VZEROUPPER
	RET
