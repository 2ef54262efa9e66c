package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/blas"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/par"
)

// Convolution, ONNX's Conv and ConvTranspose, at any number of spatial
// axes (1-D, 2-D, 3-D, …), with strides, pads, dilations and groups.
//
// Four ops share one geometry and three kernels. Conv computes, per image
// and group, Y = W·patches(X) (im2col, then one GEMM). Its gradients are
// two more ops: ConvGradInput(G, W) = col2im(Wᵀ·G), the adjoint of Conv in
// X, and ConvGradWeight(X, G) = Σ_images G·patches(X)ᵀ, its adjoint in W.
// Since Conv is bilinear in (X, W), the three form a closed set under
// differentiation: with ⟨·,·⟩ the sum of products,
//
//	⟨Conv(X, W), G⟩ = ⟨X, ConvGradInput(G, W)⟩ = ⟨W, ConvGradWeight(X, G)⟩,
//
// so each one's VJP is the other two (see the VJP methods), and gradients
// of any order are convolutions again. ConvTranspose(X, W) is
// ConvGradInput(X, W) for the convolution that maps its output's shape
// back to X's: it runs on the same kernel, and so do its gradients.

func init() {
	out := "N × M × out…, out = ⌊(in + pad_begin + pad_end − ((k − 1)·dilation + 1))/stride⌋ + 1 (SAME: ⌈in/stride⌉)"
	attrs := "Strides 1, Pads 0 (begin…, end…), AutoPad NOTSET, Dilations 1, Group 1; kernel from w"
	register(
		OpInfo{Go: "Conv", Type: "Conv", ONNX: "Conv", Shape: out + "; x N × C × in…, w M × C/Group × k…, b M or nil", Attrs: attrs,
			Formula: "y[n,m,o] = b[m] + Σ_{c,t} w[m,c,t]·x[n, group(m)·C/Group + c, o·stride − pad_begin + t·dilation] (im2col and GEMM)",
			VJP:     "ConvGradInput(g, w) to x, ConvGradWeight(x, g) to w, g summed over all axes but 1 to b", Differentiable: true},
		OpInfo{Go: "ConvTranspose", Type: "ConvTranspose", ONNX: "ConvTranspose",
			Shape: "N × M × out…, out = stride·(in − 1) + output_padding + (k − 1)·dilation + 1 − pad_begin − pad_end, or OutputShape (SAME: in·stride); w C × M/Group × k…",
			Attrs: attrs + ", OutputPadding 0, OutputShape", Formula: "the transpose of Conv: each x[n,c,i] adds x·w[c,m,t] to y[n,m, i·stride − pad_begin + t·dilation], plus b[m]",
			VJP: "Conv(g, w) to x, ConvGradWeight(g, x) to w, g summed over all axes but 1 to b", Differentiable: true},
		OpInfo{Go: "ConvGradInput", Type: "ConvGradInput", Shape: "the given shape of Conv's x", Attrs: attrs,
			Formula: "col2im(Wᵀ·g) per image and group: the adjoint of Conv(·, w)",
			VJP:     "Conv(h, w) to g, ConvGradWeight(h, g) to w", Differentiable: true},
		OpInfo{Go: "ConvGradWeight", Type: "ConvGradWeight", Shape: "the given shape of Conv's w", Attrs: attrs,
			Formula: "Σ_n g[n]·patches(x[n])ᵀ per group: the adjoint of Conv(x, ·)",
			VJP:     "ConvGradInput(g, k) to x, Conv(x, k) to g", Differentiable: true},
	)
}

