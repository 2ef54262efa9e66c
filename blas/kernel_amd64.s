//go:build amd64

#include "textflag.h"

// Both kernels compute tiles consecutive mr×nr tiles of C, each mr rows
// below the last, from A tiles ta elements apart and one panel of B (see
// kernelFunc). Register use: Y0..Y11 accumulate the 6 rows of a tile (two
// vectors a row), Y12 and Y13 hold a row of B, Y14 and Y15 broadcast
// elements of A. Rows of A are R11 bytes apart: AX points at rows 0-2 and
// R12 at rows 3-5, both advancing R8 bytes a step; BX walks B by R9 bytes.
// SI and R13 hold the current tile's A and C, DX counts the tiles left.

#define SSTEP \
	VMOVUPS (BX), Y12; \
	VMOVUPS 32(BX), Y13; \
	VBROADCASTSS (AX), Y14; \
	VBROADCASTSS (AX)(R11*1), Y15; \
	VFMADD231PS Y12, Y14, Y0; \
	VFMADD231PS Y13, Y14, Y1; \
	VFMADD231PS Y12, Y15, Y2; \
	VFMADD231PS Y13, Y15, Y3; \
	VBROADCASTSS (AX)(R11*2), Y14; \
	VBROADCASTSS (R12), Y15; \
	VFMADD231PS Y12, Y14, Y4; \
	VFMADD231PS Y13, Y14, Y5; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VBROADCASTSS (R12)(R11*1), Y14; \
	VBROADCASTSS (R12)(R11*2), Y15; \
	VFMADD231PS Y12, Y14, Y8; \
	VFMADD231PS Y13, Y14, Y9; \
	VFMADD231PS Y12, Y15, Y10; \
	VFMADD231PS Y13, Y15, Y11; \
	ADDQ R8, AX; \
	ADDQ R8, R12; \
	ADDQ R9, BX

#define SSTORE(r0, r1) \
	VMOVUPS r0, (DI);   \
	VMOVUPS r1, 32(DI); \
	ADDQ    R10, DI

#define SACCUM(r0, r1) \
	VFMADD231PS (DI), Y15, r0;   \
	VFMADD231PS 32(DI), Y15, r1; \
	VMOVUPS     r0, (DI);        \
	VMOVUPS     r1, 32(DI);      \
	ADDQ        R10, DI

// func sgemmKernel6x16(k int, a *float32, rsa, csa int, b *float32, sb int, c *float32, ldc int, alpha, beta float32, flags, tiles, ta int)
TEXT ·sgemmKernel6x16(SB), NOSPLIT, $0-96
	MOVQ rsa+16(FP), R11
	SHLQ $2, R11
	MOVQ csa+24(FP), R8
	SHLQ $2, R8
	MOVQ sb+40(FP), R9
	SHLQ $2, R9
	MOVQ ldc+56(FP), R10
	SHLQ $2, R10
	MOVQ a+8(FP), SI
	MOVQ c+48(FP), R13
	MOVQ tiles+80(FP), DX

stile:
	MOVQ k+0(FP), CX
	MOVQ SI, AX
	LEAQ (SI)(R11*2), R12
	ADDQ R11, R12
	MOVQ b+32(FP), BX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	CMPQ CX, $4
	JLT  stail

sloop4:
	SSTEP
	SSTEP
	SSTEP
	SSTEP
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  sloop4

stail:
	TESTQ CX, CX
	JE    sstore

sloop1:
	SSTEP
	DECQ CX
	JNE  sloop1

sstore:
	MOVQ R13, DI
	MOVQ flags+72(FP), CX
	TESTQ $2, CX
	JE    snoscale
	VBROADCASTSS alpha+64(FP), Y14
	VMULPS Y14, Y0, Y0
	VMULPS Y14, Y1, Y1
	VMULPS Y14, Y2, Y2
	VMULPS Y14, Y3, Y3
	VMULPS Y14, Y4, Y4
	VMULPS Y14, Y5, Y5
	VMULPS Y14, Y6, Y6
	VMULPS Y14, Y7, Y7
	VMULPS Y14, Y8, Y8
	VMULPS Y14, Y9, Y9
	VMULPS Y14, Y10, Y10
	VMULPS Y14, Y11, Y11

snoscale:
	TESTQ $1, CX
	JNE   saccum
	SSTORE(Y0, Y1)
	SSTORE(Y2, Y3)
	SSTORE(Y4, Y5)
	SSTORE(Y6, Y7)
	SSTORE(Y8, Y9)
	SSTORE(Y10, Y11)
	JMP snext

saccum:
	VBROADCASTSS beta+68(FP), Y15
	SACCUM(Y0, Y1)
	SACCUM(Y2, Y3)
	SACCUM(Y4, Y5)
	SACCUM(Y6, Y7)
	SACCUM(Y8, Y9)
	SACCUM(Y10, Y11)

