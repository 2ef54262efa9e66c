// Command vit trains the small vision transformer of models/vit on a few
// hundred MNIST images, in seconds, with the model-agnostic trainer: what
// `gradgraph train --model vit` does on all of them. See docs/models.md.
package main

import (
	"context"
	"fmt"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/models/vit"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	// docs:begin train
	all, test, err := datasets.LoadGoMNIST()
	check(err)
	trainSet, val := all.Slice(0, 600).Split(100)
	// Two blocks of width 32 instead of the default four of 64: seconds.
	net, err := vit.New(vit.Config{MaxBatch: 50, Seed: 1, Dim: 32, Heads: 4, Depth: 2, MLP: 64})
	check(err)
	adam, err := solvers.New(solvers.Adam{Eta: 2e-3, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	check(err)
	t, err := train.NewTrainer(net.Model, train.Rows(trainSet), train.Rows(val), adam, train.Options{BatchSize: 50, Seed: 1})
	check(err)
	t.OnEpoch = func(e train.EpochStats) error {
		fmt.Printf("epoch %d  loss %.4f  val accuracy %.0f%%\n", e.Epoch, e.Loss, 100*e.ValAccuracy)
		return nil
	}
	check(t.Run(context.Background(), 6))
	res, err := t.Evaluate(train.Rows(test.Slice(0, 1000)))
	check(err)
	fmt.Printf("test accuracy %.1f%% on 1000 images\n", 100*res["accuracy"])
	// docs:end train
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
