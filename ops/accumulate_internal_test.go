package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// TestAccumulateGathersPlacements: Accumulate sums what a chain of Adds
// sums (to rounding where pieces overlap), whatever mix of
// placements (dropped axis or not, overlapping, along other axes or into
// other shapes) and other contributions it is given; the placements into
// one value along one axis become one node.
func TestAccumulateGathersPlacements(t *testing.T) {
	for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
		r := rand.New(rand.NewPCG(5, 6))
		g := graph.New()
		rnd := func(s ...int) *graph.Node {
			v := make([]float64, graph.Shape(s).Size())
			for i := range v {
				v[i] = r.Float64()*2 - 1
			}
			x := g.Input("", dt, s...)
			require.NoError(t, x.SetFloat64s(v))
			return x
		}
		full := g.Input("full", dt, 4, 3, 2) // the value the pieces are placed into
		cs := []*graph.Node{
			narrowGrad(rnd(4, 2), full, 1, 0, true),     // step 0 of axis 1
			rnd(4, 3, 2),                                // an ordinary contribution
			narrowGrad(rnd(4, 1, 2), full, 1, 2, false), // step 2, axis kept
			narrowGrad(rnd(4, 2, 2), full, 1, 1, false), // steps 1–2: overlaps step 2
			narrowGrad(rnd(3, 2), full, 0, 3, true),     // along axis 0: its own group of one
			narrowGrad(rnd(4, 2), full, 1, 1, true),     // step 1 again
		}
		sum := Accumulate(cs...)
		chain := cs[0]
		for _, c := range cs[1:] {
			chain = Add(chain, c)
		}
		require.NoError(t, g.Err())
		p, err := g.Compile(sum, chain)
		require.NoError(t, err)
		p.Run()
		got, want := sum.Storage(), chain.Storage()
		for i := 0; i < want.Len(); i++ {
			assert.InDelta(t, want.At(i), got.At(i), 1e-6, "element %d", i)
		}
		// The four axis-1 placements are one NarrowGradSum, to which the
		// ordinary contribution and the axis-0 placement are added.
		p, err = g.Compile(sum)
		require.NoError(t, err)
		types := map[string]int{}
		for _, n := range p.Nodes() {
			if n.Op() != nil {
				types[n.Op().Type()]++
			}
		}
		assert.Equal(t, map[string]int{"NarrowGradSum": 1, "NarrowGrad": 1, "Add": 2}, types)
	}
	g := graph.New()
	x := g.Param("x", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2})))
	assert.Same(t, x, Accumulate(x))
	assert.Panics(t, func() { Accumulate() })
}
