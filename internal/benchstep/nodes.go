package benchstep

import (
	"fmt"
	"sort"
	"time"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/solvers"
)

// NodeTime is the median time one part of the training step took.
type NodeTime struct {
	// Name is the node's name, or "solver" for the update.
	Name string
	// Op is the node's op type ("MatMul"), or the rule's name.
	Op string
	// Shape is the node's shape (nil for the solver).
	Shape graph.Shape
	// Micros is the median time in microseconds.
	Micros float64
}

// NodeTimes runs the training step of the MNIST network steps times after
// a warm-up, timing every op node of the compiled program and the solver's
// update on their own, and returns their medians in run order (the solver
// last) and the median time of the whole step. The nodes run exactly as
// Program.Run runs them; the clock reads between them add about 0.1 µs
// each.
func NodeTimes(dt tensor.Dtype, batch int, s *solvers.Solver, steps int) ([]NodeTime, float64, error) {
	if steps <= 0 {
		return nil, 0, fmt.Errorf("bench: steps %d, want > 0", steps)
	}
	net, err := Network(dt)
	if err != nil {
		return nil, 0, err
	}
	mg, err := mlp.Build(net, batch)
	if err != nil {
		return nil, 0, err
	}
	x, y := Batch(dt, batch)
	if err := mg.Input.Set(x); err != nil {
		return nil, 0, err
	}
	if err := mg.Target.Set(y); err != nil {
		return nil, 0, err
	}
	// Every value kept: the kernels are called one by one below, each on
	// its node's own storage.
	p, err := mg.G.CompileWith(graph.CompileOptions{KeepAll: true}, append([]*graph.Node{mg.Cost}, mg.Grads()...)...)
	if err != nil {
		return nil, 0, err
	}
	var nodes []*graph.Node
	var ins [][]*graph.Value
	for _, n := range p.Nodes() {
		if n.Kind() != graph.KindOp {
			continue
		}
		in := make([]*graph.Value, len(n.Inputs()))
		for i, x := range n.Inputs() {
			in[i] = x.Storage()
		}
		nodes, ins = append(nodes, n), append(ins, in)
	}
	params, grads := mg.Params(), mg.Grads()
	times := make([][]float64, len(nodes)+1)
	for i := range times {
		times[i] = make([]float64, steps)
	}
	total := make([]float64, steps)
	warmup := max(5, steps/10)
	for k := -warmup; k < steps; k++ {
		start := time.Now()
		last := start
		for i, n := range nodes {
			n.Op().Forward(n.Storage(), ins[i])
			now := time.Now()
			if k >= 0 {
				times[i][k] = float64(now.Sub(last).Nanoseconds()) / 1e3
			}
			last = now
		}
		if err := s.Step(params, grads); err != nil {
			return nil, 0, err
		}
		now := time.Now()
		if k >= 0 {
			times[len(nodes)][k] = float64(now.Sub(last).Nanoseconds()) / 1e3
			total[k] = float64(now.Sub(start).Nanoseconds()) / 1e3
		}
	}
	out := make([]NodeTime, len(times))
	for i, n := range nodes {
		out[i] = NodeTime{Name: n.Name(), Op: n.Op().Type(), Shape: n.Shape(), Micros: median(times[i])}
	}
	out[len(nodes)] = NodeTime{Name: "solver", Op: s.Rule().Name(), Micros: median(times[len(nodes)])}
	return out, median(total), nil
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	if n := len(xs); n%2 == 1 {
		return xs[n/2]
	} else {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
}
