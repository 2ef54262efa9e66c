package blas

import "unsafe"

// Chunk computes chunk id, rows [r0, r1) or columns [c0, c1) of C, as
// goroutine tid (whose buffers are j.lanes[tid]), and, for a narrow
// product computed as its transpose, copies that block into the caller's
// C while it is still in cache.
func (j *job[T]) Chunk(tid, id int) {
	r0, r1, c0, c1 := chunkBounds(id, j.chunks, j.m, j.n, j.pr.mr, j.pr.nr, j.splitRows)
	j.block(tid, r0, r1, c0, c1)
	if j.out != nil {
		j.transposeOut(r0, r1, c0, c1)
	}
}

// chunkBounds returns the block of an m×n C that chunk id of chunks
// covers, rows [r0, r1) and columns [c0, c1): a range of whole mr-row
// tiles if splitRows, else of whole nr-column tiles, the tiles shared out
// as evenly as they go.
func chunkBounds(id, chunks, m, n, mr, nr int, splitRows bool) (r0, r1, c0, c1 int) {
	if splitRows {
		tm := ceilDiv(m, mr)
		return id * tm / chunks * mr, min((id+1)*tm/chunks*mr, m), 0, n
	}
	tn := ceilDiv(n, nr)
	return 0, m, id * tn / chunks * nr, min((id+1)*tn/chunks*nr, n)
}

// transposeOut sets out[c][r] = C[r][c] + outBeta·out[c][r] for the block
// rows [r0, r1) and columns [c0, c1) of C: column r of out is row r of C.
func (j *job[T]) transposeOut(r0, r1, c0, c1 int) {
	out, ld, beta := j.out, j.outLd, j.outBeta
	if size := int(unsafe.Sizeof(out[0])); beta == 0 && hasAsmPack && r1 > r0 && c1 > c0 {
		// Blocks of 8×8 (float32) or 4×4 (float64) elements transposed in
		// registers, as in packing; leftover rows and columns below.
		g := 8
		if size == 8 {
			g = 4
		}
		blocks := (c1 - c0) / g
		cd := c0 + blocks*g // columns [c0, cd) go by blocks
		_, _ = j.c[(r1-1)*j.ldc+c1-1], out[(c1-1)*ld+r1-1]
		for ; blocks > 0 && r0+g <= r1; r0 += g {
			src, dst := unsafe.Pointer(&j.c[r0*j.ldc+c0]), unsafe.Pointer(&out[c0*ld+r0])
			if size == 4 {
				transpose8x8f32(dst, src, blocks, j.ldc*size, ld*size)
			} else {
				transpose4x4f64(dst, src, blocks, j.ldc*size, ld*size)
			}
			for r := r0; r < r0+g; r++ {
				for c := cd; c < c1; c++ {
					out[c*ld+r] = j.c[r*j.ldc+c]
				}
			}
		}
	}
	for r := r0; r < r1; r++ {
		row := j.c[r*j.ldc+c0 : r*j.ldc+c1]
		if beta == 0 {
			for i, v := range row {
				out[(c0+i)*ld+r] = v
			}
			continue
		}
		for i, v := range row {
			o := &out[(c0+i)*ld+r]
			*o = v + beta**o
		}
	}
}

