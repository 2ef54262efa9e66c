package benchstep

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"sort"
	"time"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/peer"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/solvers/gorgoniasolver"
)

// Sizes are the layer sizes of the MNIST network every benchmark times.
var Sizes = []int{784, 256, 128, 10}

// Network returns the MNIST network 784-256-128-10 (ReLU hidden layers,
// softmax output, cross-entropy cost) with seeded weights.
func Network(dt tensor.Dtype) (*mlp.Network, error) { return NetworkOf(Sizes, dt) }

// NetworkOf returns the network of the given layer sizes, ReLU hidden
// layers and a softmax output costed by cross-entropy, with seeded
// weights.
func NetworkOf(sizes []int, dt tensor.Dtype) (*mlp.Network, error) {
	acts := make([]mlp.Activation, len(sizes)-1)
	for i := range acts {
		acts[i] = mlp.ReLU
	}
	acts[len(acts)-1] = mlp.Softmax
	return mlp.New(sizes, acts, mlp.CrossEntropy, dt, 1)
}

// Batch returns seeded random inputs (784 × batch, uniform in [0, 1) like
// pixels) and one-hot targets (10 × batch).
func Batch(dt tensor.Dtype, batch int) (x, y *tensor.Dense) { return BatchOf(Sizes, dt, batch) }

// BatchOf returns a seeded random batch for a network of the given sizes.
func BatchOf(sizes []int, dt tensor.Dtype, batch int) (x, y *tensor.Dense) {
	r := rand.New(rand.NewPCG(7, 7))
	n0, nL := sizes[0], sizes[len(sizes)-1]
	xs := make([]float64, n0*batch)
	for i := range xs {
		xs[i] = r.Float64()
	}
	ys := make([]float64, nL*batch)
	for k := 0; k < batch; k++ {
		ys[r.IntN(nL)*batch+k] = 1
	}
	x = tensor.New(tensor.WithShape(n0, batch), tensor.WithBacking(xs))
	y = tensor.New(tensor.WithShape(nL, batch), tensor.WithBacking(ys))
	if dt == tensor.Float32 {
		x, _ = mlp.ConvertDense(x, dt)
		y, _ = mlp.ConvertDense(y, dt)
	}
	return x, y
}

// Ours returns one training step of gradgraph (forward, backward, update
// with s) on the MNIST network.
func Ours(dt tensor.Dtype, batch int, s *solvers.Solver) (func() error, error) {
	step, _, err := OursOf(Sizes, dt, batch, s)
	return step, err
}

// OursOf returns one training step of gradgraph on the network of the
// given sizes, and the bytes its program planned for intermediate values.
func OursOf(sizes []int, dt tensor.Dtype, batch int, s *solvers.Solver) (func() error, int64, error) {
	mg, err := func() (*mlp.Graph, error) {
		net, err := NetworkOf(sizes, dt)
		if err != nil {
			return nil, err
		}
		return mlp.Build(net, batch) // net's tensors are garbage after this
	}()
	if err != nil {
		return nil, 0, err
	}
	// The network's own copy of the weights is garbage now: give its
	// memory back before the steps, so that what the process holds is what
	// the step needs.
	runtime.GC()
	debug.FreeOSMemory()
	x, y := BatchOf(sizes, dt, batch)
	if err := mg.Input.Set(x); err != nil {
		return nil, 0, err
	}
	if err := mg.Target.Set(y); err != nil {
		return nil, 0, err
	}
	p, err := mg.TrainProgram()
	if err != nil {
		return nil, 0, err
	}
	params, grads := mg.Params(), mg.Grads()
	return func() error {
		p.Run()
		return s.Step(params, grads)
	}, p.PlannedBytes(), nil
}

