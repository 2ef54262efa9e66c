package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/par"
)

// Pooling, ONNX's MaxPool, AveragePool, GlobalMaxPool and
// GlobalAveragePool, at any number of spatial axes, by direct kernels:
// each output element visits the taps of its window that land inside the
// input (the padding takes no part, except in AveragePool's divisor with
// count_include_pad).
//
// The gradients are ops too, closed under differentiation. MaxPool routes
// each output's adjoint to the first maximum of its window:
// MaxPoolGrad(x, g). That is linear in g and piecewise constant in x, so
// its VJP is zero to x and, to g, the adjoint of routing: gathering each
// window's value at its maximum, MaxPoolGather(x, h), whose own VJP to h
// is MaxPoolGrad again. AveragePool is linear; its VJP AveragePoolGrad
// spreads each adjoint evenly over the window, and the VJP of that is
// AveragePool.

func init() {
	out := "N × C × out…, out = ⌊(in + pad_begin + pad_end − ((k − 1)·dilation + 1))/stride⌋ + 1 (⌈⌉ with CeilMode, less a last window that would start in the end padding; SAME: ⌈in/stride⌉)"
	maxAttrs := "KernelShape, Strides 1, Pads 0, AutoPad NOTSET, CeilMode false, Dilations 1"
	avgAttrs := "KernelShape, Strides 1, Pads 0, AutoPad NOTSET, CeilMode false, CountIncludePad false"
	register(
		OpInfo{Go: "MaxPool", Type: "MaxPool", ONNX: "MaxPool", Shape: out, Attrs: maxAttrs,
			Formula: "max of each window's taps inside x", VJP: "MaxPoolGrad(x, g): g to each window's first maximum", Differentiable: true},
		OpInfo{Go: "MaxPoolIndices", Type: "MaxPoolIndices", ONNX: "MaxPool (output Indices)", Shape: "MaxPool's, int64", Attrs: maxAttrs + ", StorageOrder 0",
			Formula: "flat index in x of each window's first maximum (within its plane row-major, or column-major with StorageOrder 1, plus the plane's offset)", VJP: "—"},
		OpInfo{Go: "MaxPoolGrad", Type: "MaxPoolGrad", Shape: "x's", Attrs: maxAttrs,
			Formula: "Σ over windows of g at the window's first maximum of x, 0 elsewhere",
			VJP:     "0 to x, MaxPoolGather(x, h) to g", Differentiable: true},
		OpInfo{Go: "MaxPoolGather", Type: "MaxPoolGather", Shape: "MaxPool(x)'s", Attrs: maxAttrs,
			Formula: "h at each window's first maximum of x", VJP: "0 to x, MaxPoolGrad(x, k) to h", Differentiable: true},
		OpInfo{Go: "AveragePool", Type: "AveragePool", ONNX: "AveragePool", Shape: out, Attrs: avgAttrs,
			Formula: "sum of each window's taps inside x / their number (with CountIncludePad: / the taps inside the padded input)",
			VJP:     "AveragePoolGrad(g, x's shape)", Differentiable: true},
		OpInfo{Go: "AveragePoolGrad", Type: "AveragePoolGrad", Shape: "the given shape of AveragePool's x", Attrs: avgAttrs,
			Formula: "each g spread evenly over its window: the adjoint of AveragePool", VJP: "AveragePool(h)", Differentiable: true},
		OpInfo{Go: "GlobalMaxPool", Type: "GlobalMaxPool", ONNX: "GlobalMaxPool", Shape: "N × C × 1 × …", Formula: "max over the spatial axes",
			VJP: "MaxPoolGrad(x, g) with the whole plane as window", Differentiable: true},
		OpInfo{Go: "GlobalAveragePool", Type: "GlobalAveragePool", ONNX: "GlobalAveragePool", Shape: "N × C × 1 × …", Formula: "mean over the spatial axes",
			VJP: "AveragePoolGrad(g, x's shape) with the whole plane as window", Differentiable: true},
	)
}