// block computes rows [r0, r1) and columns [c0, c1) of C as goroutine tid.
func (j *job[T]) block(tid, r0, r1, c0, c1 int) {
	l := &j.lanes[tid]
	for jc := c0; jc < c1; jc += j.nc {
		ncur := min(j.nc, c1-jc)
		// The lane keeps what it packed of B, which its next chunk of
		// rows reuses.
		if key := [3]int{jc, -1, ncur}; j.keepK && l.bKey != key {
			for pc := 0; pc < j.k; pc += j.kc {
				j.packBBlock(l.bp[j.bOffset(pc):], pc, min(j.kc, j.k-pc), jc, ncur)
			}
			l.bKey = key
		}
		for pc := 0; pc < j.k; pc += j.kc {
			kcur := min(j.kc, j.k-pc)
			if key := [3]int{jc, pc, ncur}; !j.keepK && l.bKey != key {
				j.packBBlock(l.bp, pc, kcur, jc, ncur)
				l.bKey = key
			}
			bp := l.bp[j.bOffset(pc):]
			beta, flags := j.beta, kernAccum
			if pc > 0 {
				beta = 1
			} else if beta == 0 {
				flags = 0
			}
			for ic := r0; ic < r1; ic += j.mc {
				mcur := min(j.mc, r1-ic)
				j.packA(l.ap, ic, mcur, pc, kcur)
				j.macro(l.ap, bp, l.tmp, ic, mcur, jc, ncur, pc, kcur, beta, flags)
			}
		}
	}
}

// packBBlock packs rows [pc, pc+kcur) and columns [jc, jc+ncur) of op(B)
// into dst, or just the edge panel if full panels are read in place.
func (j *job[T]) packBBlock(dst []T, pc, kcur, jc, ncur int) {
	nr := j.pr.nr
	switch {
	case !j.directB:
		j.packB(dst, pc, kcur, jc, ncur)
	case ncur%nr != 0:
		full := ncur / nr * nr
		j.packB(dst, pc, kcur, jc+full, ncur-full)
	}
}

// macro multiplies the mcur×kcur block of op(A) at (ic, pc) by the
// kcur×ncur block of op(B) at (pc, jc) into C[ic:ic+mcur, jc:jc+ncur],
// reading packed panels from ap and bp or, where j.directA or j.directB
// says so, full panels in place. One kernel call covers all full row tiles
// of a column panel. Tiles that stick out of C are computed into the
// scratch block tmp and copied, so the kernel never writes outside C.
func (j *job[T]) macro(ap, bp, tmp []T, ic, mcur, jc, ncur, pc, kcur int, beta T, flags int) {
	pr := j.pr
	mr, nr := pr.mr, pr.nr
	kern := pr.kern
	c, ldc, alpha := j.c, j.ldc, j.alpha
	if alpha != 1 {
		flags |= kernScale
	}
	full := mcur / mr // row tiles of mr rows
	rest := mcur - full*mr
	// Where the full row tiles' A is: packed or in place.
	var a0 *T
	rsa, csa, ta := 1, mr, mr*kcur
	switch {
	case full == 0:
	case !j.directA:
		a0 = &ap[0]
	case j.tA:
		a0, csa, ta = &j.a[pc*j.lda+ic], j.lda, mr
	default:
		a0, rsa, csa, ta = &j.a[ic*j.lda+pc], j.lda, 1, mr*j.lda
	}
	// Where the edge rows' A is: packed, or in place if edge kernels fit
	// them exactly (see packA). Piece s of the edge starts at
	// as[aoff+s·ersa].
	as, aoff := ap, full*mr*kcur
	ersa, ecsa := 1, mr
	if rest > 0 && j.directA && j.edgeExact(rest) {
		as = j.a
		if j.tA {
			aoff, ecsa = pc*j.lda+ic+full*mr, j.lda
		} else {
			aoff, ersa, ecsa = (ic+full*mr)*j.lda+pc, j.lda, 1
		}
	}
	for jr := 0; jr < ncur; jr += nr {
		nw := min(nr, ncur-jr)
		var b *T
		sb := nr
		switch {
		case !j.directB:
			b = &bp[jr*kcur]
		case nw == nr:
			b, sb = &j.b[pc*j.ldb+jc+jr], j.ldb
		default:
			b = &bp[0]
		}
		off := ic*ldc + jc + jr
		if nw == nr {
			if full > 0 {
				kern(kcur, a0, rsa, csa, b, sb, &c[off], ldc, alpha, beta, flags, full, ta)
			}
			for s := 0; s < rest; {
				rows, ek := j.edgePiece(rest - s)
				ae, coff := &as[aoff+s*ersa], off+(full*mr+s)*ldc
				if rows <= rest-s {
					ek(kcur, ae, ersa, ecsa, b, sb, &c[coff], ldc, alpha, beta, flags, 1, 0)
				} else {
					ek(kcur, ae, ersa, ecsa, b, sb, &tmp[0], nr, alpha, 0, flags&kernScale, 1, 0)
					j.merge(tmp, c[coff:], rest-s, nw, beta, flags)
				}
				s += rows
			}
			continue
		}
		if full > 0 {
			kern(kcur, a0, rsa, csa, b, sb, &tmp[0], nr, alpha, 0, flags&kernScale, full, ta)
		}
		for s := 0; s < rest; {
			rows, ek := j.edgePiece(rest - s)
			ek(kcur, &as[aoff+s*ersa], ersa, ecsa, b, sb, &tmp[(full*mr+s)*nr], nr, alpha, 0, flags&kernScale, 1, 0)
			s += rows
		}
		j.merge(tmp, c[off:], mcur, nw, beta, flags)
	}
}