// Gorgonia returns the same training step in gorgonia: its tape machine
// computes cost and gradients, and its own solver for the rule updates the
// parameters (our rules through gorgonia's Solver interface for the rules
// gorgonia lacks). It also returns the name of the solver used.
func Gorgonia(dt tensor.Dtype, batch int, rule solvers.Rule) (func() error, string, error) {
	return GorgoniaOf(Sizes, dt, batch, rule)
}

// GorgoniaOf is Gorgonia for the network of the given sizes.
func GorgoniaOf(sizes []int, dt tensor.Dtype, batch int, rule solvers.Rule) (func() error, string, error) {
	net, err := NetworkOf(sizes, dt)
	if err != nil {
		return nil, "", err
	}
	var layers []peer.Layer
	for _, l := range net.Layers {
		layers = append(layers, peer.Layer{Activation: string(l.Activation), Weights: l.Weights, Bias: l.Bias})
	}
	x, y := BatchOf(sizes, dt, batch)
	m, err := peer.NewMLP(layers, string(net.Cost), x, y)
	if err != nil {
		return nil, "", err
	}
	var solver G.Solver
	name := "gorgonia " + rule.Name()
	switch r := rule.(type) {
	case solvers.SGD:
		solver = G.NewVanillaSolver(G.WithLearnRate(r.Eta))
	case solvers.Momentum:
		solver = G.NewMomentum(G.WithLearnRate(r.Eta), G.WithMomentum(r.Momentum))
	case solvers.AdaGrad:
		solver = G.NewAdaGradSolver(G.WithLearnRate(r.Eta), G.WithEps(r.Delta))
	case solvers.RMSProp:
		solver = G.NewRMSPropSolver(G.WithLearnRate(r.Eta), G.WithEps(r.Delta), G.WithRho(r.Rho))
	case solvers.Adam:
		solver = G.NewAdamSolver(G.WithLearnRate(r.Eta), G.WithEps(r.Delta), G.WithBeta1(r.Rho1), G.WithBeta2(r.Rho2))
	default:
		s, err := solvers.New(rule, solvers.Schedule{})
		if err != nil {
			return nil, "", err
		}
		solver = gorgoniasolver.New(s)
		name = "gradgraph " + rule.Name() + " through gorgonia's Solver interface"
	}
	learn := G.NodesToValueGrads(m.Learnables())
	return func() error {
		if err := m.Machine.RunAll(); err != nil {
			return err
		}
		err := solver.Step(learn)
		m.Machine.Reset()
		return err
	}, name, nil
}

// Result is the timing of one step function.
type Result struct {
	// MsPerStep is the median time of one step, in milliseconds.
	MsPerStep float64 `json:"ms_per_step"`
	// Steps is the number of timed steps.
	Steps int `json:"steps"`
	// AllocsPerStep is the mean number of heap allocations per step.
	AllocsPerStep float64 `json:"allocs_per_step"`
	// BytesPerStep is the mean number of bytes allocated per step.
	BytesPerStep float64 `json:"bytes_per_step"`
}

// Time runs step warmup times untimed, then steps times, and returns the
// median step time and the mean allocations per step.
func Time(step func() error, warmup, steps int) (Result, error) {
	if steps <= 0 {
		return Result{}, fmt.Errorf("bench: steps %d, want > 0", steps)
	}
	for range warmup {
		if err := step(); err != nil {
			return Result{}, err
		}
	}
	times := make([]float64, steps)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range times {
		t := time.Now()
		if err := step(); err != nil {
			return Result{}, err
		}
		times[i] = float64(time.Since(t).Nanoseconds()) / 1e6
	}
	runtime.ReadMemStats(&after)
	sort.Float64s(times)
	med := times[steps/2]
	if steps%2 == 0 {
		med = (times[steps/2-1] + times[steps/2]) / 2
	}
	return Result{
		MsPerStep:     med,
		Steps:         steps,
		AllocsPerStep: float64(after.Mallocs-before.Mallocs) / float64(steps),
		BytesPerStep:  float64(after.TotalAlloc-before.TotalAlloc) / float64(steps),
	}, nil
}
