package benchstep

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/peer"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/solvers"
)

// forwardBackward compiles the forward and backward pass of the MNIST
// network in gradgraph.
func forwardBackward(tb testing.TB, dt tensor.Dtype, batch int) (*graph.Program, *mlp.Graph) {
	net, err := Network(dt)
	require.NoError(tb, err)
	mg, err := mlp.Build(net, batch)
	require.NoError(tb, err)
	x, y := Batch(dt, batch)
	require.NoError(tb, mg.Input.Set(x))
	require.NoError(tb, mg.Target.Set(y))
	p, err := mg.TrainProgram()
	require.NoError(tb, err)
	return p, mg
}

// gorgoniaMLP is the same network and batch in gorgonia.
func gorgoniaMLP(tb testing.TB, dt tensor.Dtype, batch int) *peer.MLP {
	net, err := Network(dt)
	require.NoError(tb, err)
	var layers []peer.Layer
	for _, l := range net.Layers {
		layers = append(layers, peer.Layer{Activation: string(l.Activation), Weights: l.Weights, Bias: l.Bias})
	}
	x, y := Batch(dt, batch)
	m, err := peer.NewMLP(layers, string(net.Cost), x, y)
	require.NoError(tb, err)
	return m
}

const batch = 128

// BenchmarkForwardBackward times one forward and backward pass of the MLP
// 784-256-128-10 (ReLU, softmax cross-entropy, batch 128) in gradgraph and
// in gorgonia, side by side in the same run.
func BenchmarkForwardBackward(b *testing.B) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		b.Run("gradgraph/"+dt.String(), func(b *testing.B) {
			p, _ := forwardBackward(b, dt, batch)
			p.Run()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				p.Run()
			}
		})
		b.Run("gorgonia/"+dt.String(), func(b *testing.B) {
			m := gorgoniaMLP(b, dt, batch)
			require.NoError(b, m.Run())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := m.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTrainStep times the whole training step (forward, backward, SGD
// or Adam update) in both frameworks, as gradgraph bench does.
func BenchmarkTrainStep(b *testing.B) {
	for _, rule := range []solvers.Rule{solvers.NewSGD(), solvers.NewAdam()} {
		b.Run("gradgraph/"+rule.Name(), func(b *testing.B) {
			s, err := solvers.New(rule, solvers.Schedule{})
			require.NoError(b, err)
			step, err := Ours(tensor.Float32, batch, s)
			require.NoError(b, err)
			require.NoError(b, step())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				_ = step()
			}
		})
		b.Run("gorgonia/"+rule.Name(), func(b *testing.B) {
			step, _, err := Gorgonia(tensor.Float32, batch, rule)
			require.NoError(b, err)
			require.NoError(b, step())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				_ = step()
			}
		})
	}
}

// TestStepsAgree makes sure the two benchmarked programs compute the same
// cost and gradients, so the benchmarks compare like with like.
func TestStepsAgree(t *testing.T) {
	p, mg := forwardBackward(t, tensor.Float64, 16)
	p.Run()
	m := gorgoniaMLP(t, tensor.Float64, 16)
	require.NoError(t, m.Run())
	require.InDelta(t, m.Cost.Value().Data().(float64), mg.Cost.Scalar(), 1e-12)
	for j := range mg.GradWeights {
		require.InDeltaSlice(t, m.GradWeights[j].Value().Data().([]float64), mg.GradWeights[j].Float64s(), 1e-12)
	}
}

// TestStepAllocatesNothing: after warm-up, the full training step (with
// the goroutines of the parallel matrix product) allocates nothing.
func TestStepAllocatesNothing(t *testing.T) {
	for _, rule := range []solvers.Rule{solvers.NewSGD(), solvers.NewAdam()} {
		s, err := solvers.New(rule, solvers.Schedule{})
		require.NoError(t, err)
		step, err := Ours(tensor.Float32, batch, s)
		require.NoError(t, err)
		require.NoError(t, step())
		allocs := testing.AllocsPerRun(20, func() { _ = step() })
		require.Equal(t, 0.0, allocs, rule.Name())
	}
}

func TestNodeTimes(t *testing.T) {
	s, err := solvers.New(solvers.NewSGD(), solvers.Schedule{})
	require.NoError(t, err)
	times, total, err := NodeTimes(tensor.Float32, 16, s, 5)
	require.NoError(t, err)
	// The training program of the 3-layer network: 3 products forward,
	// 5 backward (no product for the input's adjoint), then the solver.
	products := 0
	for _, nt := range times {
		assert.Greater(t, nt.Micros, 0.0, nt.Name)
		if nt.Op == "MatMul" {
			products++
		}
	}
	assert.Equal(t, 8, products)
	assert.Equal(t, "Omega1T_alpha0", times[0].Name)
	assert.Equal(t, "solver", times[len(times)-1].Name)
	assert.Equal(t, "sgd", times[len(times)-1].Op)
	assert.Equal(t, 10, s.Steps(), "5 warm-up steps and 5 timed ones")
	assert.Greater(t, total, 0.0)
	_, _, err = NodeTimes(tensor.Float32, 16, s, 0)
	assert.Error(t, err)
}

// BenchmarkCloneInference: inference of the MNIST network (784-256-128-10,
// float32, batches of 64) from 1, 2 and 4 goroutines, each running its own
// Program.Clone of one compiled program over the shared weights. ns/op is
// the time of one batch, so batches/s is 1e9/(ns/op): on 2 cores two
// goroutines should nearly double one's throughput, and four gain nothing
// more.
func BenchmarkCloneInference(b *testing.B) {
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("goroutines=%d", workers), func(b *testing.B) {
			net, err := Network(tensor.Float32)
			require.NoError(b, err)
			mg, err := mlp.Build(net, 64)
			require.NoError(b, err)
			p, err := mg.ForwardProgram()
			require.NoError(b, err)
			x, _ := Batch(tensor.Float32, 64)
			clones := make([]*graph.Program, workers)
			for i := range clones {
				clones[i] = p.Clone()
				require.NoError(b, clones[i].Set(mg.Input, x))
			}
			b.ResetTimer()
			var next atomic.Int64
			var wg sync.WaitGroup
			for _, c := range clones {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for next.Add(1) <= int64(b.N) {
						c.Run()
					}
				}()
			}
			wg.Wait()
		})
	}
}