// ConvOptions are the attributes of ONNX Conv; the zero value is ONNX's
// defaults. Each per-axis slice is nil or has one entry per spatial axis
// (Pads two: the beginnings of the axes, then their ends). The kernel's
// shape is w's.
type ConvOptions struct {
	// Strides is the step of the window along each spatial axis (ONNX
	// strides; nil: 1).
	Strides []int
	// Pads are the zeros added before and after each spatial axis:
	// [x1_begin, x2_begin, …, x1_end, x2_end, …] (ONNX pads; nil: 0).
	// They cannot be combined with an AutoPad other than NotSet.
	Pads []int
	// AutoPad chooses the pads (ONNX auto_pad; default NOTSET).
	AutoPad AutoPad
	// Dilations is the spacing of the kernel's taps (ONNX dilations;
	// nil: 1).
	Dilations []int
	// Group splits the channels into groups convolved separately (ONNX
	// group; 0 means 1). C and M must be multiples of it.
	Group int
}

// ConvTransposeOptions are the attributes of ONNX ConvTranspose; the zero
// value is ONNX's defaults.
type ConvTransposeOptions struct {
	// Strides, Pads, AutoPad, Dilations and Group are as in ConvOptions,
	// for the convolution that ConvTranspose is the transpose of.
	Strides   []int
	Pads      []int
	AutoPad   AutoPad
	Dilations []int
	Group     int
	// OutputPadding adds positions at the end of each spatial axis of the
	// output (ONNX output_padding; nil: 0).
	OutputPadding []int
	// OutputShape, when set, is the output's spatial shape; the pads are
	// then derived from it as ONNX says and Pads are ignored (ONNX
	// output_shape).
	OutputShape []int
}

// Conv convolves x (N × C × D₁ × … × D_d) with the kernels w
// (M × C/group × K₁ × … × K_d) and adds the bias b (length M; nil for
// none), as ONNX Conv: the result is N × M × O₁ × … × O_d. It runs as
// im2col and one matrix product per image and group, the batch split over
// the cores when it is large, and allocates nothing when run.
func Conv(x, w, b *graph.Node, opts ConvOptions) *graph.Node {
	op := convOp{kind: kConv, sp: spatialAttrs{strides: opts.Strides, pads: opts.Pads, autoPad: opts.AutoPad, dilations: opts.Dilations}.clone(), group: opts.Group}
	if b != nil {
		op.bias = true
		return graph.ApplyOn(op, x, w, b)
	}
	return graph.ApplyOn(op, x, w)
}

// ConvTranspose is ONNX ConvTranspose: the transpose (the adjoint in x) of
// the convolution with the same attributes, with the bias b (length M;
// nil for none) added. x is N × C × D₁ × …, w is C × M/group × K₁ × …, and
// the result N × M × O₁ × … with Oᵢ = stride·(Dᵢ − 1) + output_padding +
// (Kᵢ − 1)·dilation + 1 − pads, or OutputShape.
func ConvTranspose(x, w, b *graph.Node, opts ConvTransposeOptions) *graph.Node {
	op := convOp{kind: kTranspose, group: opts.Group,
		sp:     spatialAttrs{strides: opts.Strides, pads: opts.Pads, autoPad: opts.AutoPad, dilations: opts.Dilations}.clone(),
		outPad: cloneInts(opts.OutputPadding), outShape: cloneInts(opts.OutputShape)}
	if b != nil {
		op.bias = true
		return graph.ApplyOn(op, x, w, b)
	}
	return graph.ApplyOn(op, x, w)
}

// ConvGradInput returns the gradient of Conv(x, w) with respect to x when
// the output's adjoint is g: the adjoint of the linear map x ↦ Conv(x, w),
// applied to g. xShape is x's shape (the output's shape does not fix it:
// strides drop positions), opts Conv's attributes.
func ConvGradInput(g, w *graph.Node, xShape graph.Shape, opts ConvOptions) *graph.Node {
	return graph.ApplyOn(convOp{kind: kGradInput, group: opts.Group, shape: xShape.Clone(),
		sp: spatialAttrs{strides: opts.Strides, pads: opts.Pads, autoPad: opts.AutoPad, dilations: opts.Dilations}.clone()}, g, w)
}

