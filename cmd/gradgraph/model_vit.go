package main

import (
	"fmt"
	"strconv"

	"github.com/gradgraph/gradgraph/models/vit"
	"github.com/gradgraph/gradgraph/train"
)

// The defaults of `gradgraph train --model vit`, measured to reach 97 %
// on MNIST's test set in under five minutes on two cores (see
// docs/models.md). Batches of 64 take as long an epoch as batches of 128
// and learn more from it; dropout (0.1 tried) did not raise the test
// accuracy of six epochs, which is limited by the 16 coarse tokens.
const (
	vitEpochs  = 6
	vitBatch   = 64
	vitEta     = 1.5e-3
	vitDecay   = 1.5e-4
	vitDropout = 0
)

func init() {
	registerModel("vit", "a small vision transformer on MNIST: 7×7 patches as tokens, multi-head self-attention, GELU MLPs",
		runDefaults{Epochs: vitEpochs, Batch: vitBatch, Eta: vitEta, Decay: vitDecay},
		func(fs *flagSet) buildFunc {
			data := addMNISTFlags(fs, 5000)
			patch := fs.Int("patch", vit.DefaultPatch, "side of the square patches, a divisor of 28 (tokens: (28/patch)²)")
			dim := fs.Int("dim", vit.DefaultDim, "width of a token")
			heads := fs.Int("heads", vit.DefaultHeads, "attention heads, a divisor of --dim")
			depth := fs.Int("depth", vit.DefaultDepth, "transformer blocks")
			mlp := fs.Int("mlp", vit.DefaultMLP, "hidden width of each block's MLP")
			dropout := fs.Float64("dropout", vitDropout, "ratio of the values dropped in training from each attention's and MLP's output, in [0, 1)")
			return func(c runConfig) (*modelRun, error) {
				cfg := vit.Config{MaxBatch: c.Batch, DType: c.DType, Seed: c.Seed, Patch: *patch, Dim: *dim, Heads: *heads, Depth: *depth, MLP: *mlp,
					Dropout: *dropout}
				if !(cfg.Dropout >= 0 && cfg.Dropout < 1) {
					return nil, usageErr("--dropout: %g, want a ratio in [0, 1)", cfg.Dropout)
				}
				for _, f := range []struct {
					name string
					v    int
				}{{"patch", *patch}, {"dim", *dim}, {"heads", *heads}, {"depth", *depth}, {"mlp", *mlp}} {
					if f.v <= 0 || f.v > vit.MaxSize {
						return nil, usageErr("--%s: %d, want a size in 1 … %d", f.name, f.v, vit.MaxSize)
					}
				}
				if vit.Side%*patch != 0 {
					return nil, usageErr("--patch: %d, want a divisor of %d", *patch, vit.Side)
				}
				if *dim%*heads != 0 {
					return nil, usageErr("--heads: %d does not divide --dim %d", *heads, *dim)
				}
				if err := cfg.Validate(); err != nil {
					return nil, err
				}
				trainSet, valSet, testSet, err := data.load()
				if err != nil {
					return nil, err
				}
				net, err := vit.New(cfg)
				if err != nil {
					return nil, err
				}
				arch := cfg.Describe()
				num := strconv.Itoa
				settings := append(data.settings(), train.Setting{Name: "patch", Value: num(*patch)}, train.Setting{Name: "dim", Value: num(*dim)},
					train.Setting{Name: "heads", Value: num(*heads)}, train.Setting{Name: "depth", Value: num(*depth)}, train.Setting{Name: "mlp", Value: num(*mlp)},
					train.Setting{Name: "dropout", Value: strconv.FormatFloat(cfg.Dropout, 'g', -1, 64)})
				return &modelRun{Model: net.Model, Train: train.Rows(trainSet), Val: rowsOrNil(valSet),
					Describe: fmt.Sprintf("vit, %s%s, on %d images (%d for validation)", arch, dropoutNote(cfg.Dropout), trainSet.Len(), valSet.Len()),
					Settings: settings, Report: testAccuracy(testSet), Metadata: map[string]string{"architecture": arch}, PlotTitle: "vit on MNIST",
					Summary: map[string]any{"architecture": arch, "dropout": cfg.Dropout, "train_images": trainSet.Len(), "val_images": valSet.Len()}}, nil
			}
		})
}

// dropoutNote is ", dropout r" for a ratio r > 0, "" for none.
func dropoutNote(r float64) string {
	if r == 0 {
		return ""
	}
	return fmt.Sprintf(", dropout %g", r)
}
