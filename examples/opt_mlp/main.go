// Command opt_mlp trains the same 2-16-16-2 tanh network, from the same
// initial weights, on a noisy XOR (200 points) with each of the eight update
// rules, full batch and with mini-batches of 20, and plots the cost curves.
package main

import (
	"fmt"
	"os"

	"gonum.org/v1/plot/vg"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/examples/internal/testfns"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

const (
	epochs = 200
	batch  = 20
)

// docs:begin rules
// The eight rules in the lecture's order, each with a learning rate tuned
// by hand for this network (a few values tried, the best kept).
var rules = []solvers.Rule{
	solvers.SGD{Eta: 0.5},
	solvers.Momentum{Eta: 0.1, Momentum: 0.9},
	solvers.Nesterov{Eta: 0.1, Momentum: 0.9},
	solvers.AdaGrad{Eta: 0.1, Delta: 1e-7},
	solvers.RMSProp{Eta: 0.01, Delta: 1e-6, Rho: 0.9},
	solvers.AdaDelta{Delta: 1e-6, Rho: 0.95},
	solvers.Adam{Eta: 0.01, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999},
	solvers.DeltaBarDelta{Eta: 0.1, Kappa: 0.01, Phi: 0.2, Theta: 0.7},
}

// docs:end rules

func main() {
	data := datasets.XOR(50, 0.25, 3)
	init := testfns.Must(mlp.New([]int{2, 16, 16, 2},
		[]mlp.Activation{mlp.Tanh, mlp.Tanh, mlp.Softmax}, mlp.CrossEntropy, tensor.Float64, 11))
	fullSeries, miniSeries := map[string]plots.Series{}, map[string]plots.Series{}
	fmt.Println("rule               full batch: cost  accuracy   M = 20: cost  accuracy")
	for _, rule := range rules {
		fc, fa, fs := train(init, data, rule, data.Len())
		mc, ma, ms := train(init, data, rule, batch)
		fmt.Printf("%-16s %18.4f %8.1f%% %14.4f %8.1f%%\n", rule.Name(), fc, fa, mc, ma)
		fullSeries[rule.Name()], miniSeries[rule.Name()] = fs, ms
	}
	left := testfns.Must(plots.Lines("full batch (M = 200): one step per epoch", "epoch", "training cost (log scale)", true, testfns.ByRule(fullSeries)...))
	right := testfns.Must(plots.Lines("mini-batches of M = 20: ten steps per epoch", "epoch", "training cost (log scale)", true, testfns.ByRule(miniSeries)...))
	if err := plots.Save(imgdir.Path("opt_mlp.png"), 14*vg.Inch, 6*vg.Inch, left, right); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// docs:begin train
// train copies the initial network, trains it for the given epochs with
// rule on batches of m samples, and returns the final full-batch cost and
// accuracy (%), and the full-batch cost after every epoch.
func train(init *mlp.Network, data *datasets.Dataset, rule solvers.Rule, m int) (float64, float64, plots.Series) {
	mg := testfns.Must(mlp.Build(init.Clone(), m))
	prog := testfns.Must(mg.TrainProgram())
	sol := testfns.Must(solvers.New(rule, solvers.Schedule{}))
	b := datasets.NewBatch[float64](data, m)
	sampler := datasets.NewSampler(data.Len(), m, 5, true)
	curve := plots.Series{Name: rule.Name()}
	for epoch := range epochs {
		for _, idx := range sampler.Epoch(epoch) {
			b.Fill(data, idx)
			_ = mg.Input.SetFloat64s(b.X)
			_ = mg.Target.SetFloat64s(b.Y)
			prog.Run()
			if err := sol.Step(mg.Params(), mg.Grads()); err != nil {
				panic(err)
			}
		}
		cost, _ := evaluate(mg.Network(), data)
		curve.X, curve.Y = append(curve.X, float64(epoch+1)), append(curve.Y, cost)
	}
	cost, acc := evaluate(mg.Network(), data)
	return cost, acc, curve
}

// docs:end train

// evaluate returns the full-batch cost and accuracy (%) of net on data.
func evaluate(net *mlp.Network, data *datasets.Dataset) (float64, float64) {
	all := make([]int, data.Len())
	for i := range all {
		all[i] = i
	}
	b := datasets.NewBatch[float64](data, len(all))
	b.Fill(data, all)
	x := tensor.New(tensor.WithShape(b.Features, b.M), tensor.WithBacking(b.X))
	y := tensor.New(tensor.WithShape(b.Targets, b.M), tensor.WithBacking(b.Y))
	cost := testfns.Must(net.BatchCost(x, y))
	out := testfns.Must(net.Forward(x))
	a := mlp.Float64s(out)
	right := 0
	for k, label := range b.Labels {
		if (a[k] < a[b.M+k]) == (label == 1) {
			right++
		}
	}
	return cost, 100 * float64(right) / float64(b.M)
}