// MaxPoolOptions are the attributes of ONNX MaxPool; KernelShape is
// required, and the zero value of the others is ONNX's default. Strides,
// Pads, AutoPad and Dilations are as in ConvOptions.
type MaxPoolOptions struct {
	// KernelShape is the window's extent along each spatial axis (ONNX
	// kernel_shape).
	KernelShape []int
	Strides     []int
	Pads        []int
	AutoPad     AutoPad
	// CeilMode rounds the output's size up instead of down (ONNX
	// ceil_mode), but drops a last window that would start in the end
	// padding (as PyTorch, and as ONNX since it fixed this corner case).
	// It applies to explicit pads: auto_pad's sizes are ONNX's formulas.
	CeilMode  bool
	Dilations []int
	// StorageOrder is how MaxPoolIndices numbers the elements of a plane:
	// 0 row-major, 1 column-major (ONNX storage_order).
	StorageOrder int
}

// AveragePoolOptions are the attributes of ONNX AveragePool (opset 17,
// which has no dilations); KernelShape is required, and the zero value of
// the others is ONNX's default.
type AveragePoolOptions struct {
	// KernelShape, Strides, Pads, AutoPad and CeilMode are as in
	// MaxPoolOptions.
	KernelShape []int
	Strides     []int
	Pads        []int
	AutoPad     AutoPad
	CeilMode    bool
	// CountIncludePad divides by the number of taps inside the padded
	// input rather than inside the input (ONNX count_include_pad).
	CountIncludePad bool
}

// MaxPool returns the maximum of each window of x (N × C × D₁ × …), as
// ONNX MaxPool's output Y. A window must hold at least one element of x.
// Its gradient goes to the first maximum of each window, as PyTorch's.
func MaxPool(x *graph.Node, opts MaxPoolOptions) *graph.Node {
	return graph.ApplyOn(maxPoolOp(pMax, opts), x)
}

// MaxPoolIndices returns, for each window of MaxPool(x, opts), the int64
// index of its first maximum in x flattened (ONNX MaxPool's output
// Indices): the plane's offset plus the element's index within its plane,
// row-major, or column-major with StorageOrder 1.
func MaxPoolIndices(x *graph.Node, opts MaxPoolOptions) *graph.Node {
	return graph.ApplyOn(maxPoolOp(pMaxIndices, opts), x)
}

// MaxPoolGrad returns the gradient of MaxPool(x, opts) with respect to x
// when the output's adjoint is g: each element of g added to x's element
// at the first maximum of its window, zeros elsewhere.
func MaxPoolGrad(x, g *graph.Node, opts MaxPoolOptions) *graph.Node {
	return graph.ApplyOn(maxPoolOp(pMaxGrad, opts), x, g)
}

// MaxPoolGather returns, for each window of MaxPool(x, opts), the element
// of h (x's shape) at the window's first maximum in x: the adjoint of
// MaxPoolGrad in g.
func MaxPoolGather(x, h *graph.Node, opts MaxPoolOptions) *graph.Node {
	return graph.ApplyOn(maxPoolOp(pMaxGather, opts), x, h)
}

// AveragePool returns the mean of each window of x (N × C × D₁ × …), as
// ONNX AveragePool.
func AveragePool(x *graph.Node, opts AveragePoolOptions) *graph.Node {
	return graph.ApplyOn(avgPoolOp(pAvg, opts, nil), x)
}

// AveragePoolGrad returns the gradient of AveragePool(x, opts) with
// respect to x, of shape xShape, when the output's adjoint is g: each
// element of g divided by its window's divisor and added to the window's
// elements.
func AveragePoolGrad(g *graph.Node, xShape graph.Shape, opts AveragePoolOptions) *graph.Node {
	return graph.ApplyOn(avgPoolOp(pAvgGrad, opts, xShape.Clone()), g)
}

// GlobalMaxPool returns the maximum of each plane of x (N × C × D₁ × …)
// as an N × C × 1 × … value (ONNX GlobalMaxPool).
func GlobalMaxPool(x *graph.Node) *graph.Node {
	return graph.ApplyOn(poolOp{kind: pMax, global: true}, x)
}