// ConvGradWeight returns the gradient of Conv(x, w) with respect to w when
// the output's adjoint is g: the adjoint of w ↦ Conv(x, w) applied to g,
// summed over the batch. wShape is w's shape, opts Conv's attributes.
func ConvGradWeight(x, g *graph.Node, wShape graph.Shape, opts ConvOptions) *graph.Node {
	return graph.ApplyOn(convOp{kind: kGradWeight, group: opts.Group, shape: wShape.Clone(),
		sp: spatialAttrs{strides: opts.Strides, pads: opts.Pads, autoPad: opts.AutoPad, dilations: opts.Dilations}.clone()}, x, g)
}

type convKind uint8

const (
	kConv       convKind = iota // (x, w[, b]) → y
	kGradInput                  // (g, w) → x's shape
	kGradWeight                 // (x, g) → w's shape
	kTranspose                  // (x, w[, b]) → ConvTranspose's output
)

// convOp is one of the four ops. Its attributes are kept as given and
// resolved against the inputs' shapes by geom, in Infer and again (without
// allocating) in Forward.
type convOp struct {
	kind  convKind
	sp    spatialAttrs
	group int
	// shape is x's shape for ConvGradInput, w's for ConvGradWeight.
	shape            graph.Shape
	outPad, outShape []int // ConvTranspose's
	bias             bool
}

func (o convOp) Type() string {
	return [...]string{"Conv", "ConvGradInput", "ConvGradWeight", "ConvTranspose"}[o.kind]
}

// convGeom is a convolution resolved against shapes, always seen as the
// forward convolution: an image of n × c × in… (x) is convolved with
// m × c/group × k… kernels (w) into n × m × out… (y). ConvGradInput and
// ConvTranspose go from y's side to x's, ConvGradWeight to w.
type convGeom struct {
	window
	n, c, m, group int
}

func (g *convGeom) cg() int { return g.c / g.group }
func (g *convGeom) mg() int { return g.m / g.group }

// ck is the number of rows of an image's patch matrix in one group.
func (g *convGeom) ck() int { return g.cg() * g.kSize() }

// yShape, xShape and wShape are the shapes of the three sides.
func (g *convGeom) yShape() graph.Shape {
	return append(graph.Shape{g.n, g.m}, g.out[:g.d]...)
}

func (g *convGeom) xShape() graph.Shape {
	return append(graph.Shape{g.n, g.c}, g.in[:g.d]...)
}

func (g *convGeom) wShape() graph.Shape {
	return append(graph.Shape{g.m, g.cg()}, g.k[:g.d]...)
}

// geom resolves the op's geometry from its first two inputs' shapes.
func (o convOp) geom(s0, s1 graph.Shape) (convGeom, error) {
	switch o.kind {
	case kGradInput:
		// x's shape but for the batch, which is g's: the same op serves
		// every batch of a program (graph.Node.Batched).
		var buf [graph.MaxRank]int
		xs := graph.Shape(buf[:len(o.shape)])
		copy(xs, o.shape)
		if len(s0) > 0 && len(xs) > 0 {
			xs[0] = s0[0]
		}
		g, err := o.forward(xs, s1, "x")
		if err == nil && !sameSpatial(s0, g.n, g.m, g.out[:g.d]) {
			err = fmt.Errorf("do not fit x shape %s: the convolution's output would be %s", o.shape, g.yShape())
		}
		return g, err
	case kGradWeight:
		g, err := o.forward(s0, o.shape, "w")
		if err == nil && !sameSpatial(s1, g.n, g.m, g.out[:g.d]) {
			err = fmt.Errorf("do not fit w shape %s: the convolution's output would be %s", o.shape, g.yShape())
		}
		return g, err
	case kTranspose:
		return o.transpose(s0, s1)
	}
	return o.forward(s0, s1, "")
}

// sameSpatial reports whether s is n × c × sp….
func sameSpatial(s graph.Shape, n, c int, sp []int) bool {
	if len(s) != 2+len(sp) || s[0] != n || s[1] != c {
		return false
	}
	for i, v := range sp {
		if s[2+i] != v {
			return false
		}
	}
	return true
}