// edgePiece returns the kernel for the next piece of the last rest < mr
// rows of a block, and the rows it computes: the smallest kernel that
// covers them all if it computes at most one row more (rows past the end
// are padding, computed into scratch), else the largest edge kernel that
// fits in them exactly. So 10 rows of the 12-row kernels go as 8 + 2, in
// place, not as 12 into scratch and back.
func (j *job[T]) edgePiece(rest int) (int, kernelFunc[T]) {
	rows, kern := j.edgeKernel(rest)
	if rows <= rest+1 {
		return rows, kern
	}
	for i := len(j.pr.edges) - 1; i >= 0; i-- {
		if e := j.pr.edges[i]; e.rows <= rest {
			return e.rows, e.kern
		}
	}
	return rows, kern
}

// edgeExact reports whether the pieces of the last rest rows of a block
// (see edgePiece) compute no padding rows, so that A and C can be used in
// place.
func (j *job[T]) edgeExact(rest int) bool {
	for rest > 0 {
		rows, _ := j.edgePiece(rest)
		if rows > rest {
			return false
		}
		rest -= rows
	}
	return true
}

// edgeKernel returns the kernel for the last rest < mr rows of a block and
// the number of rows it computes, at least rest.
func (j *job[T]) edgeKernel(rest int) (int, kernelFunc[T]) {
	for _, e := range j.pr.edges {
		if rest <= e.rows {
			return e.rows, e.kern
		}
	}
	return j.pr.mr, j.pr.kern
}

// merge adds the h×w block held in tmp (row stride nr) into c (row stride
// ldc): C = tmp + beta·C, or C = tmp without kernAccum.
func (j *job[T]) merge(tmp, c []T, h, w int, beta T, flags int) {
	nr, ldc := j.pr.nr, j.ldc
	for i := 0; i < h; i++ {
		crow := c[i*ldc : i*ldc+w]
		trow := tmp[i*nr : i*nr+w]
		if flags&kernAccum == 0 {
			copy(crow, trow)
			continue
		}
		for jj := range crow {
			crow[jj] = trow[jj] + beta*crow[jj]
		}
	}
}