// GlobalAveragePool returns the mean of each plane of x (N × C × D₁ × …)
// as an N × C × 1 × … value (ONNX GlobalAveragePool).
func GlobalAveragePool(x *graph.Node) *graph.Node {
	return graph.ApplyOn(poolOp{kind: pAvg, global: true}, x)
}

func maxPoolOp(kind poolKind, o MaxPoolOptions) poolOp {
	return poolOp{kind: kind, kernel: cloneInts(o.KernelShape), ceil: o.CeilMode, order: o.StorageOrder,
		sp: spatialAttrs{strides: o.Strides, pads: o.Pads, autoPad: o.AutoPad, dilations: o.Dilations}.clone()}
}

func avgPoolOp(kind poolKind, o AveragePoolOptions, shape graph.Shape) poolOp {
	return poolOp{kind: kind, kernel: cloneInts(o.KernelShape), ceil: o.CeilMode, includePad: o.CountIncludePad, shape: shape,
		sp: spatialAttrs{strides: o.Strides, pads: o.Pads, autoPad: o.AutoPad}.clone()}
}

type poolKind uint8

const (
	pMax        poolKind = iota // (x) → y
	pMaxIndices                 // (x) → int64 y
	pMaxGrad                    // (x, g) → x's shape
	pMaxGather                  // (x, h) → y's shape
	pAvg                        // (x) → y
	pAvgGrad                    // (g) → shape
)

func (k poolKind) isMax() bool { return k <= pMaxGather }

type poolOp struct {
	kind       poolKind
	sp         spatialAttrs
	kernel     []int
	ceil       bool
	includePad bool
	global     bool // the kernel is the whole plane
	order      int  // storage order of MaxPoolIndices
	shape      graph.Shape
}

func (o poolOp) Type() string {
	switch {
	case o.global && o.kind == pMax:
		return "GlobalMaxPool"
	case o.global:
		return "GlobalAveragePool"
	}
	return [...]string{"MaxPool", "MaxPoolIndices", "MaxPoolGrad", "MaxPoolGather", "AveragePool", "AveragePoolGrad"}[o.kind]
}

// geom resolves the window over x's shape; planes is N·C.
func (o poolOp) geom(x graph.Shape) (w window, planes int, err error) {
	d, err := spatialShape(x)
	if err != nil {
		return w, 0, err
	}
	w.d, planes = d, x[0]*x[1]
	copy(w.in[:], x[2:])
	switch {
	case o.global:
		copy(w.k[:], x[2:])
	case len(o.kernel) != d:
		return w, 0, fmt.Errorf("cannot be pooled: kernel shape %v has %d axes, want %d", o.kernel, len(o.kernel), d)
	default:
		copy(w.k[:], o.kernel)
	}
	for a := 0; a < d; a++ {
		if w.k[a] < 1 {
			return w, 0, fmt.Errorf("cannot be pooled: kernel shape %v, want each ≥ 1", append([]int{}, w.k[:d]...))
		}
	}
	if err := o.sp.resolve(&w, o.kind.isMax()); err != nil {
		return w, 0, fmt.Errorf("cannot be pooled: the pool %v", err)
	}
	if err := w.setOut(o.ceil && o.sp.autoPad == AutoPadNotSet); err != nil {
		return w, 0, fmt.Errorf("cannot be pooled: %v", err)
	}
	if !(o.kind == pAvg || o.kind == pAvgGrad) || !o.includePad {
		if a, p, bad := w.emptyWindow(); bad {
			return w, 0, fmt.Errorf("cannot be pooled: window %d along spatial axis %d holds only padding", p, a)
		}
	}
	if o.order != 0 && o.order != 1 {
		return w, 0, fmt.Errorf("cannot be pooled: storage order %d, want 0 or 1", o.order)
	}
	return w, planes, nil
}

