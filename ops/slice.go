package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

// Slice, Concat, Split, Tile, DepthToSpace and SpaceToDepth: each is one
// strided walk (see walk) from its input into its output, for every dtype.

func init() {
	all := "any dtype"
	register(
		OpInfo{Go: "Slice", Type: "Slice", ONNX: "Slice", Shape: "x's shape with each sliced axis ⌈(end − start)/step⌉ long", Attrs: "starts, ends, axes (none: 0, 1, …), steps (none: 1); " + all,
			Formula: "x[start:end:step] along each axis, starts and ends clamped as ONNX says", VJP: "SliceGrad(g)", Differentiable: true},
		OpInfo{Go: "SliceGrad", Type: "SliceGrad", Shape: "the given shape, which Slice takes to x's", Attrs: "shape, starts, ends, axes, steps; any dtype",
			Formula: "zeros with x written at the positions Slice reads (Slice's adjoint)", VJP: "Slice(g)", Differentiable: true},
		OpInfo{Go: "Concat", Type: "Concat", ONNX: "Concat", Shape: "the inputs' common shape, the axis the sum of theirs", Attrs: "axis; " + all,
			Formula: "the inputs one after the other along axis", VJP: "g sliced back into each input's part", Differentiable: true},
		OpInfo{Go: "Split", Type: "Split", ONNX: "Split", Shape: "one output per size: x's shape with the axis that long", Attrs: "axis, sizes (summing to the axis's length); " + all,
			Formula: "consecutive parts of x along axis", VJP: "each part's g padded with zeros to x's shape", Differentiable: true},
		OpInfo{Go: "SplitEqual", Type: "Split", ONNX: "Split", Shape: "n outputs of x's shape with the axis 1/n as long", Attrs: "axis, n (dividing the axis's length); " + all,
			Formula: "n equal consecutive parts of x along axis", VJP: "each part's g padded with zeros to x's shape", Differentiable: true},
		OpInfo{Go: "Tile", Type: "Tile", ONNX: "Tile", Shape: "x's shape times the repeats, axis by axis", Attrs: "repeats (one per axis, ≥ 0); " + all,
			Formula: "x repeated along each axis", VJP: "g's tiles summed (Reshape + ReduceSum)", Differentiable: true},
		OpInfo{Go: "DepthToSpace", Type: "DepthToSpace", ONNX: "DepthToSpace", Shape: "N×C×H×W to N×(C/b²)×(H·b)×(W·b)", Attrs: "blockSize b, mode (DCR, ONNX's default, or CRD); " + all,
			Formula: "channels moved into b×b spatial blocks", VJP: "SpaceToDepth(g) (DCR); its Reshape + Transpose inverse (CRD)", Differentiable: true},
		OpInfo{Go: "SpaceToDepth", Type: "SpaceToDepth", ONNX: "SpaceToDepth", Shape: "N×C×H×W to N×(C·b²)×(H/b)×(W/b)", Attrs: "blockSize b; " + all,
			Formula: "b×b spatial blocks moved into channels", VJP: "DepthToSpace(g) (DCR)", Differentiable: true},
	)
}

// sliceSpec is Slice's attributes as given: negative and out-of-range
// entries are resolved against a shape by plan.
type sliceSpec struct {
	starts, ends, axes, steps []int
}

// slicePlan is a slice resolved against a shape: along each axis, the
// first index read, the step and the number of elements.
type slicePlan struct {
	start, step, count [graph.MaxRank]int
}