// forward resolves the convolution of x by w; given names the argument
// that is a shape rather than an input, for the messages.
func (o convOp) forward(x, w graph.Shape, given string) (g convGeom, err error) {
	d, err := spatialShape(x)
	if err != nil {
		return g, prefixed(given, "x", err)
	}
	if len(w) != len(x) {
		return g, fmt.Errorf("do not convolve: x has rank %d, w rank %d", len(x), len(w))
	}
	if g.group, err = groupOf(o.group); err != nil {
		return g, err
	}
	g.d, g.n, g.c, g.m = d, x[0], x[1], w[0]
	switch {
	case g.c == 0 || g.m == 0:
		return g, fmt.Errorf("do not convolve: no channels")
	case g.m%g.group != 0:
		return g, fmt.Errorf("do not convolve: w's %d kernels do not divide into %d groups", g.m, g.group)
	case w[1]*g.group != g.c:
		return g, fmt.Errorf("do not convolve: x has %d channels, w takes %d (%d a group × %d groups)", g.c, w[1]*g.group, w[1], g.group)
	}
	copy(g.in[:], x[2:])
	copy(g.k[:], w[2:])
	for a := 0; a < d; a++ {
		if g.k[a] == 0 {
			return g, fmt.Errorf("do not convolve: w's kernel is empty")
		}
	}
	if err := o.sp.resolve(&g.window, true); err != nil {
		return g, fmt.Errorf("do not convolve: the convolution %v", err)
	}
	if err := g.setOut(false); err != nil {
		return g, fmt.Errorf("do not convolve: %v", err)
	}
	return g, nil
}

func prefixed(given, name string, err error) error {
	if given == name {
		return fmt.Errorf("do not fit %s: it %v", name, err)
	}
	return fmt.Errorf("do not convolve: %s %v", name, err)
}

func groupOf(group int) (int, error) {
	switch {
	case group < 0:
		return 0, fmt.Errorf("do not convolve: group %d is negative", group)
	case group == 0:
		return 1, nil
	}
	return group, nil
}

// transpose resolves ConvTranspose(x, w) as the convolution whose output
// has x's shape: its input (the ConvTranspose's output) has L positions
// along an axis and begins with pad_begin positions of padding; its end
// padding is whatever makes the convolution's output exactly x's D
// positions, stride·(D − 1) + span − pad_begin − L, which folds
// output_padding (and a larger OutputShape) into a negative end pad: the
// positions it adds receive no input, only the bias.
func (o convOp) transpose(x, w graph.Shape) (g convGeom, err error) {
	d, err := spatialShape(x)
	if err != nil {
		return g, prefixed("", "x", err)
	}
	if len(w) != len(x) {
		return g, fmt.Errorf("do not convolve: x has rank %d, w rank %d", len(x), len(w))
	}
	if g.group, err = groupOf(o.group); err != nil {
		return g, err
	}
	g.d, g.n, g.m, g.c = d, x[0], x[1], w[1]*g.group
	switch {
	case g.c == 0 || g.m == 0:
		return g, fmt.Errorf("do not convolve: no channels")
	case w[0] != g.m:
		return g, fmt.Errorf("do not convolve: x has %d channels, w takes %d", g.m, w[0])
	case g.m%g.group != 0:
		return g, fmt.Errorf("do not convolve: x's %d channels do not divide into %d groups", g.m, g.group)
	}
	copy(g.out[:], x[2:])
	copy(g.k[:], w[2:])
	copy(g.in[:], x[2:]) // for resolve's checks; the pads are set below
	for a := 0; a < d; a++ {
		if g.k[a] == 0 {
			return g, fmt.Errorf("do not convolve: w's kernel is empty")
		}
	}
	if err := o.sp.resolve(&g.window, true); err != nil {
		return g, fmt.Errorf("do not convolve: the transposed convolution %v", err)
	}
	if err := perAxis("output_padding", o.outPad, d, 0); err != nil {
		return g, fmt.Errorf("do not convolve: the transposed convolution %v", err)
	}
	if err := perAxis("output_shape", o.outShape, d, 1); err != nil {
		return g, fmt.Errorf("do not convolve: the transposed convolution %v", err)
	}
	for a := 0; a < d; a++ {
		s, op := g.stride[a], 0
		if o.outPad != nil {
			op = o.outPad[a]
		}
		natural := s*(g.out[a]-1) + op + g.span(a)
		upper := o.sp.autoPad == AutoPadSameUpper
		var size, pb int
		switch {
		case o.outShape != nil || upper || o.sp.autoPad == AutoPadSameLower:
			// ONNX: total_padding = stride·(in − 1) + output_padding +
			// span − output_shape, split with SAME_UPPER's odd unit at
			// the end, otherwise at the beginning (floor division, as
			// ONNX's reference implementation).
			size = g.out[a] * s
			if o.outShape != nil {
				size = o.outShape[a]
			}
			total := natural - size
			pb = total - floorDiv(total, 2)
			if upper {
				pb = floorDiv(total, 2)
			}
		default:
			pb = g.padB[a]
			size = natural - pb - g.padE[a]
		}
		if size < 1 {
			return g, fmt.Errorf("do not convolve: the transposed convolution's output would have %d positions along spatial axis %d", size, a)
		}
		g.in[a], g.padB[a] = size, pb
		g.padE[a] = s*(g.out[a]-1) + g.span(a) - pb - size
	}
	return g, nil
}