func (o poolOp) yShape(x graph.Shape, w *window) graph.Shape {
	return append(graph.Shape{x[0], x[1]}, w.out[:w.d]...)
}

// xOf returns the shape of the pool's x given that of its first input:
// that input's, or for AveragePoolGrad the given x shape with the batch of
// g, so that one op serves every batch of a program.
func (o poolOp) xOf(in0 graph.Shape) graph.Shape {
	if o.kind != pAvgGrad {
		return in0
	}
	x := o.shape.Clone()
	if len(x) > 0 && len(in0) > 0 {
		x[0] = in0[0]
	}
	return x
}

func (o poolOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	x := o.xOf(in[0].Shape)
	w, _, err := o.geom(x)
	if err != nil {
		if o.kind == pAvgGrad {
			err = fmt.Errorf("does not fit x shape %s: it %v", x, err)
		}
		return graph.Meta{}, graph.ShapesError(in, err.Error())
	}
	y := o.yShape(x, &w)
	dt := in[0].DType
	switch o.kind {
	case pMaxIndices:
		return graph.Meta{DType: graph.Int64, Shape: y}, nil
	case pMaxGrad:
		if !in[1].Shape.Equal(y) {
			return graph.Meta{}, graph.ShapesError(in, "do not fit: the adjoint of the pool's output must have shape "+y.String())
		}
		return graph.Meta{DType: dt, Shape: x.Clone()}, nil
	case pMaxGather:
		if !in[1].Shape.Equal(x) {
			return graph.Meta{}, graph.ShapesError(in, "differ")
		}
	case pAvgGrad:
		if !in[0].Shape.Equal(y) {
			return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("does not fit x shape %s: the pool's output would be %s", x, y))
		}
		return graph.Meta{DType: dt, Shape: x.Clone()}, nil
	}
	return graph.Meta{DType: dt, Shape: y}, nil
}

// Workspace: per spatial axis and output position, where the window's
// first tap inside the input is, how many taps are inside, and (for
// AveragePool) how many are inside the padded input: three int64 per
// output position of each axis, filled at the start of each run.
func (o poolOp) Workspace(in []graph.Meta, out graph.Meta) graph.Meta {
	x := o.xOf(in[0].Shape)
	w, _, err := o.geom(x)
	n := 0
	for a := 0; err == nil && a < w.d; a++ {
		n += 3 * w.out[a]
	}
	return graph.Meta{DType: graph.Int64, Shape: graph.Shape{n}}
}

func (o poolOp) Forward(out *graph.Value, in []*graph.Value) {
	var buf [graph.MaxRank]int
	xs := in[0].Shape
	if o.kind == pAvgGrad { // o.shape with g's batch, on the stack
		xs = graph.Shape(buf[:len(o.shape)])
		copy(xs, o.shape)
		xs[0] = in[0].Shape[0]
	}
	w, planes, _ := o.geom(xs)
	r := poolRun{kind: o.kind, w: w, planes: planes, includePad: o.includePad, order: o.order, tab: out.Work.I64}
	r.fillTable()
	if o.kind == pMaxIndices {
		switch in[0].DType() {
		case graph.Float32:
			runPool(&r, out.I64, in[0].F32, nil, []float32(nil))
		default:
			runPool(&r, out.I64, in[0].F64, nil, []float64(nil))
		}
		return
	}
	var second *graph.Value
	if len(in) > 1 {
		second = in[1]
	}
	if out.F64 != nil {
		runPool(&r, nil, in[0].F64, biasData[float64](second), out.F64)
	} else {
		runPool(&r, nil, in[0].F32, biasData[float32](second), out.F32)
	}
}