func (s sliceSpec) plan(xs graph.Shape) (p slicePlan, err error) {
	r := len(xs)
	for i := 0; i < r; i++ {
		p.step[i], p.count[i] = 1, xs[i]
	}
	n := len(s.starts)
	if len(s.ends) != n {
		return p, fmt.Errorf("%d starts and %d ends", n, len(s.ends))
	}
	if s.axes != nil && len(s.axes) != n {
		return p, fmt.Errorf("%d starts and %d axes", n, len(s.axes))
	}
	if s.steps != nil && len(s.steps) != n {
		return p, fmt.Errorf("%d starts and %d steps", n, len(s.steps))
	}
	var seen [graph.MaxRank]bool
	for i := 0; i < n; i++ {
		a := i
		if s.axes != nil {
			a = s.axes[i]
		}
		ax, ok := graph.Axis(a, r)
		if !ok {
			return p, fmt.Errorf("axis %d is out of range for rank %d", a, r)
		}
		if seen[ax] {
			return p, fmt.Errorf("axis %d is repeated", a)
		}
		seen[ax] = true
		step := 1
		if s.steps != nil {
			step = s.steps[i]
		}
		if step == 0 {
			return p, fmt.Errorf("step 0 along axis %d", a)
		}
		p.start[ax], p.step[ax], p.count[ax] = sliceAxis(s.starts[i], s.ends[i], step, xs[ax])
	}
	return p, nil
}

// sliceAxis resolves one axis of length d as ONNX does: negative starts
// and ends count from the end, then both are clamped, to [0, d] going
// forward and to [0, d−1] (start) and [−1, d−1] (end) going backward. It
// returns the first index, the step and the count.
func sliceAxis(start, end, step, d int) (int, int, int) {
	if start < 0 {
		start += d
	}
	if end < 0 {
		end += d
	}
	if step > 0 {
		start, end = min(max(start, 0), d), min(max(end, 0), d)
		if end <= start {
			return 0, step, 0
		}
		return start, step, (end - start + step - 1) / step
	}
	start, end = min(max(start, 0), d-1), min(max(end, -1), d-1)
	if start <= end || d == 0 {
		return 0, step, 0
	}
	return start, step, (start - end - step - 1) / -step
}

// shape returns the shape of the slice of a value of rank r.
func (p *slicePlan) shape(r int) graph.Shape {
	s := make(graph.Shape, r)
	copy(s, p.count[:r])
	return s
}

// walk returns the walk between the slice (contiguous, the dst side) and
// the sliced value of shape xs (the src side); swapped, it writes a slice
// back.
func (p *slicePlan) walk(xs graph.Shape, back bool) walk {
	var w walk
	var xst [graph.MaxRank]int
	stridesOf(xs, &xst)
	r := len(xs)
	n := 1
	var ost [graph.MaxRank]int
	for i := r - 1; i >= 0; i-- {
		ost[i] = n
		n *= p.count[i]
	}
	off := 0
	for i := 0; i < r; i++ {
		if back {
			w.axis(p.count[i], p.step[i]*xst[i], ost[i])
		} else {
			w.axis(p.count[i], ost[i], p.step[i]*xst[i])
		}
		off += p.start[i] * xst[i]
	}
	if back {
		w.dOff = off
	} else {
		w.sOff = off
	}
	w.compact()
	return w
}

// Slice returns a slice of x (ONNX Slice): along axes[i] (axes[i] = i when
// axes is nil) it keeps the elements from starts[i] up to, not including,
// ends[i], every steps[i]-th (1 when steps is nil). Negative starts and
// ends count from the end; out-of-range ones are clamped as ONNX says, so
// an end of math.MaxInt slices to the end; a negative step walks backward.
// Axes not named are kept whole.
func Slice(x *graph.Node, starts, ends, axes, steps []int) *graph.Node {
	return graph.ApplyOn(sliceOp{sliceSpec{clone(starts), clone(ends), clone(axes), clone(steps)}}, x)
}

func clone(s []int) []int {
	if s == nil {
		return nil
	}
	return append([]int{}, s...)
}

type sliceOp struct{ spec sliceSpec }

func (sliceOp) Type() string { return "Slice" }

func (o sliceOp) Infer(in []graph.Meta) (graph.Meta, error) {
	p, err := o.spec.plan(in[0].Shape)
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, "cannot be sliced: "+err.Error())
	}
	return graph.Meta{DType: in[0].DType, Shape: p.shape(len(in[0].Shape))}, nil
}

func (o sliceOp) Forward(out *graph.Value, in []*graph.Value) {
	p, _ := o.spec.plan(in[0].Shape)
	w := p.walk(in[0].Shape, false)
	copyValueWalk(out, in[0], &w)
}

