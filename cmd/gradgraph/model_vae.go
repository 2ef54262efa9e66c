package main

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gradgraph/gradgraph/models/vae"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/train"
)

// The defaults of `gradgraph train --model vae`: 784-400-(20)-400-784 on
// the 55000 MNIST training images not held out, 20 epochs of Adam at
// 0.001 in batches of 128 (some 8 s an epoch on two shared cores).
const (
	vaeEpochs = 20
	vaeBatch  = 128
	vaeEta    = 0.001
	vaeDecay  = 0
	vaeHidden = 400
	vaeLatent = 20
)

func init() {
	registerModel("vae", "a variational auto-encoder on MNIST, with generated digits and reconstructions",
		runDefaults{Epochs: vaeEpochs, Batch: vaeBatch, Eta: vaeEta, Decay: vaeDecay}, vaeSetup)
}

// vaeSetup declares the flags of `gradgraph train --model vae`, which
// trains the variational auto-encoder of package vae on MNIST, reports
// the ELBO per image of every epoch on the training and validation images
// and at the end on the test images, and draws digits decoded from the
// prior and test images next to their reconstructions.
func vaeSetup(fs *flagSet) buildFunc {
	data := addMNISTFlags(fs, 5000)
	hidden := fs.Int("hidden", vaeHidden, "units of the encoder's and the decoder's hidden layer")
	latent := fs.Int("latent", vaeLatent, "dimension of the latent code z")
	samples := fs.outputFlag("samples", "write a grid of 64 digits decoded from z ~ N(0, I) to this PNG `file`")
	recons := fs.outputFlag("reconstructions", "write 32 test images above their reconstructions to this PNG `file`")
	return func(c runConfig) (*modelRun, error) {
		switch {
		case *hidden <= 0 || *latent <= 0:
			return nil, usageErr("--hidden and --latent must be > 0")
		case *hidden > 1<<14 || *latent > 1<<12:
			return nil, usageErr("--hidden at most 16384, --latent at most 4096")
		}
		trainSet, valSet, testSet, err := data.load()
		if err != nil {
			return nil, err
		}
		side := int(math.Sqrt(float64(trainSet.Features)))
		if side*side != trainSet.Features && (*samples != "" || *recons != "") {
			return nil, usageErr("--samples and --reconstructions draw square images; the data's have %d pixels", trainSet.Features)
		}
		m, err := vae.New(vae.Config{Pixels: trainSet.Features, Hidden: *hidden, Latent: *latent, Batch: c.Batch, DType: c.DType, Seed: c.Seed})
		if err != nil {
			return nil, err
		}
		// The noise of each set has a stream of its own.
		var valData train.Data
		if valSet.Len() > 0 {
			valData = vae.Data(valSet, *latent, c.Seed+1)
		}
		arch := fmt.Sprintf("%d-%d-(%d)-%d-%d", m.Pixels, *hidden, *latent, *hidden, m.Pixels)
		num := strconv.Itoa
		return &modelRun{Model: m.Train, Train: vae.Data(trainSet, *latent, c.Seed), Val: valData,
			Describe: fmt.Sprintf("a VAE %s (%d parameters) on %d images (%d for validation)", arch, m.NumParams(), trainSet.Len(), valSet.Len()),
			Settings: append(data.settings(), train.Setting{Name: "hidden", Value: num(*hidden)}, train.Setting{Name: "latent", Value: num(*latent)}),
			Summary: map[string]any{"architecture": arch, "hidden": *hidden, "latent": *latent,
				"train_images": trainSet.Len(), "val_images": valSet.Len()},
			Metadata: map[string]string{"architecture": arch},
			EpochLine: func(e train.EpochStats) string {
				val := "n/a"
				if v := e.ValMetrics; v != nil {
					val = fmt.Sprintf("%.2f (reconstruction %.2f, KL %.2f)", v["elbo"], v["recon"], v["kl"])
				}
				return fmt.Sprintf("epoch %2d  ELBO %.2f  val ELBO %s  %.1fs", e.Epoch, -e.Loss, val, e.Seconds)
			},
			Report: func(t *train.Trainer) (map[string]any, string, error) {
				test, err := t.Evaluate(vae.Data(testSet, *latent, c.Seed+2))
				if err != nil {
					return nil, "", err
				}
				return map[string]any{"test_elbo": test["elbo"], "test_recon": test["recon"], "test_kl": test["kl"], "test_images": testSet.Len()},
					fmt.Sprintf("test ELBO %.2f nats per image (reconstruction %.2f, KL %.2f) on %d images", test["elbo"], test["recon"], test["kl"], testSet.Len()), nil
			},
			Plot: func(path string, batchLoss []float64, batches int, epochs []train.EpochStats) error {
				return plots.ELBOCurves(path, "VAE "+arch, batchLoss, batches, epochs)
			},
			After: func(*train.Trainer) (map[string]any, string, error) {
				if *samples != "" {
					digits, err := m.Sample(64, c.Seed)
					if err != nil {
						return nil, "", err
					}
					if err := vae.WritePNG(*samples, vae.Grid(digits, side, 8, 2, 2)); err != nil {
						return nil, "", fmt.Errorf("--samples: %v", err)
					}
				}
				if *recons != "" {
					idx := make([]int, min(32, testSet.Len()))
					for i := range idx {
						idx[i] = i
					}
					rec, err := m.Reconstruct(testSet, idx)
					if err != nil {
						return nil, "", err
					}
					orig := make([]float64, len(rec))
					for i := range orig {
						orig[i] = float64(testSet.X[i])
					}
					if err := vae.WritePNG(*recons, vae.Grid(vae.Pairs(orig, rec, m.Pixels, 8), side, 8, 2, 2)); err != nil {
						return nil, "", fmt.Errorf("--reconstructions: %v", err)
					}
				}
				return nil, "", nil
			},
		}, nil
	}
}
