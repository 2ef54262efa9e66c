//go:build amd64

#include "textflag.h"

// func copyRows64(dst, src unsafe.Pointer, rows, ld int)
// Copies rows rows of 64 bytes, ld bytes apart in src, to dst contiguously.
TEXT ·copyRows64(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ ld+24(FP), DX
	TESTQ CX, CX
	JE   c64done

c64loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    DX, SI
	ADDQ    $64, DI
	DECQ    CX
	JNE     c64loop

c64done:
	VZEROUPPER
	RET

// func transpose8x8f32(dst, src unsafe.Pointer, blocks, ld, dstStride int)
// Transposes blocks consecutive 8×8 float32 blocks of 8 rows of src (ld
// bytes apart): element (r, p) of the rows goes to dst + p·dstStride + 4r.
TEXT ·transpose8x8f32(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ ld+24(FP), R8
	MOVQ dstStride+32(FP), R10
	LEAQ (R8)(R8*2), R9
	LEAQ (R10)(R10*2), R11
	TESTQ CX, CX
	JE   t32done

t32loop:
	LEAQ (SI)(R8*4), BX
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R9*1), Y3
	VMOVUPS (BX), Y4
	VMOVUPS (BX)(R8*1), Y5
	VMOVUPS (BX)(R8*2), Y6
	VMOVUPS (BX)(R9*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	LEAQ    (DI)(R10*4), BX
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R10*1)
	VMOVUPS Y10, (DI)(R10*2)
	VMOVUPS Y11, (DI)(R11*1)
	VMOVUPS Y12, (BX)
	VMOVUPS Y13, (BX)(R10*1)
	VMOVUPS Y14, (BX)(R10*2)
	VMOVUPS Y15, (BX)(R11*1)

	ADDQ $32, SI
	LEAQ (DI)(R10*8), DI
	DECQ CX
	JNE  t32loop

t32done:
	VZEROUPPER
	RET

// func transpose4x4f64(dst, src unsafe.Pointer, blocks, ld, dstStride int)
// Transposes blocks consecutive 4×4 float64 blocks of 4 rows of src (ld
// bytes apart): element (r, p) of the rows goes to dst + p·dstStride + 8r.
TEXT ·transpose4x4f64(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ ld+24(FP), R8
	MOVQ dstStride+32(FP), R10
	LEAQ (R8)(R8*2), R9
	LEAQ (R10)(R10*2), R11
	TESTQ CX, CX
	JE   t64done

t64loop:
	VMOVUPD (SI), Y0
	VMOVUPD (SI)(R8*1), Y1
	VMOVUPD (SI)(R8*2), Y2
	VMOVUPD (SI)(R9*1), Y3

	VUNPCKLPD Y1, Y0, Y4
	VUNPCKHPD Y1, Y0, Y5
	VUNPCKLPD Y3, Y2, Y6
	VUNPCKHPD Y3, Y2, Y7

	VPERM2F128 $0x20, Y6, Y4, Y0
	VPERM2F128 $0x20, Y7, Y5, Y1
	VPERM2F128 $0x31, Y6, Y4, Y2
	VPERM2F128 $0x31, Y7, Y5, Y3

	VMOVUPD Y0, (DI)
	VMOVUPD Y1, (DI)(R10*1)
	VMOVUPD Y2, (DI)(R10*2)
	VMOVUPD Y3, (DI)(R11*1)

	ADDQ $32, SI
	LEAQ (DI)(R10*4), DI
	DECQ CX
	JNE  t64loop

t64done:
	VZEROUPPER
	RET

// func packAT24(dst, src unsafe.Pointer, panels, kc, ld, pstride int)
// Packs panels panels of 6 float32 columns: for each of kc rows of src (ld
// bytes apart), 24-byte piece q of the row goes to dst + q·pstride + 24p.
TEXT ·packAT24(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ kc+24(FP), CX
	MOVQ ld+32(FP), R8
	MOVQ pstride+40(FP), R9
	TESTQ CX, CX
	JE   p24done

p24row:
	MOVQ panels+16(FP), DX
	MOVQ SI, AX
	MOVQ DI, BX
	TESTQ DX, DX
	JE   p24next

p24panel:
	MOVUPS (AX), X0
	MOVQ   16(AX), X1
	MOVUPS X0, (BX)
	MOVQ   X1, 16(BX)
	ADDQ   $24, AX
	ADDQ   R9, BX
	DECQ   DX
	JNE    p24panel

p24next:
	ADDQ R8, SI
	ADDQ $24, DI
	DECQ CX
	JNE  p24row

p24done:
	RET

// func packAT48(dst, src unsafe.Pointer, panels, kc, ld, pstride int)
// Packs panels panels of 6 float64 columns: for each of kc rows of src (ld
// bytes apart), 48-byte piece q of the row goes to dst + q·pstride + 48p.
TEXT ·packAT48(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ kc+24(FP), CX
	MOVQ ld+32(FP), R8
	MOVQ pstride+40(FP), R9
	TESTQ CX, CX
	JE   p48done

p48row:
	MOVQ panels+16(FP), DX
	MOVQ SI, AX
	MOVQ DI, BX
	TESTQ DX, DX
	JE   p48next

p48panel:
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), X1
	VMOVUPS Y0, (BX)
	VMOVUPS X1, 32(BX)
	ADDQ    $48, AX
	ADDQ    R9, BX
	DECQ    DX
	JNE     p48panel

p48next:
	ADDQ R8, SI
	ADDQ $48, DI
	DECQ CX
	JNE  p48row

p48done:
	VZEROUPPER
	RET

// func copyRows128(dst, src unsafe.Pointer, rows, ld int)
// Copies rows rows of 128 bytes, ld bytes apart in src, to dst contiguously.
TEXT ·copyRows128(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ ld+24(FP), DX
	TESTQ CX, CX
	JE   c128done

c128loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    DX, SI
	ADDQ    $128, DI
	DECQ    CX
	JNE     c128loop

c128done:
	VZEROUPPER
	RET

// func transpose4x8f32(dst, src unsafe.Pointer, blocks, ld, dstStride int)
// Transposes blocks consecutive 4×8 float32 blocks of 4 rows of src (ld
// bytes apart): element (r, p) of the rows goes to dst + p·dstStride + 4r.
TEXT ·transpose4x8f32(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ ld+24(FP), R8
	MOVQ dstStride+32(FP), R10
	LEAQ (R8)(R8*2), R9
	LEAQ (R10)(R10*2), R11
	TESTQ CX, CX
	JE   t48done

t48loop:
	LEAQ (DI)(R10*4), BX
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R9*1), Y3

	VUNPCKLPS Y1, Y0, Y4
	VUNPCKHPS Y1, Y0, Y5
	VUNPCKLPS Y3, Y2, Y6
	VUNPCKHPS Y3, Y2, Y7

	// Y0..Y3 hold columns 0..3 in their low halves, 4..7 in their high.
	VSHUFPS $0x44, Y6, Y4, Y0
	VSHUFPS $0xEE, Y6, Y4, Y1
	VSHUFPS $0x44, Y7, Y5, Y2
	VSHUFPS $0xEE, Y7, Y5, Y3

	VMOVUPS      X0, (DI)
	VMOVUPS      X1, (DI)(R10*1)
	VMOVUPS      X2, (DI)(R10*2)
	VMOVUPS      X3, (DI)(R11*1)
	VEXTRACTF128 $1, Y0, (BX)
	VEXTRACTF128 $1, Y1, (BX)(R10*1)
	VEXTRACTF128 $1, Y2, (BX)(R10*2)
	VEXTRACTF128 $1, Y3, (BX)(R11*1)

	ADDQ $32, SI
	LEAQ (BX)(R10*4), DI
	DECQ CX
	JNE  t48loop

t48done:
	VZEROUPPER
	RET

// func packATw(dst, src unsafe.Pointer, panels, kc, ld, pstride, w int)
// Packs panels panels of w bytes (a multiple of 4, at most 128) each: for
// each of kc rows of src (ld bytes apart), w-byte piece q of the row goes
// to dst + q·pstride + w·p. Masked AVX-512 moves (F).
TEXT ·packATw(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+32(FP), R8
	MOVQ pstride+40(FP), R9
	MOVQ w+48(FP), R10
	// K1 enables the first min(w/4, 16) dwords, K2 the next ones.
	MOVQ  R10, CX
	SHRQ  $2, CX
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K1
	SHRQ  $16, AX
	KMOVW AX, K2
	MOVQ  kc+24(FP), CX
	TESTQ CX, CX
	JE    pwdone

pwrow:
	MOVQ  panels+16(FP), DX
	MOVQ  SI, AX
	MOVQ  DI, BX
	TESTQ DX, DX
	JE    pwnext

pwpanel:
	VMOVDQU32.Z (AX), K1, Z0
	VMOVDQU32.Z 64(AX), K2, Z1
	VMOVDQU32   Z0, K1, (BX)
	VMOVDQU32   Z1, K2, 64(BX)
	ADDQ        R10, AX
	ADDQ        R9, BX
	DECQ        DX
	JNE         pwpanel

pwnext:
	ADDQ R8, SI
	ADDQ R10, DI
	DECQ CX
	JNE  pwrow

pwdone:
	VZEROUPPER
	RET