func (o sliceOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{graph.ApplyOn(sliceGradOp{o.spec, n.Inputs()[0].Shape().Clone()}, g)}
}

// SliceGrad returns zeros of the given shape with g written at the
// positions that Slice(·, starts, ends, axes, steps) reads from a value of
// that shape: the adjoint of Slice, whose own adjoint is Slice. g must
// have the shape of that slice.
func SliceGrad(g *graph.Node, shape graph.Shape, starts, ends, axes, steps []int) *graph.Node {
	return graph.ApplyOn(sliceGradOp{sliceSpec{clone(starts), clone(ends), clone(axes), clone(steps)}, shape.Clone()}, g)
}

type sliceGradOp struct {
	spec  sliceSpec
	shape graph.Shape
}

func (sliceGradOp) Type() string { return "SliceGrad" }

func (o sliceGradOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if len(o.shape) > graph.MaxRank {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be written into shape %s of rank above %d", o.shape, graph.MaxRank))
	}
	xs := o.target(in[0].Shape)
	p, err := o.spec.plan(xs)
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be written into a slice of %s: %v", xs, err))
	}
	if s := p.shape(len(xs)); !s.Equal(in[0].Shape) {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("is not the shape of the slice of %s, %s", xs, s))
	}
	return graph.Meta{DType: in[0].DType, Shape: xs}, nil
}

// target returns the shape of the sliced value given g's: the given
// shape along the sliced axes, and g's along the others (where the slice
// took everything), so that one op serves every batch of a program.
func (o sliceGradOp) target(g graph.Shape) graph.Shape {
	xs := o.shape.Clone()
	if len(g) != len(xs) {
		return xs
	}
	var sliced [graph.MaxRank]bool
	for i := range o.spec.starts {
		a := i
		if o.spec.axes != nil {
			a = o.spec.axes[i]
		}
		if ax, ok := graph.Axis(a, len(xs)); ok {
			sliced[ax] = true
		}
	}
	for a := range xs {
		if !sliced[a] {
			xs[a] = g[a]
		}
	}
	return xs
}

func (o sliceGradOp) Forward(out *graph.Value, in []*graph.Value) {
	p, _ := o.spec.plan(out.Shape)
	w := p.walk(out.Shape, true)
	clearValue(out)
	copyValueWalk(out, in[0], &w)
}

func (o sliceGradOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{graph.ApplyOn(sliceOp{o.spec}, g)}
}

// Concat joins its inputs along axis (ONNX Concat): they share a dtype and
// a rank, and their lengths along every other axis. It panics when given
// no input, since there is then no graph to record the error on.
func Concat(axis int, xs ...*graph.Node) *graph.Node {
	if len(xs) == 0 || xs[0] == nil {
		panic("ops: Concat of no inputs")
	}
	return graph.ApplyOn(concatOp{axis}, xs...)
}

type concatOp struct{ axis int }

func (concatOp) Type() string { return "Concat" }

func (o concatOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := sameDType(in); err != nil {
		return graph.Meta{}, err
	}
	r := len(in[0].Shape)
	a, ok := graph.Axis(o.axis, r)
	if !ok {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be joined along axis %d", o.axis))
	}
	s := in[0].Shape.Clone()
	for _, m := range in[1:] {
		if len(m.Shape) != r {
			return graph.Meta{}, graph.ShapesError(in, "differ in rank")
		}
		for i, d := range m.Shape {
			if i != a && d != s[i] {
				return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("differ along axis %d, not only along the joined axis %d", i, a))
			}
		}
		s[a] += m.Shape[a]
	}
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

func (o concatOp) Forward(out *graph.Value, in []*graph.Value) {
	a, _ := graph.Axis(o.axis, len(out.Shape))
	outer, total, inner := split3(out.Shape, a)
	off := 0
	for _, x := range in {
		d := x.Shape[a]
		var w walk
		w.axis(outer, total*inner, d*inner)
		w.axis(d*inner, 1, 1)
		w.dOff = off * inner
		w.compact()
		copyValueWalk(out, x, &w)
		off += d
	}
}