func (o convOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	g, err := o.geom(in[0].Shape, in[1].Shape)
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, err.Error())
	}
	if o.bias {
		if b := in[2].Shape; len(b) != 1 || b[0] != g.biasLen(o.kind) {
			return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("do not convolve: the bias has shape %s, want %d", b, g.biasLen(o.kind)))
		}
	}
	var s graph.Shape
	switch o.kind {
	case kConv:
		s = g.yShape()
	case kGradWeight:
		s = g.wShape()
	default:
		s = g.xShape()
	}
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

// biasLen is the number of output channels: M for Conv, and for
// ConvTranspose the channels of the convolution's input side.
func (g *convGeom) biasLen(k convKind) int {
	if k == kTranspose {
		return g.c
	}
	return g.m
}

// convThreads is how many goroutines a kernel over g may use: one image
// each at least.
func convThreads(g *convGeom) int { return max(1, min(par.Threads(), g.n)) }

// cgwParts is the number of partial sums ConvGradWeight splits its batch
// into, each on one goroutine at a time. It does not depend on the number
// of cores, so neither does the result (the partial sums are added in
// order).
const cgwParts = 8

// Workspace: a patch matrix for each goroutine (none for a 1×1 window),
// then for ConvGradWeight the partial sums of w's gradient, for
// ConvGradInput and ConvTranspose w transposed.
func (o convOp) Workspace(in []graph.Meta, out graph.Meta) graph.Meta {
	g, err := o.geom(in[0].Shape, in[1].Shape)
	if err != nil {
		return graph.Meta{DType: out.DType, Shape: graph.Shape{0}}
	}
	n := convThreads(&g) * g.colsLen()
	if o.kind == kGradInput || o.kind == kTranspose {
		n += g.m * g.ck() // wᵀ
	}
	if o.kind == kGradWeight {
		if parts := g.parts(); parts > 1 || g.transposedGW() {
			n += parts * out.Shape.Size()
		}
	}
	return graph.Meta{DType: out.DType, Shape: graph.Shape{n}}
}

// colsLen is the size of one patch matrix, 0 when the patches are the
// image itself.
func (g *convGeom) colsLen() int {
	if g.identity() {
		return 0
	}
	return g.ck() * g.outSize()
}

func (g *convGeom) parts() int { return min(g.n, cgwParts) }