// packA packs rows [i0, i0+mh) and columns [p0, p0+kc) of op(A) into dst as
// micro-panels of mr rows: element (i, p) of a panel is at p·mr + i. The
// last panel is padded with zeros.
func (j *job[T]) packA(dst []T, i0, mh, p0, kc int) {
	mr := j.pr.mr
	a, lda := j.a, j.lda
	ir := 0
	if j.directA {
		ir = mh / mr * mr // full panels are read in place
		if j.edgeExact(mh - ir) {
			return // and so is an edge that edge kernels fit exactly
		}
	}
	if j.tA && hasAsmPack && mh-ir >= mr && (mr == 6 || hasAsm512Pack && mr*int(unsafe.Sizeof(a[0])) <= 128) {
		// Whole panels at once, walking A row by row.
		panels := (mh - ir) / mr
		base := p0*lda + i0 + ir
		_, _ = a[base+(kc-1)*lda+panels*mr-1], dst[(ir+panels*mr)*kc-1]
		size := int(unsafe.Sizeof(a[0]))
		// A few panels (192 bytes of each row of A) a pass: more would
		// write to too many lines that alias in L1, as panels are mr·kc
		// elements apart; fewer would read lines of A only partly.
		group := max(1, 192/(mr*size))
		for q := 0; q < panels; q += group {
			g := min(group, panels-q)
			d, src := unsafe.Pointer(&dst[(ir+q*mr)*kc]), unsafe.Pointer(&a[base+q*mr])
			switch {
			case mr != 6:
				packATw(d, src, g, kc, lda*size, mr*kc*size, mr*size)
			case size == 4:
				packAT24(d, src, g, kc, lda*size, mr*kc*size)
			default:
				packAT48(d, src, g, kc, lda*size, mr*kc*size)
			}
		}
		ir += panels * mr
	}
	if !j.tA && mr == 12 && hasAsmPack {
		// Whole panels by blocks of 8×8, 4×8 (float32) or 4×4 (float64)
		// elements transposed in registers; the last kc%8 or kc%4 steps
		// below.
		size := int(unsafe.Sizeof(a[0]))
		g := 8
		if size == 8 {
			g = 4
		}
		blocks := kc / g
		for ; ir+mr <= mh; ir += mr {
			d := dst[ir*kc : ir*kc+mr*kc]
			row := (i0+ir)*lda + p0
			_ = a[row+(mr-1)*lda+kc-1]
			if blocks > 0 {
				if size == 4 {
					transpose8x8f32(unsafe.Pointer(&d[0]), unsafe.Pointer(&a[row]), blocks, lda*size, mr*size)
					transpose4x8f32(unsafe.Pointer(&d[8]), unsafe.Pointer(&a[row+8*lda]), blocks, lda*size, mr*size)
				} else {
					for r := 0; r < mr; r += 4 {
						transpose4x4f64(unsafe.Pointer(&d[r]), unsafe.Pointer(&a[row+r*lda]), blocks, lda*size, mr*size)
					}
				}
			}
			for p := blocks * g; p < kc; p++ {
				for i := range mr {
					d[p*mr+i] = a[row+i*lda+p]
				}
			}
		}
	}
	for ; ir < mh; ir += mr {
		h := min(mr, mh-ir)
		d := dst[ir*kc : ir*kc+mr*kc]
		if j.tA {
			// op(A)[i][p] = a[p·lda + i]: each step copies h contiguous elements.
			base := p0*lda + i0 + ir
			if h == 6 && mr == 6 {
				for p := 0; p < kc; p++ {
					s := a[base+p*lda : base+p*lda+6]
					dp := d[p*6 : p*6+6]
					dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = s[0], s[1], s[2], s[3], s[4], s[5]
				}
				continue
			}
			for p := 0; p < kc; p++ {
				dp := d[p*mr : p*mr+mr]
				s := a[base+p*lda : base+p*lda+h]
				for i := range dp {
					if i < h {
						dp[i] = s[i]
					} else {
						dp[i] = 0
					}
				}
			}
			continue
		}
		// op(A)[i][p] = a[i·lda + p].
		row := (i0+ir)*lda + p0
		if h == 6 && mr == 6 {
			s0 := a[row : row+kc]
			s1 := a[row+lda : row+lda+kc]
			s2 := a[row+2*lda : row+2*lda+kc]
			s3 := a[row+3*lda : row+3*lda+kc]
			s4 := a[row+4*lda : row+4*lda+kc]
			s5 := a[row+5*lda : row+5*lda+kc]
			for p := range s0 {
				dp := d[p*6 : p*6+6]
				dp[0], dp[1], dp[2], dp[3], dp[4], dp[5] = s0[p], s1[p], s2[p], s3[p], s4[p], s5[p]
			}
			continue
		}
		for i := 0; i < mr; i++ {
			if i >= h {
				for p := 0; p < kc; p++ {
					d[p*mr+i] = 0
				}
				continue
			}
			for p, v := range a[row+i*lda : row+i*lda+kc] {
				d[p*mr+i] = v
			}
		}
	}
}