// VJP: each input's part of g, sliced back out.
func (o concatOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	ins := n.Inputs()
	a, _ := graph.Axis(o.axis, n.Shape().Rank())
	parts := make([]*graph.Node, len(ins))
	off := 0
	for i, x := range ins {
		d := x.Shape()[a]
		if need[i] {
			parts[i] = Slice(g, []int{off}, []int{off + d}, []int{a}, nil)
		}
		off += d
	}
	return parts
}

// Split cuts x along axis into consecutive parts of the given lengths,
// which must sum to the axis's length (ONNX Split with its split input).
// On a bad argument the error is recorded on the graph and the nodes
// returned are failed (one, when no size is given).
func Split(x *graph.Node, axis int, sizes ...int) []*graph.Node {
	sizes = clone(sizes)
	if len(sizes) == 0 {
		return []*graph.Node{graph.ApplyOn(splitOp{axis: axis}, x)}
	}
	out := make([]*graph.Node, len(sizes))
	for i := range out {
		out[i] = graph.ApplyOn(splitOp{axis: axis, sizes: sizes, part: i}, x)
	}
	return out
}

// SplitEqual cuts x along axis into n parts of equal length, which must
// divide the axis's length (ONNX Split without its split input).
func SplitEqual(x *graph.Node, axis, n int) []*graph.Node {
	if n <= 0 {
		return []*graph.Node{graph.ApplyOn(splitOp{axis: axis, equal: n}, x)}
	}
	out := make([]*graph.Node, n)
	for i := range out {
		out[i] = graph.ApplyOn(splitOp{axis: axis, equal: n, part: i}, x)
	}
	return out
}

// splitOp computes one part of a Split: a node has one value, so a Split
// is as many nodes as parts.
type splitOp struct {
	axis  int
	sizes []int // the parts' lengths, or nil when equal is set
	equal int   // the number of equal parts
	part  int
}

func (splitOp) Type() string { return "Split" }

// span returns where part o.part starts along an axis of length d, and
// its length.
func (o splitOp) span(d int) (off, n int, err error) {
	if o.sizes == nil {
		if o.equal <= 0 || d%o.equal != 0 {
			return 0, 0, fmt.Errorf("into %d equal parts", o.equal)
		}
		n = d / o.equal
		return o.part * n, n, nil
	}
	total := 0
	for i, s := range o.sizes {
		if s < 0 {
			return 0, 0, fmt.Errorf("into parts %v: negative length", o.sizes)
		}
		if i < o.part {
			off += s
		}
		total += s
	}
	if total != d {
		return 0, 0, fmt.Errorf("into parts %v summing to %d, not %d", o.sizes, total, d)
	}
	return off, o.sizes[o.part], nil
}

func (o splitOp) Infer(in []graph.Meta) (graph.Meta, error) {
	xs := in[0].Shape
	a, ok := graph.Axis(o.axis, len(xs))
	if !ok {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be split along axis %d", o.axis))
	}
	if o.sizes == nil && o.equal == 0 {
		return graph.Meta{}, graph.ShapesError(in, "cannot be split into no parts")
	}
	_, n, err := o.span(xs[a])
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be split along axis %d %v", a, err))
	}
	s := xs.Clone()
	s[a] = n
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

func (o splitOp) Forward(out *graph.Value, in []*graph.Value) {
	x := in[0]
	a, _ := graph.Axis(o.axis, len(x.Shape))
	outer, total, inner := split3(x.Shape, a)
	off, d, _ := o.span(total)
	var w walk
	w.axis(outer, d*inner, total*inner)
	w.axis(d*inner, 1, 1)
	w.sOff = off * inner
	w.compact()
	copyValueWalk(out, x, &w)
}

// VJP: g padded with zeros before and after the part.
func (o splitOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	xs := n.Inputs()[0].Shape()
	r := xs.Rank()
	a, _ := graph.Axis(o.axis, r)
	off, d, _ := o.span(xs[a])
	pads := make([]int, 2*r)
	pads[a], pads[r+a] = off, xs[a]-off-d
	return []*graph.Node{Pad(g, pads, PadConstant, 0)}
}

