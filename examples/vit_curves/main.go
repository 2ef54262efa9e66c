// Command vit_curves does from Go what
//
//	gradgraph train --model vit --plot docs/img/vit_curves.png
//
// does from the shell: the default transformer run on all of MNIST (55000
// images to train on, 5000 to validate, Adam with η₀ = 0.0015 decaying
// exponentially, batches of 64), its epoch lines (without the timings)
// and the test accuracy, and the loss and accuracy curves. `go generate
// ./docs` runs it to redraw docs/img/vit_curves.png: it takes minutes,
// the time of the run that docs/models.md reports.
package main

import (
	"context"
	"fmt"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/models/vit"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// The defaults of gradgraph train --model vit (cmd/gradgraph/model_vit.go).
const (
	epochs  = 6
	batch   = 64
	eta     = 1.5e-3
	decay   = 1.5e-4
	dropout = 0
	seed    = 1
)

func main() {
	all, test, err := datasets.LoadGoMNIST()
	check(err)
	trainSet, val := all.Split(5000)
	net, err := vit.New(vit.Config{MaxBatch: batch, Seed: seed, Dropout: dropout})
	check(err)
	rule := solvers.NewAdam()
	rule.Eta = eta
	adam, err := solvers.New(rule, solvers.ExponentialSchedule(decay))
	check(err)
	t, err := train.NewTrainer(net.Model, train.Rows(trainSet), train.Rows(val), adam, train.Options{BatchSize: batch, Seed: seed})
	check(err)
	var batchLoss []float64
	batches := 0
	t.OnBatch = func(p train.Progress) {
		batchLoss = append(batchLoss, p.Loss)
		batches = p.Batches
	}
	t.OnEpoch = func(e train.EpochStats) error {
		fmt.Printf("epoch %2d  loss %.4f  val loss %.4f  val accuracy %.2f%%\n", e.Epoch, e.Loss, e.ValLoss, 100*e.ValAccuracy)
		return nil
	}
	check(t.Run(context.Background(), epochs))
	res, err := t.Evaluate(train.Rows(test))
	check(err)
	fmt.Printf("test accuracy %.2f%% (%d images)\n", 100*res["accuracy"], test.Len())
	check(plots.TrainingCurves(imgdir.Path("vit_curves.png"), "vit on MNIST", batchLoss, batches, t.History()))
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
