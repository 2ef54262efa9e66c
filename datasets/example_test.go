package datasets_test

import (
	"fmt"

	"github.com/gradgraph/gradgraph/datasets"
)

// The XOR truth table, one column per sample: row i of X holds feature i of
// every sample, row c of Y the one-hot target c.
func ExampleFillBatch() {
	d := datasets.XOR(1, 0, 1)
	idx := []int{0, 1, 2, 3}
	x := make([]float64, d.Features*len(idx))
	y := make([]float64, d.Targets()*len(idx))
	labels := make([]int, len(idx))
	datasets.FillBatch(d, idx, x, y, labels)
	fmt.Println("x₁:", x[0:4])
	fmt.Println("x₂:", x[4:8])
	fmt.Println("y₀:", y[0:4])
	fmt.Println("y₁:", y[4:8])
	fmt.Println("labels:", labels)
	// Output:
	// x₁: [0 0 1 1]
	// x₂: [0 1 0 1]
	// y₀: [1 0 0 1]
	// y₁: [0 1 1 0]
	// labels: [0 1 1 0]
}

// An epoch of shuffled mini-batches; the last, shorter batch is kept.
func ExampleSampler_Epoch() {
	d := datasets.Sine(10, 0.1, 7)
	s := datasets.NewSampler(d.Len(), 4, 42, false)
	b := datasets.NewBatch[float32](d, s.BatchSize())
	for i, idx := range s.Epoch(0) {
		b.Fill(d, idx) // b.X is 1×M, b.Y is 1×M
		fmt.Println(i, idx, b.M, len(b.X), len(b.Y))
	}
	// Output:
	// 0 [3 0 6 4] 4 4 4
	// 1 [7 9 5 1] 4 4 4
	// 2 [2 8] 2 2 2
}

func ExampleDataset_Split() {
	d := datasets.Spirals(100, 0.05, 1)
	train, val := d.Split(40)
	fmt.Println(train.Name, train.Len(), val.Name, val.Len())
	// Output:
	// spirals-train 160 spirals-val 40
}

func ExamplePermutation() {
	fmt.Println(datasets.Permutation(10, 1))
	// Output:
	// [0 5 2 3 1 4 8 7 6 9]
}

func ExampleLoadGoMNIST() {
	train, test, err := datasets.LoadGoMNIST()
	if err != nil {
		fmt.Println(err)
		return
	}
	train, val := train.Split(10000)
	fmt.Println(train.Len(), val.Len(), test.Len(), train.Shape, train.Classes, train.Labels[0])
	// Output:
	// 50000 10000 10000 [28 28] 10 5
}
