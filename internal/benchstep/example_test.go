package benchstep_test

import (
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/benchstep"
	"github.com/gradgraph/gradgraph/solvers"
)

// Time measures a step function: here gradgraph's training step of the
// MNIST network on a batch of 8, with plain SGD.
func ExampleTime() {
	s, _ := solvers.New(solvers.NewSGD(), solvers.Schedule{})
	step, _ := benchstep.Ours(tensor.Float64, 8, s)
	r, err := benchstep.Time(step, 2, 5)
	fmt.Println(err, r.Steps, r.MsPerStep > 0)
	// Output:
	// <nil> 5 true
}