// VJP: see the top of the file. The gradient ops get the window written
// out (pads resolved, auto_pad NOTSET), so they rebuild this geometry.
func (o poolOp) VJP(n, adj *graph.Node, need []bool) []*graph.Node {
	x := n.Inputs()[0]
	xs := o.xOf(x.Shape())
	w, _, _ := o.geom(xs)
	e := poolOp{sp: o.sp.explicit(&w), kernel: append([]int{}, w.k[:w.d]...), includePad: o.includePad,
		ceil: o.ceil && o.sp.autoPad == AutoPadNotSet}
	if !o.kind.isMax() {
		e.sp.dilations = nil
	}
	mk := func(kind poolKind, shape graph.Shape, in ...*graph.Node) *graph.Node {
		e.kind, e.shape = kind, shape
		return graph.ApplyOn(e, in...)
	}
	switch o.kind {
	case pMax:
		return []*graph.Node{mk(pMaxGrad, nil, x, adj)}
	case pMaxGrad, pMaxGather:
		res := []*graph.Node{nil, nil}
		if need[0] {
			res[0] = ZerosLike(x)
		}
		if need[1] {
			k := pMaxGather
			if o.kind == pMaxGather {
				k = pMaxGrad
			}
			res[1] = mk(k, nil, x, adj)
		}
		return res
	case pAvg:
		return []*graph.Node{mk(pAvgGrad, xs.Clone(), adj)}
	case pAvgGrad:
		return []*graph.Node{mk(pAvg, nil, adj)}
	}
	return []*graph.Node{nil} // MaxPoolIndices
}

// poolRun is one run of a pool kernel: the window, and its per-axis table
// in tab (see Workspace).
type poolRun struct {
	kind       poolKind
	w          window
	planes     int
	includePad bool
	order      int
	tab        []int64
	inSt       [maxSpatial]int
}

// fillTable computes the input strides and, for each axis a and output
// position o, at tab[3·(Σ_{b<a} out_b + o)]: the flat offset along a of
// the first tap inside the input, the number of taps inside, and the
// number inside the padded input.
func (r *poolRun) fillTable() {
	w := &r.w
	n := 1
	for a := w.d - 1; a >= 0; a-- {
		r.inSt[a] = n
		n *= w.in[a]
	}
	i := 0
	for a := 0; a < w.d; a++ {
		for o := 0; o < w.out[a]; o++ {
			lo, hi, first := w.taps(a, o)
			r.tab[i] = int64((first + lo*w.dil[a]) * r.inSt[a])
			r.tab[i+1] = int64(max(0, hi-lo))
			r.tab[i+2] = int64(min(first+w.span(a), w.in[a]+w.padE[a]) - first)
			i += 3
		}
	}
}

// box is the part of one window inside the input: its first element's
// flat index in the plane, and how many taps, step apart, along each axis.
type box struct {
	base int
	n    [maxSpatial]int
	step [maxSpatial]int
	// inside and padded count the taps inside the input and inside the
	// padded input.
	inside, padded int
}

// poolJob holds a run while the pool's goroutines share it, in chunks of
// planes. One of each element type is enough: it is used only while its
// caller holds the pool.
type poolJob[T graph.Float] struct {
	job     par.Job
	r       poolRun
	idx     []int64
	x, h, y []T
	chunks  int
}

// Chunk implements par.Chunker.
func (j *poolJob[T]) Chunk(_, id int) {
	poolK(&j.r, id*j.r.planes/j.chunks, (id+1)*j.r.planes/j.chunks, j.idx, j.x, j.h, j.y)
}

var (
	poolJob32 poolJob[float32]
	poolJob64 poolJob[float64]
)

// The taps a pool visits from which it splits its planes over the cores,
// and below which it does so only when the workers are awake.
const (
	poolParMin  = 1 << 15
	poolParCold = 1 << 20
)

// runPool computes r over every plane, on several goroutines when there
// are many: planes are independent, so the result does not depend on the
// split.
func runPool[T graph.Float](r *poolRun, idx []int64, x, h, y []T) {
	if taps := r.planes * r.w.outSize() * r.w.kSize(); r.planes > 1 && taps >= poolParMin {
		if nt := par.Acquire(par.Threads(), taps < poolParCold); nt > 1 {
			j, ok := any(&poolJob32).(*poolJob[T])
			if !ok {
				j = any(&poolJob64).(*poolJob[T])
			}
			j.r, j.idx, j.x, j.h, j.y = *r, idx, x, h, y
			j.chunks = min(r.planes, 4*nt, par.MaxChunks)
			j.job.Run(j, j.chunks, nt)
			j.idx, j.x, j.h, j.y, j.r.tab = nil, nil, nil, nil, nil
			return
		}
	}
	poolK(r, 0, r.planes, idx, x, h, y)
}