// Tile repeats x repeats[i] times along each axis i (ONNX Tile; NumPy's
// tile without its broadcasting): one repeat per axis, 0 allowed.
func Tile(x *graph.Node, repeats ...int) *graph.Node {
	return graph.ApplyOn(tileOp{clone(repeats)}, x)
}

type tileOp struct{ repeats []int }

func (tileOp) Type() string { return "Tile" }

func (o tileOp) Infer(in []graph.Meta) (graph.Meta, error) {
	xs := in[0].Shape
	if len(o.repeats) != len(xs) {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be tiled by %v: want %d repeats", o.repeats, len(xs)))
	}
	s := xs.Clone()
	for i, r := range o.repeats {
		if r < 0 {
			return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be tiled by %v: negative repeat", o.repeats))
		}
		if r > 0 && s[i] > (1<<40)/r {
			return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be tiled by %v: too many elements", o.repeats))
		}
		s[i] *= r
	}
	return graph.Meta{DType: in[0].DType, Shape: s}, nil
}

// Forward: the result, of shape (r₀·d₀, r₁·d₁, …), is walked in order as
// (r₀, d₀, r₁, d₁, …), reading x with stride 0 along the repeats.
func (o tileOp) Forward(out *graph.Value, in []*graph.Value) {
	x := in[0]
	var xst, ost [graph.MaxRank]int
	stridesOf(x.Shape, &xst)
	stridesOf(out.Shape, &ost)
	var w walk
	for i, d := range x.Shape {
		w.axis(o.repeats[i], d*ost[i], 0)
		w.axis(d, ost[i], xst[i])
	}
	w.compact()
	copyValueWalk(out, x, &w)
}

// VJP: g seen as (r₀, d₀, r₁, d₁, …) — axes repeated once are not split —
// and summed over the repeats. When that view has more axes than a value
// may, the repeats are summed one axis at a time instead, each from a
// rank-3 view (before, repeats, after).
func (o tileOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	xs := n.Inputs()[0].Shape()
	var view graph.Shape
	var summed []int
	for i, d := range xs {
		if r := o.repeats[i]; r != 1 {
			summed = append(summed, len(view))
			view = append(view, r)
		}
		view = append(view, d)
	}
	switch {
	case len(summed) == 0:
		return []*graph.Node{g}
	case g.Shape().Size() == 0: // a repeat of 0: x does not reach the result
		return []*graph.Node{ZerosLike(n.Inputs()[0])}
	case len(view) <= graph.MaxRank:
		return []*graph.Node{ReduceSum(reshapeExact(g, view), false, summed...)}
	}
	cur := g
	for i, d := range xs {
		r := o.repeats[i]
		if r == 1 {
			continue
		}
		after := d
		for j := i + 1; j < len(xs); j++ {
			after *= xs[j] * o.repeats[j]
		}
		cur = ReduceSum(reshapeExact(cur, graph.Shape{xs[:i].Size(), r, after}), false, 1)
	}
	return []*graph.Node{reshapeExact(cur, xs)}
}

// DepthToSpaceMode is the order in which DepthToSpace reads the channels
// of a block: DCR (depth, column, row; ONNX's default, the zero value) or
// CRD (column, row, depth; PyTorch's PixelShuffle).
type DepthToSpaceMode uint8

// The modes of DepthToSpace.
const (
	DCR DepthToSpaceMode = iota
	CRD
)

// String returns "DCR" or "CRD".
func (m DepthToSpaceMode) String() string {
	if m == CRD {
		return "CRD"
	}
	return "DCR"
}

// DepthToSpace moves the channels of an N×C×H×W value into blockSize ×
// blockSize blocks of space (ONNX DepthToSpace): the result is
// N × C/blockSize² × H·blockSize × W·blockSize.
func DepthToSpace(x *graph.Node, blockSize int, mode DepthToSpaceMode) *graph.Node {
	return graph.ApplyOn(spaceOp{bs: blockSize, crd: mode == CRD}, x)
}

