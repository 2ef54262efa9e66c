package solvers_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/solvers"
)

// A gradient node that no compiled program computes holds zeros (or, with
// planned memory, another node's data): stepping on it is an error, not a
// silent no-op.
func TestStepRefusesGradientsThatNoProgramComputes(t *testing.T) {
	g := graph.New()
	w := g.Param("w", tensor.New(tensor.WithShape(2), tensor.WithBacking([]float64{1, 2})))
	cost := ops.Sum(ops.Square(w))
	grads, err := autodiff.Grad(cost, w)
	require.NoError(t, err)
	s, err := solvers.New(solvers.SGD{Eta: 0.1}, solvers.Schedule{})
	require.NoError(t, err)
	err = s.Step([]*graph.Node{w}, grads)
	require.EqualError(t, err, "solvers: step: gradient "+grads[0].Name()+" of w is not an output of any compiled program: compile it with the cost")
	assert.Equal(t, []float64{1, 2}, w.Float64s(), "nothing was updated")
	p, err := g.Compile(cost, grads[0])
	require.NoError(t, err)
	p.Run()
	require.NoError(t, s.Step([]*graph.Node{w}, grads))
	assert.InDeltaSlice(t, []float64{0.8, 1.6}, w.Float64s(), 1e-15)
}