snext:
	MOVQ DI, R13
	MOVQ ta+88(FP), CX
	SHLQ $2, CX
	ADDQ CX, SI
	DECQ DX
	JNE  stile
	VZEROUPPER
	RET

#define DSTEP \
	VMOVUPD (BX), Y12; \
	VMOVUPD 32(BX), Y13; \
	VBROADCASTSD (AX), Y14; \
	VBROADCASTSD (AX)(R11*1), Y15; \
	VFMADD231PD Y12, Y14, Y0; \
	VFMADD231PD Y13, Y14, Y1; \
	VFMADD231PD Y12, Y15, Y2; \
	VFMADD231PD Y13, Y15, Y3; \
	VBROADCASTSD (AX)(R11*2), Y14; \
	VBROADCASTSD (R12), Y15; \
	VFMADD231PD Y12, Y14, Y4; \
	VFMADD231PD Y13, Y14, Y5; \
	VFMADD231PD Y12, Y15, Y6; \
	VFMADD231PD Y13, Y15, Y7; \
	VBROADCASTSD (R12)(R11*1), Y14; \
	VBROADCASTSD (R12)(R11*2), Y15; \
	VFMADD231PD Y12, Y14, Y8; \
	VFMADD231PD Y13, Y14, Y9; \
	VFMADD231PD Y12, Y15, Y10; \
	VFMADD231PD Y13, Y15, Y11; \
	ADDQ R8, AX; \
	ADDQ R8, R12; \
	ADDQ R9, BX

#define DSTORE(r0, r1) \
	VMOVUPD r0, (DI);   \
	VMOVUPD r1, 32(DI); \
	ADDQ    R10, DI

#define DACCUM(r0, r1) \
	VFMADD231PD (DI), Y15, r0;   \
	VFMADD231PD 32(DI), Y15, r1; \
	VMOVUPD     r0, (DI);        \
	VMOVUPD     r1, 32(DI);      \
	ADDQ        R10, DI

// func dgemmKernel6x8(k int, a *float64, rsa, csa int, b *float64, sb int, c *float64, ldc int, alpha, beta float64, flags, tiles, ta int)
TEXT ·dgemmKernel6x8(SB), NOSPLIT, $0-104
	MOVQ rsa+16(FP), R11
	SHLQ $3, R11
	MOVQ csa+24(FP), R8
	SHLQ $3, R8
	MOVQ sb+40(FP), R9
	SHLQ $3, R9
	MOVQ ldc+56(FP), R10
	SHLQ $3, R10
	MOVQ a+8(FP), SI
	MOVQ c+48(FP), R13
	MOVQ tiles+88(FP), DX

dtile:
	MOVQ k+0(FP), CX
	MOVQ SI, AX
	LEAQ (SI)(R11*2), R12
	ADDQ R11, R12
	MOVQ b+32(FP), BX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11

	CMPQ CX, $4
	JLT  dtail

dloop4:
	DSTEP
	DSTEP
	DSTEP
	DSTEP
	SUBQ $4, CX
	CMPQ CX, $4
	JGE  dloop4

dtail:
	TESTQ CX, CX
	JE    dstore

dloop1:
	DSTEP
	DECQ CX
	JNE  dloop1

dstore:
	MOVQ R13, DI
	MOVQ flags+80(FP), CX
	TESTQ $2, CX
	JE    dnoscale
	VBROADCASTSD alpha+64(FP), Y14
	VMULPD Y14, Y0, Y0
	VMULPD Y14, Y1, Y1
	VMULPD Y14, Y2, Y2
	VMULPD Y14, Y3, Y3
	VMULPD Y14, Y4, Y4
	VMULPD Y14, Y5, Y5
	VMULPD Y14, Y6, Y6
	VMULPD Y14, Y7, Y7
	VMULPD Y14, Y8, Y8
	VMULPD Y14, Y9, Y9
	VMULPD Y14, Y10, Y10
	VMULPD Y14, Y11, Y11

dnoscale:
	TESTQ $1, CX
	JNE   daccum
	DSTORE(Y0, Y1)
	DSTORE(Y2, Y3)
	DSTORE(Y4, Y5)
	DSTORE(Y6, Y7)
	DSTORE(Y8, Y9)
	DSTORE(Y10, Y11)
	JMP dnext

daccum:
	VBROADCASTSD beta+72(FP), Y15
	DACCUM(Y0, Y1)
	DACCUM(Y2, Y3)
	DACCUM(Y4, Y5)
	DACCUM(Y6, Y7)
	DACCUM(Y8, Y9)
	DACCUM(Y10, Y11)

dnext:
	MOVQ DI, R13
	MOVQ ta+96(FP), CX
	SHLQ $3, CX
	ADDQ CX, SI
	DECQ DX
	JNE  dtile
	VZEROUPPER
	RET

