// Command compile_batch shows what Compile does with memory and batches:
// one program, compiled once for batches of up to 4 samples, runs a batch
// of 4, then of 1, then of 3, allocating nothing; it keeps only its
// outputs, reusing the storage of everything else; and clones of it run
// in two goroutines at once.
package main

import (
	"fmt"
	"sync"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func main() {
	// A two-layer network on samples of 3 features, batch first: x is
	// N×3 with N at most 4.
	g := graph.New()
	x := g.Input("x", graph.Float64, 4, 3).Batched(0)
	w1 := g.Param("w1", tensor.New(tensor.WithShape(3, 5), tensor.WithBacking([]float64{
		0.2, -0.1, 0.4, 0.3, -0.5, 0.1, 0.6, -0.2, 0.05, 0.3, -0.4, 0.2, 0.1, 0.5, -0.3})))
	w2 := g.Param("w2", tensor.New(tensor.WithShape(5, 2), tensor.WithBacking([]float64{
		0.3, -0.2, 0.1, 0.4, -0.5, 0.2, 0.6, -0.1, 0.2, 0.3})))
	h := ops.Tanh(ops.MatMul(x, w1, 0)).Named("h")
	y := ops.Softmax(ops.MatMul(h, w2, 0), -1).Named("y")
	mean := ops.ReduceMean(y, false, 0).Named("mean") // over the batch: 1/N at run time

	prog, err := g.Compile(y, mean)
	if err != nil {
		panic(err)
	}
	// h (4×5) and the logits (4×2) are alive at once (the product reads
	// h), so the plan needs both: 20 + 8 float64s.
	fmt.Printf("planned for intermediate values: %d bytes\n", prog.PlannedBytes())

	rows := [][]float64{{1, 0, -1}, {0.5, 0.5, 0.5}, {-1, 2, 0}, {0, 0, 3}}
	for _, n := range []int{4, 1, 3} {
		batch := tensor.New(tensor.WithShape(n, 3), tensor.WithBacking(flat(rows[:n])))
		if err := x.Set(batch); err != nil { // sets the batch to n
			panic(err)
		}
		prog.Run()
		fmt.Printf("batch of %d: y is %v, mean %.4f\n", n, y.Storage().Shape, mean.Float64s())
	}
	if _, err := prog.Value(h); err != nil {
		fmt.Println("reading h:", err)
	}

	// Two goroutines, a clone each: the same answers as the program alone.
	var wg sync.WaitGroup
	results := make([][]float64, 2)
	for i := range results {
		c := prog.Clone()
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking(flat(rows[2*i:2*i+2])))
			if err := c.Set(x, batch); err != nil {
				panic(err)
			}
			c.Run()
			v, err := c.Value(y)
			if err != nil {
				panic(err)
			}
			results[i] = v.F64
		}()
	}
	wg.Wait()
	for i, r := range results {
		fmt.Printf("clone %d: y = %.4f\n", i, r)
	}
}

func flat(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}