// packB packs rows [p0, p0+kc) and columns [j0, j0+w) of op(B) into dst as
// micro-panels of nr columns: element (p, j) of a panel is at p·nr + j. The
// last panel is padded with zeros.
func (j *job[T]) packB(dst []T, p0, kc, j0, w int) {
	nr := j.pr.nr
	b, ldb := j.b, j.ldb
	for jr := 0; jr < w; jr += nr {
		nw := min(nr, w-jr)
		d := dst[jr*kc : jr*kc+nr*kc]
		if !j.tB {
			// op(B)[p][j] = b[p·ldb + j]: each step copies nw contiguous elements.
			base := p0*ldb + j0 + jr
			if size := int(unsafe.Sizeof(b[0])); nw == nr && (nr*size == 64 || nr*size == 128) && hasAsmPack {
				_, _ = b[base+(kc-1)*ldb+nr-1], d[nr*kc-1]
				if nr*size == 64 {
					copyRows64(unsafe.Pointer(&d[0]), unsafe.Pointer(&b[base]), kc, ldb*size)
				} else {
					copyRows128(unsafe.Pointer(&d[0]), unsafe.Pointer(&b[base]), kc, ldb*size)
				}
				continue
			}
			for p := 0; p < kc; p++ {
				dp := d[p*nr : p*nr+nr]
				copy(dp, b[base+p*ldb:base+p*ldb+nw])
				clear(dp[nw:])
			}
			continue
		}
		// op(B)[p][j] = b[j·ldb + p]: four rows of b at a time, so each
		// step writes four adjacent elements.
		jj := 0
		if size := int(unsafe.Sizeof(b[0])); nw == nr && nr*size%64 == 0 && hasAsmPack {
			// Blocks of 8×8 (float32) or 4×4 (float64) elements are
			// transposed in registers; the last kc%8 or kc%4 steps below.
			row := (j0+jr)*ldb + p0
			_, _ = b[row+(nr-1)*ldb+kc-1], d[nr*kc-1]
			g := 8
			if size == 8 {
				g = 4
			}
			blocks := kc / g
			for r := 0; r < nr; r += g {
				src, dst := unsafe.Pointer(&b[row+r*ldb]), unsafe.Pointer(&d[r])
				if size == 4 {
					transpose8x8f32(dst, src, blocks, ldb*size, nr*size)
				} else {
					transpose4x4f64(dst, src, blocks, ldb*size, nr*size)
				}
			}
			for p := blocks * g; p < kc; p++ {
				for r := 0; r < nr; r++ {
					d[p*nr+r] = b[row+r*ldb+p]
				}
			}
			continue
		}
		for ; jj+4 <= nw; jj += 4 {
			row := (j0+jr+jj)*ldb + p0
			s0 := b[row : row+kc]
			s1 := b[row+ldb : row+ldb+kc]
			s2 := b[row+2*ldb : row+2*ldb+kc]
			s3 := b[row+3*ldb : row+3*ldb+kc]
			for p := range s0 {
				dp := d[p*nr+jj : p*nr+jj+4]
				dp[0], dp[1], dp[2], dp[3] = s0[p], s1[p], s2[p], s3[p]
			}
		}
		for ; jj < nr; jj++ {
			if jj >= nw {
				for p := 0; p < kc; p++ {
					d[p*nr+jj] = 0
				}
				continue
			}
			row := (j0+jr+jj)*ldb + p0
			for p, v := range b[row : row+kc] {
				d[p*nr+jj] = v
			}
		}
	}
}
