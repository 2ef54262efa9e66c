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
	// Group the placements by full shape and axis; a group of two or more
	// becomes one node where its first member stood.
	type key struct {
		full string
		axis int
	}
	groups := map[key][]int{}
	for i, c := range cs {
		if o, ok := c.Op().(narrowGradOp); ok && !c.Failed() {
			k := key{o.full.String(), o.axis}
			groups[k] = append(groups[k], i)
		}
	}
	terms := make([]*graph.Node, 0, len(cs))
	merged := make([]bool, len(cs))
	for i, c := range cs {
		if merged[i] {
			continue
		}
		o, ok := c.Op().(narrowGradOp)
		if !ok || c.Failed() || len(groups[key{o.full.String(), o.axis}]) < 2 {
			terms = append(terms, c)
			continue
		}
		idx := groups[key{o.full.String(), o.axis}]
		p := placeOp{full: o.full.Clone(), axis: o.axis}
		ins := make([]*graph.Node, len(idx))
		for j, k := range idx {
			ng := cs[k].Op().(narrowGradOp)
			p.starts = append(p.starts, ng.start)
			p.drops = append(p.drops, ng.drop)
			ins[j] = cs[k].Inputs()[0]
			merged[k] = true
		}
		terms = append(terms, graph.ApplyOn(p, ins...))
	}
	acc := terms[0]
	for _, t := range terms[1:] {
		acc = Add(acc, t)
	}
	return acc
}

// placeOp is the sum of several narrowGrads into one full shape along one
// axis: zeros of shape full, each input added at its start (the inputs
// may overlap). Its VJP narrows each input's range back out.
type placeOp struct {
	full   graph.Shape
	axis   int
	starts []int
	drops  []bool
}

func (placeOp) Type() string { return "NarrowGradSum" }

func (o placeOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantFloat(in); err != nil {
		return graph.Meta{}, err
	}
	for i, m := range in {
		if _, err := (narrowGradOp{full: o.full, axis: o.axis, start: o.starts[i], drop: o.drops[i]}).Infer([]graph.Meta{m}); err != nil {
			return graph.Meta{}, fmt.Errorf("input %d: %w", i, err)
		}
	}
	return graph.Meta{DType: in[0].DType, Shape: o.full.Clone()}, nil
}

func (o placeOp) Forward(out *graph.Value, in []*graph.Value) {
	outer, length, inner := split3(out.Shape, o.axis)
	clear(out.F32)
	clear(out.F64)
	for i, g := range in {
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
	for i, ok := range need {
		if ok {
			x := n.Inputs()[i]
			d[i] = narrow(g, o.axis, o.starts[i], (narrowGradOp{axis: o.axis, drop: o.drops[i]}).n(x.Shape()), o.drops[i])
		}
	}
	return d
}