// poolK runs the pool kind of r over planes [p0, p1): x is the first
// input, h the second (g or h, nil for one input), y the float output, or
// idx the int64 one. For AveragePoolGrad, x is the adjoint of the pool's
// output and y the gradient of its input.
func poolK[T graph.Float](r *poolRun, p0, p1 int, idx []int64, x, h, y []T) {
	w := &r.w
	d := w.d
	inSize, outSize := w.inSize(), w.outSize()
	var b box
	var axOff [maxSpatial]int
	for a := 1; a < d; a++ {
		axOff[a] = axOff[a-1] + 3*w.out[a-1]
	}
	for a := 0; a < d; a++ {
		b.step[a] = w.dil[a] * r.inSt[a]
	}
	if r.kind == pMaxGrad || r.kind == pAvgGrad {
		clear(y[p0*inSize : p1*inSize])
	}
	if d <= 2 {
		pool2K(r, p0, p1, idx, x, h, y)
		return
	}
	for p := p0; p < p1; p++ {
		var o [maxSpatial]int
		in0, out0 := p*inSize, p*outSize
		for i := out0; i < out0+outSize; i++ {
			b.base, b.inside, b.padded = in0, 1, 1
			for a := 0; a < d; a++ {
				e := r.tab[axOff[a]+3*o[a]:]
				b.base += int(e[0])
				b.n[a] = int(e[1])
				b.inside *= int(e[1])
				b.padded *= int(e[2])
			}
			switch r.kind {
			case pMax:
				y[i] = boxMax(x, d, &b)
			case pMaxIndices:
				j := boxArgmax(x, d, &b)
				idx[i] = int64(in0 + r.storageIndex(j-in0))
			case pMaxGrad:
				j := boxArgmax(x, d, &b)
				y[j] += h[i]
			case pMaxGather:
				j := boxArgmax(x, d, &b)
				y[i] = h[j]
			case pAvg:
				y[i] = boxSum(x, d, &b) / T(r.divisor(&b))
			case pAvgGrad:
				boxAdd(y, d, &b, x[i]/T(r.divisor(&b)))
			}
			for a := d - 1; a >= 0; a-- {
				if o[a]++; o[a] < w.out[a] {
					break
				}
				o[a] = 0
			}
		}
	}
}

