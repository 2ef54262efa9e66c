// Command vae_curves does from Go what
//
//	gradgraph train --model vae --plot docs/img/vae_curves.png \
//	    --samples docs/img/vae_samples.png --reconstructions docs/img/vae_reconstructions.png
//
// does from the shell, with the command's defaults: it trains the VAE
// 784-400-(20)-400-784 on 55000 MNIST training images (the last 5000 held
// out for validation) for 20 epochs of Adam in batches of 128, draws the
// ELBO curves, 64 digits decoded from codes drawn from the prior, and 32
// test images above their reconstructions. It takes minutes: `go generate
// ./docs` runs it to redraw those pictures in docs/img.
package main

import (
	"context"
	"fmt"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/models/vae"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	all, test, err := datasets.LoadGoMNIST()
	check(err)
	trainSet, val := all.Split(5000) // --val 5000
	const latent, batch, seed = 20, 128, 1
	m, err := vae.New(vae.Config{Pixels: 784, Hidden: 400, Latent: latent, Batch: batch, DType: graph.Float32, Seed: seed})
	check(err)
	adam, err := solvers.New(solvers.Adam{Eta: 0.001, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.ConstantSchedule())
	check(err)
	// The noise of each set has a stream of its own: seed, seed + 1, seed + 2.
	tr, err := train.NewTrainer(m.Train, vae.Data(trainSet, latent, seed), vae.Data(val, latent, seed+1), adam,
		train.Options{BatchSize: batch, Seed: seed})
	check(err)
	var batchLoss []float64
	batches := 0
	tr.OnBatch = func(p train.Progress) {
		batchLoss = append(batchLoss, p.Loss)
		batches = p.Batches
	}
	tr.OnEpoch = func(e train.EpochStats) error {
		v := e.ValMetrics
		fmt.Printf("epoch %2d  ELBO %.2f  val ELBO %.2f (reconstruction %.2f, KL %.2f)  %.1fs\n", e.Epoch, -e.Loss, v["elbo"], v["recon"], v["kl"], e.Seconds)
		return nil
	}
	check(tr.Run(context.Background(), 20))
	res, err := tr.Evaluate(vae.Data(test, latent, seed+2))
	check(err)
	fmt.Printf("test ELBO %.2f nats per image (reconstruction %.2f, KL %.2f) on %d images\n", res["elbo"], res["recon"], res["kl"], test.Len())

	check(plots.ELBOCurves(imgdir.Path("vae_curves.png"), "VAE 784-400-(20)-400-784", batchLoss, batches, tr.History()))
	digits, err := m.Sample(64, seed)
	check(err)
	check(vae.WritePNG(imgdir.Path("vae_samples.png"), vae.Grid(digits, 28, 8, 2, 2)))
	idx := make([]int, 32)
	for i := range idx {
		idx[i] = i
	}
	rec, err := m.Reconstruct(test, idx)
	check(err)
	orig := make([]float64, len(rec))
	for i := range orig {
		orig[i] = float64(test.X[i])
	}
	check(vae.WritePNG(imgdir.Path("vae_reconstructions.png"), vae.Grid(vae.Pairs(orig, rec, 784, 8), 28, 8, 2, 2)))
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