// TestCNNSteps runs the steps `gradgraph bench --model lenet|conv3x3`
// times: they run, and allocate nothing once warm.
func TestCNNSteps(t *testing.T) {
	s, err := solvers.New(solvers.Adam{Eta: 1e-3, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	require.NoError(t, err)
	lenetStep, planned, err := LeNet(graph.Float32, 16, s)
	require.NoError(t, err)
	assert.Positive(t, planned)
	convStep, _, err := ConvLayer(graph.Float32, 2)
	require.NoError(t, err)
	for name, step := range map[string]func() error{"lenet": lenetStep, "conv3x3": convStep} {
		require.NoError(t, step(), name)
		allocs := testing.AllocsPerRun(5, func() { require.NoError(t, step()) })
		assert.Zero(t, allocs, name)
	}
}

// BenchmarkCNN times the steps of `gradgraph bench --model lenet` (batch
// 128, adam) and `--model conv3x3` (batch 32), for profiles:
//
//	go test -run='^$' -bench=CNN/lenet -cpuprofile /tmp/lenet.prof ./internal/benchstep
func BenchmarkCNN(b *testing.B) {
	for _, c := range []struct {
		name string
		step func() (func() error, int64, error)
	}{
		{"lenet", func() (func() error, int64, error) {
			s, err := solvers.New(solvers.Adam{Eta: 1e-3, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
			if err != nil {
				return nil, 0, err
			}
			return LeNet(graph.Float32, 128, s)
		}},
		{"conv3x3", func() (func() error, int64, error) { return ConvLayer(graph.Float32, 32) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			step, _, err := c.step()
			require.NoError(b, err)
			require.NoError(b, step())
			b.ReportAllocs()
			for b.Loop() {
				if err := step(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