// pool2K is poolK for one or two spatial axes (one is two with a single
// row), the window's loops written out: no call, box or table walk per
// output element, which for the common 2×2 window cost more than the
// window itself. y is cleared already for the gradients.
func pool2K[T graph.Float](r *poolRun, p0, p1 int, idx []int64, x, h, y []T) {
	w := &r.w
	if r.kind != pMaxIndices && r.kind.isMax() && w.d == 2 && w.halves() {
		pool2x2K(r, p0, p1, x, h, y)
		return
	}
	out0, out1 := 1, w.out[0]
	tab0, tab1 := []int64{0, 1, 1}, r.tab // axis 0 of a 1-D pool: one row
	st0, st1 := 0, w.dil[0]
	if w.d == 2 {
		out0, out1 = w.out[0], w.out[1]
		tab0, tab1 = r.tab[:3*out0], r.tab[3*out0:]
		st0, st1 = w.dil[0]*r.inSt[0], w.dil[1]
	}
	inSize, outSize := w.inSize(), w.outSize()
	kind := r.kind
	for p := p0; p < p1; p++ {
		in0, i := p*inSize, p*outSize
		for o0 := 0; o0 < out0; o0++ {
			e0 := tab0[3*o0 : 3*o0+3]
			b0, n0, c0 := in0+int(e0[0]), int(e0[1]), int(e0[2])
			for o1 := 0; o1 < out1; o1++ {
				e1 := tab1[3*o1 : 3*o1+3]
				base, n1 := b0+int(e1[0]), int(e1[1])
				end := base + (n1-1)*st1 + 1 // bounds of one row of the window
				switch kind {
				case pAvg, pAvgGrad:
					div := n0 * n1
					if r.includePad {
						div = c0 * int(e1[2])
					}
					if kind == pAvg {
						var s T
						for k, row := 0, base; k < n0; k, row = k+1, row+st0 {
							for j := row; j < row+end-base; j += st1 {
								s += x[j]
							}
						}
						y[i] = s / T(div)
					} else {
						v := x[i] / T(div)
						for k, row := 0, base; k < n0; k, row = k+1, row+st0 {
							for j := row; j < row+end-base; j += st1 {
								y[j] += v
							}
						}
					}
				default:
					m := x[base]
					for k, row := 0, base; k < n0; k, row = k+1, row+st0 {
						for j := row; j < row+end-base; j += st1 {
							m = max(m, x[j])
						}
					}
					if kind == pMax {
						y[i] = m
						break
					}
					a := base
				find:
					for k, row := 0, base; k < n0; k, row = k+1, row+st0 {
						for j := row; j < row+end-base; j += st1 {
							if v := x[j]; v == m || v != v {
								a = j
								break find
							}
						}
					}
					switch kind {
					case pMaxIndices:
						idx[i] = int64(in0 + r.storageIndex(a-in0))
					case pMaxGrad:
						y[a] += h[i]
					case pMaxGather:
						y[i] = h[a]
					}
				}
				i++
			}
		}
	}
}

// halves reports whether a 2-D window is 2×2 with stride 2, no dilation
// and no padding, inside the input everywhere: the pooling that halves an
// image, LeNet's and most CNNs'.
func (w *window) halves() bool {
	for a := 0; a < 2; a++ {
		if w.k[a] != 2 || w.stride[a] != 2 || w.dil[a] != 1 || w.padB[a] != 0 || 2*w.out[a] > w.in[a] {
			return false
		}
	}
	return true
}

// pool2x2K is pool2K for a max pool whose window halves the image
// (window.halves): four loads and three comparisons an output, two input
// rows at a time. It picks the value and the position pool2K picks: the
// maximum as max computes it (NaN if one of the four is), and the first
// of the four, in row-major order, equal to it or NaN.
func pool2x2K[T graph.Float](r *poolRun, p0, p1 int, x, h, y []T) {
	w := &r.w
	width, out0, out1 := w.in[1], w.out[0], w.out[1]
	inSize, outSize := w.inSize(), w.outSize()
	kind := r.kind
	for p := p0; p < p1; p++ {
		for o0 := 0; o0 < out0; o0++ {
			top := p*inSize + 2*o0*width
			i := p*outSize + o0*out1
			x0, x1 := x[top:top+2*out1], x[top+width:top+width+2*out1]
			if kind == pMax {
				yr := y[i : i+out1]
				for o1 := range yr {
					yr[o1] = max(x0[2*o1], x0[2*o1+1], x1[2*o1], x1[2*o1+1])
				}
				continue
			}
			for o1 := 0; o1 < out1; o1++ {
				a, b, c, d := x0[2*o1], x0[2*o1+1], x1[2*o1], x1[2*o1+1]
				m := max(a, b, c, d)
				var at int
				if m-m == 0 {
					// m is a number: m − v is +0 where v = m (−0 included)
					// and positive where v < m, so its bits say which of
					// the four is the first maximum with no branch, however
					// random its position: k = 0, 1, 2, 3 for a, b, c, d.
					na, nb, nc := nonZero(m-a), nonZero(m-b), nonZero(m-c)
					k := na * (1 + nb*(1+nc))
					at = k&1 + k>>1*width
				} else {
					// m is NaN or ±Inf: compare as pool2K does.
					at = width + 1
					switch {
					case a == m || a != a:
						at = 0
					case b == m || b != b:
						at = 1
					case c == m || c != c:
						at = width
					}
				}
				at += top + 2*o1
				if kind == pMaxGrad {
					y[at] += h[i+o1]
				} else {
					y[i+o1] = h[at]
				}
			}
		}
	}
}

