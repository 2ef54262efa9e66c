package solvers_test

import (
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/solvers"
)

// TestSplitUpdateIsBitIdentical: Step splits large parameters between
// goroutines; for every rule the result must equal, bit for bit, one pass
// over the whole parameter (StepFloat64/32 never split), and a step must
// still allocate nothing with several procs at work.
func TestSplitUpdateIsBitIdentical(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n = 3*(1<<14) + 7 // split, with uneven parts
	r := rand.New(rand.NewPCG(1, 2))
	theta0, grads := make([]float64, n), make([][]float64, 4)
	for i := range theta0 {
		theta0[i] = r.NormFloat64()
	}
	for k := range grads {
		grads[k] = make([]float64, n)
		for i := range grads[k] {
			grads[k][i] = r.NormFloat64()
		}
	}
	for _, name := range solvers.RuleNames() {
		for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
			t.Run(name+"/"+dt.String(), func(t *testing.T) {
				rule, err := solvers.NewRule(name, nil)
				require.NoError(t, err)
				split, err := solvers.New(rule, solvers.Schedule{})
				require.NoError(t, err)
				whole, err := solvers.New(rule, solvers.Schedule{})
				require.NoError(t, err)

				g := graph.New()
				p := g.Param("theta", tensor.New(tensor.WithShape(n), tensor.WithBacking(append([]float64(nil), theta0...))))
				gr := g.Input("grad", graph.Float64, n)
				if dt == graph.Float32 {
					p = g.Param("theta", tensor.New(tensor.WithShape(n), tensor.WithBacking(to32(theta0))))
					gr = g.Input("grad", graph.Float32, n)
				}
				ref64 := append([]float64(nil), theta0...)
				ref32 := to32(theta0)
				for k := range grads {
					require.NoError(t, gr.SetFloat64s(grads[k]))
					require.NoError(t, split.Step([]*graph.Node{p}, []*graph.Node{gr}))
					if dt == graph.Float64 {
						require.NoError(t, whole.StepFloat64([][]float64{ref64}, [][]float64{grads[k]}))
					} else {
						require.NoError(t, whole.StepFloat32([][]float32{ref32}, [][]float32{to32(grads[k])}))
					}
				}
				if dt == graph.Float64 {
					assert.Equal(t, ref64, p.Float64s())
				} else {
					assert.Equal(t, ref32, p.Float32s())
				}
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				for range 10 {
					require.NoError(t, split.Step([]*graph.Node{p}, []*graph.Node{gr}))
				}
				runtime.ReadMemStats(&after)
				assert.LessOrEqual(t, after.Mallocs-before.Mallocs, uint64(2), "a split step allocates nothing (the runtime may account a stray allocation)")
			})
		}
	}
}

func to32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}
