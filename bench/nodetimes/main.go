// Command nodetimes prints where the time of one MNIST training step goes:
// the median time of every op node of the compiled program and of the
// solver's update, in run order, as measured by benchstep.NodeTimes.
//
//	go run ./bench/nodetimes [-rule sgd] [-dtype float32] [-batch 128] [-steps 2000]
//
// Build with -tags openblas to time the OpenBLAS build.
package main

import (
	"flag"
	"fmt"
	"os"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/blas"
	"github.com/gradgraph/gradgraph/internal/benchstep"
	"github.com/gradgraph/gradgraph/solvers"
)

func main() {
	rule := flag.String("rule", "sgd", "update rule, with its default hyperparameters")
	dtype := flag.String("dtype", "float32", "float32 or float64")
	batch := flag.Int("batch", 128, "mini-batch size")
	steps := flag.Int("steps", 2000, "timed steps")
	flag.Parse()
	dt := tensor.Float32
	switch *dtype {
	case "float32":
	case "float64":
		dt = tensor.Float64
	default:
		fail(fmt.Errorf("-dtype %q: want float32 or float64", *dtype))
	}
	r, err := solvers.NewRule(*rule, nil)
	if err != nil {
		fail(err)
	}
	s, err := solvers.New(r, solvers.Schedule{})
	if err != nil {
		fail(err)
	}
	times, total, err := benchstep.NodeTimes(dt, *batch, s, *steps)
	if err != nil {
		fail(err)
	}
	fmt.Printf("MNIST training step, batch %d, %s, %s, %s: median of %d steps\n", *batch, *dtype, *rule, fmt.Sprintf("%T", blas.Current()), *steps)
	sum, gemm := 0.0, 0.0
	for _, t := range times {
		shape := ""
		if t.Shape != nil {
			shape = t.Shape.String()
		}
		fmt.Printf("%9.1f µs  %-18s %-20s %s\n", t.Micros, t.Name, t.Op, shape)
		sum += t.Micros
		if t.Op == "MatMul" {
			gemm += t.Micros
		}
	}
	fmt.Printf("%9.1f µs  sum of the medians (matrix products %.1f µs, %.0f%%)\n", sum, gemm, 100*gemm/sum)
	fmt.Printf("%9.1f µs  median of the whole step\n", total)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "nodetimes:", err)
	os.Exit(1)
}