// transposedGW reports whether ConvGradWeight computes the transpose of
// each group's gradient, patches·gᵀ (C·K × M), and transposes the sum at
// the end, rather than g·patchesᵀ (M × C·K). Both pack the patch matrix
// transposed; with the patches on the side of A, the many rows C·K fill
// the 12-row tiles and the few M the 32-wide ones. Per image on one core
// (Zen 4): 0.75 against 0.79 ms for the 3×3 64 → 64 layer on 32×32,
// 14.9 against 18.9 µs for LeNet's conv2 (C·K 400, M 32); but 23.3
// against 5.1 µs for its conv1 (C·K 25, M 16), which g·patchesᵀ does on
// dot-product kernels. Hence a threshold, C·K ≥ 4·M.
func (g *convGeom) transposedGW() bool { return g.ck() >= 4*g.mg() }

func (o convOp) Forward(out *graph.Value, in []*graph.Value) {
	g, _ := o.geom(in[0].Shape, in[1].Shape)
	var bias *graph.Value
	if o.bias {
		bias = in[2]
	}
	if out.F64 != nil {
		runConv(&convRun[float64]{kind: o.kind, g: g, y: out.F64, a: in[0].F64, b: in[1].F64, bias: biasData[float64](bias),
			work: out.Work.F64, gemm: blas.Gemm64})
	} else {
		runConv(&convRun[float32]{kind: o.kind, g: g, y: out.F32, a: in[0].F32, b: in[1].F32, bias: biasData[float32](bias),
			work: out.Work.F32, gemm: blas.Gemm32})
	}
}

func biasData[T graph.Float](v *graph.Value) []T {
	if v == nil {
		return nil
	}
	return graph.Data[T](v)
}

// VJP: the three ops are each other's adjoints (see the top of the file),
// with the attributes written out (pads resolved, auto_pad NOTSET) so
// the gradients rebuild exactly this geometry. The bias's gradient is g
// summed over every axis but the channels.
func (o convOp) VJP(n, adj *graph.Node, need []bool) []*graph.Node {
	a, b := n.Inputs()[0], n.Inputs()[1]
	g, _ := o.geom(a.Shape(), b.Shape())
	sp := o.sp.explicit(&g.window)
	if o.kind == kTranspose {
		sp.negPads = true
	}
	mk := func(kind convKind, shape graph.Shape, x, y *graph.Node) *graph.Node {
		return graph.ApplyOn(convOp{kind: kind, sp: sp, group: g.group, shape: shape}, x, y)
	}
	res := make([]*graph.Node, len(n.Inputs()))
	switch o.kind {
	case kConv: // y = Conv(x, w)
		if need[0] {
			res[0] = mk(kGradInput, a.Shape(), adj, b)
		}
		if need[1] {
			res[1] = mk(kGradWeight, b.Shape(), a, adj)
		}
	case kTranspose: // y = ConvGradInput(x, w)
		if need[0] {
			res[0] = mk(kConv, nil, adj, b)
		}
		if need[1] {
			res[1] = mk(kGradWeight, b.Shape(), adj, a)
		}
	case kGradInput: // x̄ = ConvGradInput(g, w)
		if need[0] {
			res[0] = mk(kConv, nil, adj, b)
		}
		if need[1] {
			res[1] = mk(kGradWeight, b.Shape(), adj, a)
		}
	case kGradWeight: // w̄ = ConvGradWeight(x, g)
		if need[0] {
			res[0] = mk(kGradInput, a.Shape(), b, adj)
		}
		if need[1] {
			res[1] = mk(kConv, nil, a, adj)
		}
	}
	if o.bias && need[2] {
		axes := []int{0}
		for i := 2; i < adj.Shape().Rank(); i++ {
			axes = append(axes, i)
		}
		res[2] = ReduceSum(adj, false, axes...)
	}
	return res
}

// convRun is one run of a kernel over a batch, cut into chunks of images
// that goroutines claim (see package par); each goroutine has its own
// patch matrix in work.
type convRun[T graph.Float] struct {
	kind convKind
	g    convGeom
	// y is the output; a and b are the first two inputs: x and w (Conv),
	// g and w (ConvGradInput), x and g (ConvGradWeight), x and w
	// (ConvTranspose, the g of ConvGradInput).
	y, a, b, bias []T
	work          []T
	// wt is each group's W transposed (C·K × M), for ConvGradInput.
	wt     []T
	gemm   gemmFunc[T]
	chunks int
}

