// Command mnist_curves does from Go what
//
//	gradgraph train --limit 10000 --epochs 3 --plot docs/img/mnist_curves.png
//
// does from the shell: it trains the default network 784-256-128-10 (ReLU,
// softmax, cross-entropy, Adam) on the first 10000 MNIST training images,
// 5000 of them held out for validation, and draws the loss and accuracy
// curves, with the same epoch lines and the same picture. `go generate
// ./docs` runs it to redraw docs/img/mnist_curves.png.
package main

import (
	"context"
	"fmt"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	// docs:begin loop
	all, test, err := datasets.LoadGoMNIST() // the copy in the GoMNIST module: no network
	check(err)
	trainSet, val := all.Slice(0, 10000).Split(5000) // --limit 10000, --val 5000
	net, err := mlp.New([]int{784, 256, 128, 10},
		[]mlp.Activation{mlp.ReLU, mlp.ReLU, mlp.Softmax}, mlp.CrossEntropy, tensor.Float32, 1) // --seed 1
	check(err)
	// η₀ = 0.001 decaying as η₀·exp(−k·3e-4): gradgraph train's default
	adam, err := solvers.New(solvers.NewAdam(), solvers.ExponentialSchedule(3e-4))
	check(err)
	loop, err := train.New(net, trainSet, val, adam, train.Options{BatchSize: 128, Seed: 1})
	check(err)

	var batchLoss []float64 // the cost of every batch, for the faint curve
	batches := 0
	loop.OnBatch = func(p train.Progress) {
		batchLoss = append(batchLoss, p.Loss)
		batches = p.Batches
	}
	loop.OnEpoch = func(e train.EpochStats) error {
		fmt.Printf("epoch %2d  loss %.4f  val accuracy %.2f%%\n", e.Epoch, e.Loss, 100*e.ValAccuracy)
		return nil
	}
	check(loop.Run(context.Background(), 3))
	acc, err := loop.Accuracy(test)
	check(err)
	fmt.Printf("test accuracy %.2f%% (%d images)\n", 100*acc, test.Len())
	check(plots.TrainingCurves(imgdir.Path("mnist_curves.png"), "784-256-128-10 adam on MNIST",
		batchLoss, batches, loop.History()))
	// docs:end loop
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
