package train

import (
	"fmt"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/models/mlp"
)

// evalBatch is the largest batch of Accuracy's own graph.
const evalBatch = 1000

// Accuracy returns the fraction of d's samples that the loop's current
// network classifies correctly (its largest output is their label).
func (l *Loop) Accuracy(d *datasets.Dataset) (float64, error) {
	if d.Classes == 0 {
		return 0, fmt.Errorf("train: accuracy needs a classification set, %s has real targets", d.Name)
	}
	res, err := l.Evaluate(Columns(d))
	if err != nil {
		return 0, err
	}
	return res["accuracy"], nil
}

// Accuracy returns the fraction of d's samples that net classifies
// correctly.
func Accuracy(net *mlp.Network, d *datasets.Dataset) (float64, error) {
	if d.Classes == 0 {
		return 0, fmt.Errorf("train: accuracy needs a classification set, %s has real targets", d.Name)
	}
	mg, err := mlp.Build(net, min(evalBatch, max(1, d.Len())))
	if err != nil {
		return 0, err
	}
	res, err := Evaluate(mlpModel(mg), Columns(d))
	if err != nil {
		return 0, err
	}
	return res["accuracy"], nil
}

// SetParams copies net's weights and biases into the loop's parameters;
// net must have the loop network's sizes, activations and cost.
func (l *Loop) SetParams(net *mlp.Network) error {
	cur := l.Network()
	want := cur.Sizes()
	got := net.Sizes()
	if fmt.Sprint(want) != fmt.Sprint(got) || net.Cost != cur.Cost {
		return fmt.Errorf("network %v with cost %s, want %v with cost %s", got, net.Cost, want, cur.Cost)
	}
	for j, layer := range net.Layers {
		if layer.Activation != cur.Layers[j].Activation {
			return fmt.Errorf("layers[%d].activation: %s, want %s", j, layer.Activation, cur.Layers[j].Activation)
		}
		if err := l.mg.Weights[j].Set(layer.Weights); err != nil {
			return err
		}
		if err := l.mg.Biases[j].Set(layer.Bias); err != nil {
			return err
		}
	}
	return nil
}
