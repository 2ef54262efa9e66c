package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

func init() {
	register(
		OpInfo{Go: "Pad", Type: "Pad", ONNX: "Pad", Shape: "x's shape with each axis grown by its two pads (a negative pad crops)",
			Attrs:   "pads (begins of every axis, then ends), mode (constant, ONNX's default; reflect; edge), value (0); any dtype",
			Formula: "x surrounded by value, by its mirror image or by its edge", VJP: "Pad(g, −pads) (constant); PadGrad(g) (reflect, edge)", Differentiable: true},
		OpInfo{Go: "PadGrad", Type: "PadGrad", Shape: "x's shape with each axis shrunk by its two pads", Attrs: "pads, mode; a number dtype",
			Formula: "each element of x added to the element Pad copied it from (Pad's adjoint)", VJP: "Pad(g)", Differentiable: true},
	)
}

// PadMode is how Pad fills the border: PadConstant (ONNX's default, the
// zero value) with a value, PadReflect with the mirror image of x about
// its first and last elements (NumPy's "reflect"), PadEdge with x's first
// and last elements.
type PadMode uint8

// The modes of Pad.
const (
	PadConstant PadMode = iota
	PadReflect
	PadEdge
)

// String returns "constant", "reflect" or "edge", ONNX's names.
func (m PadMode) String() string {
	switch m {
	case PadReflect:
		return "reflect"
	case PadEdge:
		return "edge"
	}
	return "constant"
}

// padPlan is Pad resolved against x's shape. Along each axis a, x's
// elements skip … skip+keep−1 are kept (the others cropped by negative
// pads), and the result has lo elements of border before them and hi
// after. Trailing axes with neither border nor crop are folded into
// blocks of blk elements, so rows are as long as the padding allows.
type padPlan struct {
	rank                    int // the axes before the folded ones
	blk                     int
	mode                    PadMode
	in, out, lo, skip, keep [graph.MaxRank]int
	period                  [graph.MaxRank]int // of a reflection: 2·(keep − 1)
	xst                     [graph.MaxRank]int // x's strides, in blocks
}

type padSpec struct {
	pads []int
	mode PadMode
}

func (s padSpec) plan(xs graph.Shape) (p padPlan, err error) {
	r := len(xs)
	if len(s.pads) != 2*r {
		return p, fmt.Errorf("%d pads, want 2 per axis (%d)", len(s.pads), 2*r)
	}
	if s.mode > PadEdge {
		return p, fmt.Errorf("unknown mode %d", s.mode)
	}
	p.mode = s.mode
	for a, d := range xs {
		b, e := s.pads[a], s.pads[r+a]
		cb, ce := max(-b, 0), max(-e, 0)
		if cb > d || ce > d-cb {
			return p, fmt.Errorf("pads %v crop more than the %d elements of axis %d", s.pads, d, a)
		}
		p.in[a], p.skip[a], p.keep[a] = d, cb, d-cb-ce
		p.lo[a] = max(b, 0)
		if grow := p.lo[a] + max(e, 0); grow > 0 {
			if p.keep[a] == 0 && s.mode != PadConstant {
				return p, fmt.Errorf("pads %v extend axis %d, which keeps no element, in %s mode", s.pads, a, s.mode)
			}
			if p.keep[a] > (1<<40)-grow {
				return p, fmt.Errorf("pads %v make axis %d too long", s.pads, a)
			}
		}
		p.out[a] = p.keep[a] + p.lo[a] + max(e, 0)
		p.period[a] = 2 * (p.keep[a] - 1)
	}
	// Fold the trailing axes that are copied whole.
	p.rank, p.blk = r, 1
	for p.rank > 0 {
		a := p.rank - 1
		if p.out[a] != p.in[a] || p.skip[a] != 0 {
			break
		}
		p.blk *= p.in[a]
		p.rank--
	}
	n := 1
	for a := p.rank - 1; a >= 0; a-- {
		p.xst[a] = n
		n *= p.in[a]
	}
	return p, nil
}

// shape returns the shape of the padded value.
func (p *padPlan) shape(r int) graph.Shape {
	s := make(graph.Shape, r)
	copy(s, p.out[:r])
	return s
}

// src returns the index along axis a of the element of x that Pad copies
// to index o of the result, or −1 for the constant border.
func (p *padPlan) src(a, o int) int {
	i := o - p.lo[a]
	if i >= 0 && i < p.keep[a] {
		return p.skip[a] + i
	}
	return p.border(a, i)
}