// nonZero returns 0 for x = +0 and 1 for x > 0, without a branch.
func nonZero[T graph.Float](x T) int {
	b := math.Float64bits(float64(x))
	return int((b | -b) >> 63)
}

func (r *poolRun) divisor(b *box) int {
	if r.includePad {
		return b.padded
	}
	return b.inside
}

// storageIndex converts a row-major index within a plane to the storage
// order of MaxPoolIndices.
func (r *poolRun) storageIndex(j int) int {
	if r.order == 0 {
		return j
	}
	w := &r.w
	out, st := 0, 1
	for a := 0; a < w.d; a++ {
		out += (j / r.inSt[a] % w.in[a]) * st
		st *= w.in[a]
	}
	return out
}

// boxMax returns the maximum of x over the box, NaN if one is NaN. The box
// is not empty. Built-in max has no branch to mispredict, which on data
// without order (a feature map) is most of the cost of a compare.
func boxMax[T graph.Float](x []T, d int, b *box) T {
	last := d - 1
	rows := 1
	for a := 0; a < last; a++ {
		rows *= b.n[a]
	}
	var idx [maxSpatial]int
	off, n, st := b.base, b.n[last], b.step[last]
	m := x[off]
	for r := 0; r < rows; r++ {
		for j, i := 0, off; j < n; j, i = j+1, i+st {
			m = max(m, x[i])
		}
		off = nextRow(&idx, d, b, off)
	}
	return m
}

// boxArgmax returns the flat index of the first maximum of x over the box
// (the first NaN, if there is one): the first element equal to boxMax,
// found by a second pass whose branch is taken once.
func boxArgmax[T graph.Float](x []T, d int, b *box) int {
	m := boxMax(x, d, b)
	last := d - 1
	rows := 1
	for a := 0; a < last; a++ {
		rows *= b.n[a]
	}
	var idx [maxSpatial]int
	off, n, st := b.base, b.n[last], b.step[last]
	for r := 0; r < rows; r++ {
		for j, i := 0, off; j < n; j, i = j+1, i+st {
			if v := x[i]; v == m || v != v {
				return i
			}
		}
		off = nextRow(&idx, d, b, off)
	}
	return off // unreachable: m is one of the elements
}

// boxSum returns the sum of x over the box.
func boxSum[T graph.Float](x []T, d int, b *box) T {
	last := d - 1
	rows := 1
	for a := 0; a < last; a++ {
		rows *= b.n[a]
	}
	var idx [maxSpatial]int
	var s T
	off, n, st := b.base, b.n[last], b.step[last]
	for r := 0; r < rows; r++ {
		for j, i := 0, off; j < n; j, i = j+1, i+st {
			s += x[i]
		}
		off = nextRow(&idx, d, b, off)
	}
	return s
}

// boxAdd adds v to x over the box.
func boxAdd[T graph.Float](x []T, d int, b *box, v T) {
	last := d - 1
	rows := 1
	for a := 0; a < last; a++ {
		rows *= b.n[a]
	}
	var idx [maxSpatial]int
	off, n, st := b.base, b.n[last], b.step[last]
	for r := 0; r < rows; r++ {
		for j, i := 0, off; j < n; j, i = j+1, i+st {
			x[i] += v
		}
		off = nextRow(&idx, d, b, off)
	}
}

// nextRow advances idx over the box's axes but the last and returns the
// flat index of the next row's first element.
func nextRow(idx *[maxSpatial]int, d int, b *box, off int) int {
	for a := d - 2; a >= 0; a-- {
		idx[a]++
		off += b.step[a]
		if idx[a] < b.n[a] {
			break
		}
		off -= b.step[a] * b.n[a]
		idx[a] = 0
	}
	return off
}