// SpaceToDepth moves blockSize × blockSize blocks of space of an N×C×H×W
// value into channels (ONNX SpaceToDepth, the inverse of DepthToSpace in
// DCR mode): the result is N × C·blockSize² × H/blockSize × W/blockSize.
func SpaceToDepth(x *graph.Node, blockSize int) *graph.Node {
	return graph.ApplyOn(spaceOp{bs: blockSize, toDepth: true}, x)
}

type spaceOp struct {
	bs      int
	toDepth bool
	crd     bool
}

func (o spaceOp) Type() string {
	if o.toDepth {
		return "SpaceToDepth"
	}
	return "DepthToSpace"
}

func (o spaceOp) Infer(in []graph.Meta) (graph.Meta, error) {
	xs := in[0].Shape
	if len(xs) != 4 {
		return graph.Meta{}, graph.ShapesError(in, "is not N×C×H×W")
	}
	b := o.bs
	if b < 1 {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be rearranged in blocks of %d", b))
	}
	n, c, h, w := xs[0], xs[1], xs[2], xs[3]
	if o.toDepth {
		if h%b != 0 || w%b != 0 {
			return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("has a height or width that is not a multiple of the block size %d", b))
		}
		return graph.Meta{DType: in[0].DType, Shape: graph.Shape{n, c * b * b, h / b, w / b}}, nil
	}
	if c%(b*b) != 0 {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("has %d channels, not a multiple of the block size %d squared", c, b))
	}
	if h > (1<<40)/b || w > (1<<40)/b {
		return graph.Meta{}, graph.ShapesError(in, "has too many elements")
	}
	return graph.Meta{DType: in[0].DType, Shape: graph.Shape{n, c / (b * b), h * b, w * b}}, nil
}

// Forward: the result is walked in order as six axes, and x read through
// the matching strides (ONNX defines both ops as a reshape to rank 6, a
// transpose and a reshape back).
func (o spaceOp) Forward(out *graph.Value, in []*graph.Value) {
	xs, b := in[0].Shape, o.bs
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	var w walk
	if o.toDepth {
		// x as (n, c, h/b, b₁, w/b, b₂); the result as (n, b₁, b₂, c, h/b, w/b).
		ho, wo := h/b, wd/b
		w.axis(n, b*b*c*ho*wo, c*h*wd)
		w.axis(b, b*c*ho*wo, wd)
		w.axis(b, c*ho*wo, 1)
		w.axis(c, ho*wo, h*wd)
		w.axis(ho, wo, b*wd)
		w.axis(wo, 1, b)
	} else {
		// The result as (n, c', h, b₁, w, b₂); x as (n, b₁, b₂, c', h, w)
		// in DCR mode, (n, c', b₁, b₂, h, w) in CRD mode. The walk takes
		// the axes in the order n, c', h, b₁, b₂, w.
		co, W := c/(b*b), wd*b
		stC, stB1, stB2 := h*wd, b*co*h*wd, co*h*wd
		if o.crd {
			stC, stB1, stB2 = b*b*h*wd, b*h*wd, h*wd
		}
		w.axis(n, co*h*b*W, c*h*wd)
		w.axis(co, h*b*W, stC)
		w.axis(h, b*W, wd)
		w.axis(b, W, stB1)
		w.axis(b, 1, stB2)
		w.axis(wd, b, 1) // the inner axis: x's rows, read in order
	}
	w.compact()
	copyValueWalk(out, in[0], &w)
}

// VJP: both ops permute elements, so the adjoint is the inverse
// permutation: SpaceToDepth for DepthToSpace in DCR mode and back; in CRD
// mode, the inverse's Reshape, Transpose and Reshape.
func (o spaceOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	switch {
	case o.toDepth:
		return []*graph.Node{DepthToSpace(g, o.bs, DCR)}
	case !o.crd:
		return []*graph.Node{SpaceToDepth(g, o.bs)}
	}
	xs, b := n.Inputs()[0].Shape(), o.bs
	t := reshapeExact(g, graph.Shape{xs[0], xs[1] / (b * b), xs[2], b, xs[3], b})
	return []*graph.Node{reshapeExact(Transpose(t, 0, 1, 3, 5, 2, 4), xs)}
}