// border is src for an index i, relative to the kept elements, that falls
// in the border.
func (p *padPlan) border(a, i int) int {
	switch p.mode {
	case PadEdge:
		return p.skip[a] + min(max(i, 0), p.keep[a]-1)
	case PadReflect:
		per := p.period[a]
		if per == 0 {
			return p.skip[a]
		}
		i %= per
		if i < 0 {
			i += per
		}
		if i >= p.keep[a] {
			i = per - i
		}
		return p.skip[a] + i
	}
	return -1
}

// Pad surrounds x with a border (ONNX Pad): pads holds, for each axis, the
// number of elements to add before it, then, for each axis, the number to
// add after it (ONNX's [x1_begin, x2_begin, …, x1_end, x2_end, …]). A
// negative pad removes elements instead. The border holds value in
// PadConstant mode (value must fit x's dtype: a whole number for the
// integers, 0 or 1 for bool), and repeats x in the other modes; PadReflect
// may reflect more than once along a short axis, as NumPy does. Where an
// axis is both cropped and padded, the border copies the cropped x, as
// onnxruntime does.
func Pad(x *graph.Node, pads []int, mode PadMode, value float64) *graph.Node {
	return graph.ApplyOn(padOp{padSpec{clone(pads), mode}, value}, x)
}

type padOp struct {
	spec  padSpec
	value float64
}

func (padOp) Type() string { return "Pad" }

func (o padOp) Infer(in []graph.Meta) (graph.Meta, error) {
	p, err := o.spec.plan(in[0].Shape)
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, "cannot be padded: "+err.Error())
	}
	if o.spec.mode == PadConstant {
		if err := fitsDType(o.value, in[0].DType); err != nil {
			return graph.Meta{}, graph.DTypesError(in, fmt.Sprintf("cannot be padded with %g", o.value))
		}
	}
	return graph.Meta{DType: in[0].DType, Shape: p.shape(len(in[0].Shape))}, nil
}

func (o padOp) Forward(out *graph.Value, in []*graph.Value) {
	p, _ := o.spec.plan(in[0].Shape)
	x, v := in[0], o.value
	switch out.DType() {
	case graph.Float32:
		padK(out.F32, x.F32, &p, float32(v))
	case graph.Float64:
		padK(out.F64, x.F64, &p, v)
	case graph.Int32:
		padK(out.I32, x.I32, &p, int32(v))
	case graph.Int64:
		padK(out.I64, x.I64, &p, int64(v))
	case graph.Bool:
		padK(out.B, x.B, &p, v != 0)
	}
}

// VJP: in constant mode, Pad with the pads negated crops g back to x and
// fills what x lost to negative pads with zeros; in the other modes the
// border's elements are added back where they were copied from.
func (o padOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	if o.spec.mode == PadConstant {
		neg := make([]int, len(o.spec.pads))
		for i, q := range o.spec.pads {
			neg[i] = -q
		}
		return []*graph.Node{Pad(g, neg, PadConstant, 0)}
	}
	return []*graph.Node{PadGrad(g, o.spec.pads, o.spec.mode)}
}

// padRows walks the rows of the padded value along its last padded axis,
// keeping the offset in x (in blocks) of the row each copies: acc[k+1] is
// the offset that the indices along axes 0 … k contribute, −1 when one of
// them is in the constant border. A step recomputes only the axes whose
// index changes.
type padRows struct {
	p   *padPlan
	idx [graph.MaxRank]int
	acc [graph.MaxRank + 1]int
}

func newPadRows(p *padPlan) padRows {
	w := padRows{p: p}
	for k := 0; k < p.rank-1; k++ {
		w.set(k)
	}
	return w
}

// set recomputes acc[k+1] from acc[k] and axis k's index.
func (w *padRows) set(k int) {
	s := w.p.src(k, w.idx[k])
	if s < 0 || w.acc[k] < 0 {
		w.acc[k+1] = -1
		return
	}
	w.acc[k+1] = w.acc[k] + s*w.p.xst[k]
}

// base returns the offset in x, in blocks, of the row the current row
// copies, or −1 for a row of the constant border.
func (w *padRows) base() int { return w.acc[w.p.rank-1] }

// next moves to the following row.
func (w *padRows) next() {
	last := w.p.rank - 2
	for k := last; k >= 0; k-- {
		w.idx[k]++
		if w.idx[k] < w.p.out[k] {
			for ; k <= last; k++ {
				w.set(k)
			}
			return
		}
		w.idx[k] = 0
	}
}