// convJob holds a run while the pool's goroutines share it. One of each
// element type is enough: it is used only while its caller holds the pool.
type convJob[T graph.Float] struct {
	job par.Job
	r   convRun[T]
}

// Chunk implements par.Chunker.
func (j *convJob[T]) Chunk(tid, id int) { j.r.chunk(tid, id) }

var (
	convJob32 convJob[float32]
	convJob64 convJob[float64]
)

func convJobFor[T graph.Float]() *convJob[T] {
	if j, ok := any(&convJob32).(*convJob[T]); ok {
		return j
	}
	return any(&convJob64).(*convJob[T])
}

// The multiply-adds from which a convolution splits its batch over the
// cores, and below which it does so only when the workers are awake (as
// for blas's products).
const (
	convParMin  = 1 << 17
	convParCold = 1 << 20
)

// runConv computes r, on several goroutines when the batch is large.
func runConv[T graph.Float](r *convRun[T]) {
	g := &r.g
	r.chunks = min(g.n, par.MaxChunks)
	if r.kind == kGradWeight {
		r.chunks = g.parts()
		if g.n == 0 {
			clear(r.y)
			return
		}
	}
	if r.kind == kGradInput || r.kind == kTranspose {
		// Wᵀ once, not packed again for every image's product: read in
		// place, its rows of M elements are short (LeNet's conv2: 17.0
		// against 20.0 µs a product on one core).
		mg, ck := g.mg(), g.ck()
		r.wt = r.work[convThreads(g)*g.colsLen():][:g.m*ck]
		for grp := 0; grp < g.group; grp++ {
			src, dst := r.b[grp*mg*ck:][:mg*ck], r.wt[grp*mg*ck:][:mg*ck]
			for j := 0; j < mg; j++ {
				for i, v := range src[j*ck : (j+1)*ck] {
					dst[i*mg+j] = v
				}
			}
		}
	}
	nt := 1
	if macs := g.n * g.m * g.ck() * g.outSize(); macs >= convParMin && r.chunks > 1 {
		nt = par.Acquire(convThreads(g), macs < convParCold)
	}
	if nt > 1 {
		j := convJobFor[T]()
		j.r = *r
		j.job.Run(j, r.chunks, nt)
		j.r = convRun[T]{}
	} else {
		for id := 0; id < r.chunks; id++ {
			r.chunk(0, id)
		}
	}
	if r.kind == kGradWeight && g.transposedGW() {
		// Sum the transposed partial sums in the first, in order, then
		// transpose each group's into y.
		ws := len(r.y)
		parts := r.work[convThreads(g)*g.colsLen():]
		for p := 1; p < r.chunks; p++ {
			addTo(parts[:ws], parts[p*ws:(p+1)*ws])
		}
		mg, ck := g.mg(), g.ck()
		for grp := 0; grp < g.group; grp++ {
			src, dst := parts[grp*mg*ck:][:mg*ck], r.y[grp*mg*ck:][:mg*ck]
			for i := 0; i < ck; i++ {
				row := src[i*mg : (i+1)*mg]
				for j, v := range row {
					dst[j*ck+i] = v
				}
			}
		}
	} else if r.kind == kGradWeight && r.chunks > 1 {
		ws := len(r.y)
		parts := r.work[convThreads(g)*g.colsLen():]
		copy(r.y, parts[:ws])
		for p := 1; p < r.chunks; p++ {
			addTo(r.y, parts[p*ws:(p+1)*ws])
		}
	}
}

