package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

func init() {
	register(OpInfo{Go: "Accumulate", Shape: "the broadcast of the contributions' shapes", Formula: "Σ contributions, by Add in order; " +
		"pieces placed into zeros along one axis (narrow's VJPs) gathered into one node first",
		VJP: "g to each", Differentiable: true})
}

// Accumulate returns the sum of the contributions to one adjoint, the way
// autodiff combines them: in order, by Add. Contributions that place a
// piece of a gradient into zeros along one axis — the VJPs of the private
// narrow op by which the recurrent ops take a sequence apart, one time
// step each — are first gathered into one node that places every piece:
// the adjoint of a value taken apart into T pieces then costs one pass
// over it, not T passes and T − 1 additions. With one contribution it
// returns that node.
func Accumulate(cs ...*graph.Node) *graph.Node {
	if len(cs) == 0 {
		panic("ops: Accumulate of no contributions")
	}
	if len(cs) == 1 {
		return cs[0]
	}
	// Group the placements by the value they place into (the reference
	// whose shape they take) and axis; a group of two or more becomes one
	// node where its first member stood.
	type key struct {
		ref  *graph.Node
		axis int
	}
	keyOf := func(c *graph.Node) (key, bool) {
		o, ok := c.Op().(narrowGradOp)
		if !ok || c.Failed() {
			return key{}, false
		}
		return key{c.Inputs()[1], o.axis}, true
	}
	groups := map[key][]int{}
	for i, c := range cs {
		if k, ok := keyOf(c); ok {
			groups[k] = append(groups[k], i)
		}
	}
	terms := make([]*graph.Node, 0, len(cs))
	merged := make([]bool, len(cs))
	for i, c := range cs {
		if merged[i] {
			continue
		}
		k, ok := keyOf(c)
		if !ok || len(groups[k]) < 2 {
			terms = append(terms, c)
			continue
		}
		idx := groups[k]
		p := placeOp{axis: k.axis}
		ins := make([]*graph.Node, len(idx), len(idx)+1)
		for j, i := range idx {
			ng := cs[i].Op().(narrowGradOp)
			p.starts = append(p.starts, ng.start)
			p.drops = append(p.drops, ng.drop)
			ins[j] = cs[i].Inputs()[0]
			merged[i] = true
		}
		terms = append(terms, graph.ApplyOn(p, append(ins, k.ref)...))
	}
	acc := terms[0]
	for _, t := range terms[1:] {
		acc = Add(acc, t)
	}
	return acc
}

// placeOp is the sum of several narrowGrads into one reference's shape
// along one axis: zeros of that shape, each input added at its start (the
// inputs may overlap). Its inputs are the pieces, then the reference,
// which gives its shape only, read at run time. Its VJP narrows each
// piece's range back out.
type placeOp struct {
	axis   int
	starts []int
	drops  []bool
}

func (placeOp) Type() string { return "NarrowGradSum" }

// ShapeOnly implements graph.ShapeOnly: the reference, the last input,
// gives its shape only.
func (o placeOp) ShapeOnly(i int) bool { return i == len(o.starts) }

func (o placeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	pieces, full := in[:len(o.starts)], in[len(o.starts)].Shape
	if err := wantFloat(pieces); err != nil {
		return graph.Meta{}, err
	}
	for i, m := range pieces {
		if err := (narrowGradOp{axis: o.axis, start: o.starts[i], drop: o.drops[i]}).fits(m, full); err != nil {
			return graph.Meta{}, fmt.Errorf("input %d: %w", i, err)
		}
	}
	return graph.Meta{DType: in[0].DType, Shape: full.Clone()}, nil
}

func (o placeOp) Forward(out *graph.Value, in []*graph.Value) {
	outer, length, inner := split3(out.Shape, o.axis)
	clear(out.F32)
	clear(out.F64)
	for i, g := range in[:len(o.starts)] {
		n := (narrowGradOp{axis: o.axis, drop: o.drops[i]}).n(g.Shape)
		if out.F64 != nil {
			placeAddK(out.F64, g.F64, outer, length, inner, o.starts[i], n)
		} else {
			placeAddK(out.F32, g.F32, outer, length, inner, o.starts[i], n)
		}
	}
}

// placeAddK adds g into the rows [start, start+n) of each outer block of
// o.
func placeAddK[T graph.Float](o, g []T, outer, length, inner, start, n int) {
	w := n * inner
	for p := 0; p < outer; p++ {
		dst := o[(p*length+start)*inner:][:w]
		for j, v := range g[p*w : (p+1)*w] {
			dst[j] += v
		}
	}
}

func (o placeOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	d := make([]*graph.Node, len(need))
	for i, ok := range need[:len(o.starts)] {
		if ok {
			x := n.Inputs()[i]
			d[i] = narrow(g, o.axis, o.starts[i], (narrowGradOp{axis: o.axis, drop: o.drops[i]}).n(x.Shape()), o.drops[i])
		}
	}
	return d
}