// padK writes x padded into o, row by row along the last axis that is
// padded; every step copies a block of p.blk elements.
func padK[T any](o, x []T, p *padPlan, c T) {
	if len(o) == 0 {
		return
	}
	blk, r := p.blk, p.rank
	if r == 0 {
		copy(o, x)
		return
	}
	a := r - 1
	lo, keep, n := p.lo[a], p.keep[a], p.out[a]
	w := newPadRows(p)
	for row := 0; row < len(o); row += n * blk {
		or := o[row : row+n*blk]
		base := w.base()
		w.next()
		if base < 0 {
			fill(or, c)
			continue
		}
		s := (base + p.skip[a]) * blk
		copy(or[lo*blk:(lo+keep)*blk], x[s:s+keep*blk])
		if p.mode == PadConstant {
			fill(or[:lo*blk], c)
			fill(or[(lo+keep)*blk:], c)
			continue
		}
		for j := 0; j < n; j++ {
			if j == lo {
				j += keep - 1
				continue
			}
			s := (base + p.src(a, j)) * blk
			copy(or[j*blk:(j+1)*blk], x[s:s+blk])
		}
	}
}

// PadGrad returns the adjoint of Pad(·, pads, mode): every element of g,
// whose shape is the padded one, is added to the element of the unpadded
// value that Pad copied to its position (the constant border adds
// nothing). Its own adjoint is Pad.
func PadGrad(g *graph.Node, pads []int, mode PadMode) *graph.Node {
	return graph.ApplyOn(padGradOp{padSpec{clone(pads), mode}}, g)
}

type padGradOp struct{ spec padSpec }

func (padGradOp) Type() string { return "PadGrad" }

// unpadded returns the shape that Pad takes to gs.
func (o padGradOp) unpadded(gs graph.Shape) (graph.Shape, error) {
	r := len(gs)
	if len(o.spec.pads) != 2*r {
		return nil, fmt.Errorf("%d pads, want 2 per axis (%d)", len(o.spec.pads), 2*r)
	}
	xs := make(graph.Shape, r)
	for a, d := range gs {
		xs[a] = d - o.spec.pads[a] - o.spec.pads[r+a]
		if xs[a] < 0 {
			return nil, fmt.Errorf("pads %v are longer than axis %d", o.spec.pads, a)
		}
	}
	return xs, nil
}

func (o padGradOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantNumber(in, 0); err != nil {
		return graph.Meta{}, err
	}
	xs, err := o.unpadded(in[0].Shape)
	if err == nil {
		_, err = o.spec.plan(xs)
	}
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, "cannot be unpadded: "+err.Error())
	}
	return graph.Meta{DType: in[0].DType, Shape: xs}, nil
}

func (o padGradOp) Forward(out *graph.Value, in []*graph.Value) {
	p, _ := o.spec.plan(out.Shape)
	g := in[0]
	switch out.DType() {
	case graph.Float32:
		padGradK(out.F32, g.F32, &p)
	case graph.Float64:
		padGradK(out.F64, g.F64, &p)
	case graph.Int32:
		padGradK(out.I32, g.I32, &p)
	case graph.Int64:
		padGradK(out.I64, g.I64, &p)
	}
}

func (o padGradOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	return []*graph.Node{Pad(g, o.spec.pads, o.spec.mode, 0)}
}

// padGradK is padK's walk with the copies reversed into sums: o (x's
// shape) collects g (the padded shape).
func padGradK[T graph.Number](o, g []T, p *padPlan) {
	clear(o)
	if len(g) == 0 || len(o) == 0 {
		return
	}
	blk, r := p.blk, p.rank
	if r == 0 {
		copy(o, g)
		return
	}
	a := r - 1
	lo, keep, n := p.lo[a], p.keep[a], p.out[a]
	w := newPadRows(p)
	for row := 0; row < len(g); row += n * blk {
		gr := g[row : row+n*blk]
		base := w.base()
		w.next()
		if base < 0 {
			continue
		}
		s := (base + p.skip[a]) * blk
		addTo(o[s:s+keep*blk], gr[lo*blk:(lo+keep)*blk])
		if p.mode == PadConstant {
			continue
		}
		for j := 0; j < n; j++ {
			if j == lo {
				j += keep - 1
				continue
			}
			s := (base + p.src(a, j)) * blk
			addTo(o[s:s+blk], gr[j*blk:(j+1)*blk])
		}
	}
}

// addTo adds x to o element by element.
func addTo[T graph.Number](o, x []T) {
	o = o[:len(x)]
	for i, v := range x {
		o[i] += v
	}
}