// chunk computes images [id·n/chunks, (id+1)·n/chunks) on goroutine tid.
func (r *convRun[T]) chunk(tid, id int) {
	g := &r.g
	n0, n1 := id*g.n/r.chunks, (id+1)*g.n/r.chunks
	var cols []T
	if cl := g.colsLen(); cl > 0 {
		cols = r.work[tid*cl : (tid+1)*cl]
	}
	switch r.kind {
	case kConv:
		for n := n0; n < n1; n++ {
			r.forward(n, cols)
		}
	case kGradInput, kTranspose:
		for n := n0; n < n1; n++ {
			r.gradInput(n, cols)
		}
	case kGradWeight:
		dw := r.y
		if r.chunks > 1 || g.transposedGW() {
			ws := len(r.y)
			off := convThreads(g)*g.colsLen() + id*ws
			dw = r.work[off : off+ws]
		}
		for n := n0; n < n1; n++ {
			r.gradWeight(n, n == n0, cols, dw)
		}
	}
}

// forward computes y[n] = W·patches(x[n]) + b, group by group.
func (r *convRun[T]) forward(n int, cols []T) {
	g := &r.g
	cg, mg, ck, in, p := g.cg(), g.mg(), g.ck(), g.inSize(), g.outSize()
	for grp := 0; grp < g.group; grp++ {
		x := r.a[(n*g.c+grp*cg)*in:][:cg*in]
		w := r.b[grp*mg*ck:][:mg*ck]
		y := r.y[(n*g.m+grp*mg)*p:][:mg*p]
		pm := x
		if cols != nil {
			im2col(cols, x, cg, &g.window)
			pm = cols
		}
		var beta T
		if r.bias != nil {
			fillRows(y, r.bias[grp*mg:(grp+1)*mg], p)
			beta = 1
		}
		r.gemm(false, false, mg, p, ck, 1, w, ck, pm, p, beta, y, p)
	}
}

// gradInput computes x[n] = col2im(Wᵀ·g[n]) + b, group by group: the
// gradient of Conv in x, and ConvTranspose (whose bias is per channel of
// this side).
func (r *convRun[T]) gradInput(n int, cols []T) {
	g := &r.g
	cg, mg, ck, in, p := g.cg(), g.mg(), g.ck(), g.inSize(), g.outSize()
	for grp := 0; grp < g.group; grp++ {
		gy := r.a[(n*g.m+grp*mg)*p:][:mg*p]
		wt := r.wt[grp*mg*ck:][:mg*ck]
		x := r.y[(n*g.c+grp*cg)*in:][:cg*in]
		var beta T
		if r.bias != nil {
			fillRows(x, r.bias[grp*cg:(grp+1)*cg], in)
			beta = 1
		} else if cols != nil {
			clear(x)
		}
		if cols == nil {
			r.gemm(false, false, ck, p, mg, 1, wt, mg, gy, p, beta, x, p)
			continue
		}
		r.gemm(false, false, ck, p, mg, 1, wt, mg, gy, p, 0, cols, p)
		col2im(x, cols, cg, &g.window)
	}
}

// gradWeight adds g[n]·patches(x[n])ᵀ to dw, group by group (or sets dw
// to it when first); with transposedGW, patches(x[n])·g[n]ᵀ, each group's
// C·K × M.
func (r *convRun[T]) gradWeight(n int, first bool, cols, dw []T) {
	g := &r.g
	cg, mg, ck, in, p := g.cg(), g.mg(), g.ck(), g.inSize(), g.outSize()
	var beta T = 1
	if first {
		beta = 0
	}
	for grp := 0; grp < g.group; grp++ {
		x := r.a[(n*g.c+grp*cg)*in:][:cg*in]
		gy := r.b[(n*g.m+grp*mg)*p:][:mg*p]
		pm := x
		if cols != nil {
			im2col(cols, x, cg, &g.window)
			pm = cols
		}
		if g.transposedGW() {
			r.gemm(false, true, ck, mg, p, 1, pm, p, gy, p, beta, dw[grp*mg*ck:][:mg*ck], mg)
			continue
		}
		r.gemm(false, true, mg, ck, p, 1, gy, p, pm, p, beta, dw[grp*mg*ck:][:mg*ck], ck)
	}
}

// fillRows sets row i of y (rows of length n) to v[i].
func fillRows[T graph.Float](y, v []T, n int) {
	for i, b := range v {
		row := y[i*n : (i+1)*n]
		for j := range row {
			row[j] = b
		}
	}
}
