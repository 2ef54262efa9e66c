package ops_test

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// One program trains and evaluates a batch-normalisation layer: a
// training run normalises with the batch's statistics and moves the
// running ones toward them; an inference run uses the running ones.
func ExampleBatchNormalization() {
	g := graph.New()
	x := g.Input("x", graph.Float64, 4, 1) // 4 samples of 1 channel
	s, b := g.Input("scale", graph.Float64, 1), g.Input("bias", graph.Float64, 1)
	mode := ops.NewMode(true)
	y := ops.BatchNormalization("bn", x, s, b, mode, 0, 0.9)
	p, _ := g.Compile(y)
	_ = x.SetFloat64s([]float64{1, 2, 3, 6})
	_ = s.SetFloat64s([]float64{1})
	_ = b.SetFloat64s([]float64{0})

	p.Run() // batch mean 3, variance 3.5
	fmt.Printf("training:  %.3f\n", y.Float64s())
	fmt.Printf("running:   mean %.2f, var %.2f\n", g.Node("bn.running_mean").Scalar(), g.Node("bn.running_var").Scalar())

	mode.SetTraining(false)
	p.Run() // (x − 0.3)/√1.25
	fmt.Printf("inference: %.3f\n", y.Float64s())
	// Output:
	// training:  [-1.069 -0.535 0.000 1.604]
	// running:   mean 0.30, var 1.25
	// inference: [0.626 1.521 2.415 5.098]
}

// A training run checkpointed with the dropout stream's state resumes
// with the masks it would have drawn.
func ExampleRNG() {
	g := graph.New()
	x := g.Input("x", graph.Float64, 8)
	_ = x.SetFloat64s([]float64{1, 1, 1, 1, 1, 1, 1, 1})
	rng := ops.NewRNG(42)
	y := ops.Dropout(x, 0.5, ops.NewMode(true), rng)
	p, _ := g.Compile(y)

	p.Run()
	seed, count := rng.State() // saved with the checkpoint
	p.Run()
	next := append([]float64(nil), y.Float64s()...)

	rng.SetState(seed, count) // restored on resuming
	p.Run()
	fmt.Println(count, fmt.Sprint(y.Float64s()) == fmt.Sprint(next))
	// Output:
	// 1 true
}
