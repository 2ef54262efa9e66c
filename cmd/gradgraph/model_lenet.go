package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gradgraph/gradgraph/models/lenet"
	"github.com/gradgraph/gradgraph/train"
)

// The defaults of `gradgraph train --model lenet`, measured to reach 99 %
// on MNIST's test set in well under five minutes on two cores (see
// docs/models.md).
const (
	lenetEpochs  = 8
	lenetEta     = 2e-3
	lenetDecay   = 5e-4
	lenetDropout = 0.25
)

func init() {
	registerModel("lenet", "a LeNet-style CNN on MNIST: two 5×5 convolutions with max-pooling, three dense layers, dropout",
		runDefaults{Epochs: lenetEpochs, Batch: 128, Eta: lenetEta, Decay: lenetDecay},
		func(fs *flagSet) buildFunc {
			data := addMNISTFlags(fs, 5000)
			channels := fs.String("channels", fmt.Sprintf("%d,%d", lenet.DefaultConv1, lenet.DefaultConv2), "channels of the two convolutions, comma-separated")
			hidden := fs.String("hidden", fmt.Sprintf("%d,%d", lenet.DefaultHidden1, lenet.DefaultHidden2), "widths of the two hidden dense layers, comma-separated")
			dropout := fs.Float64("dropout", lenetDropout, "ratio of the units dropped after each hidden dense layer in training, in [0, 1)")
			return func(c runConfig) (*modelRun, error) {
				cfg := lenet.Config{MaxBatch: c.Batch, DType: c.DType, Dropout: *dropout, Seed: c.Seed}
				var err error
				if cfg.Conv1, cfg.Conv2, err = twoSizes("channels", *channels); err != nil {
					return nil, err
				}
				if cfg.Hidden1, cfg.Hidden2, err = twoSizes("hidden", *hidden); err != nil {
					return nil, err
				}
				if !(cfg.Dropout >= 0 && cfg.Dropout < 1) {
					return nil, usageErr("--dropout: %g, want a ratio in [0, 1)", cfg.Dropout)
				}
				if err := cfg.Validate(); err != nil {
					return nil, usageErr("%s", strings.TrimPrefix(err.Error(), "lenet: "))
				}
				trainSet, valSet, testSet, err := data.load()
				if err != nil {
					return nil, err
				}
				net, err := lenet.New(cfg)
				if err != nil {
					return nil, err
				}
				arch := cfg.Describe()
				settings := append(data.settings(), train.Setting{Name: "channels", Value: fmt.Sprintf("%d,%d", cfg.Conv1, cfg.Conv2)},
					train.Setting{Name: "hidden", Value: fmt.Sprintf("%d,%d", cfg.Hidden1, cfg.Hidden2)},
					train.Setting{Name: "dropout", Value: strconv.FormatFloat(cfg.Dropout, 'g', -1, 64)})
				return &modelRun{Model: net.Model, Train: train.Rows(trainSet), Val: rowsOrNil(valSet),
					Describe: fmt.Sprintf("lenet %s, dropout %g, on %d images (%d for validation)", arch, cfg.Dropout, trainSet.Len(), valSet.Len()),
					Settings: settings, Report: testAccuracy(testSet), Metadata: map[string]string{"architecture": arch}, PlotTitle: "lenet " + arch + " on MNIST",
					Summary: map[string]any{"architecture": arch, "dropout": cfg.Dropout, "train_images": trainSet.Len(), "val_images": valSet.Len()}}, nil
			}
		})
}

// twoSizes parses --name "a,b" into two positive sizes.
func twoSizes(name, s string) (int, int, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return 0, 0, usageErr("--%s: %q, want two sizes, comma-separated", name, s)
	}
	var v [2]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 || n > lenet.MaxSize {
			return 0, 0, usageErr("--%s: %q is not a size in 1 … %d", name, p, lenet.MaxSize)
		}
		v[i] = n
	}
	return v[0], v[1], nil
}
