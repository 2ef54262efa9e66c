// Command vae trains a small variational auto-encoder on 10000 MNIST
// images for four epochs, prints the ELBO per image of each epoch on
// 1000 held-out images, and draws a test digit next to its
// reconstruction in text. It runs in seconds: `gradgraph train --model
// vae` is the full run of docs/models.md.
package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/vae"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	// docs:begin train
	all, test, err := datasets.LoadGoMNIST() // the copy in the GoMNIST module: no network
	check(err)
	trainSet, val := all.Slice(0, 11000).Split(1000) // 10000 images to train on, 1000 to validate

	const latent = 8
	m, err := vae.New(vae.Config{Pixels: 784, Hidden: 200, Latent: latent, Batch: 100, DType: graph.Float32, Seed: 1})
	check(err)
	adam, err := solvers.New(solvers.Adam{Eta: 0.002, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	check(err)
	// The images and a standard normal ε per image, seeded per batch.
	tr, err := train.NewTrainer(m.Train, vae.Data(trainSet, latent, 1), vae.Data(val, latent, 2), adam,
		train.Options{BatchSize: 100, Seed: 1})
	check(err)
	tr.OnEpoch = func(e train.EpochStats) error {
		v := e.ValMetrics
		fmt.Printf("epoch %d  ELBO %.2f  val ELBO %.2f (reconstruction %.2f nats, KL %.2f)\n", e.Epoch, -e.Loss, v["elbo"], v["recon"], v["kl"])
		return nil
	}
	check(tr.Run(context.Background(), 4))
	// docs:end train

	// docs:begin draw
	// Test image 0 and the decoding of its mean code, side by side.
	rec, err := m.Reconstruct(test, []int{0})
	check(err)
	for y := 7; y < 28; y += 2 { // every other row (characters are tall), from the digit's top
		row := func(img func(i int) float64) string {
			var b strings.Builder
			for x := range 28 {
				b.WriteByte(" .:-=+*#%@"[min(9, int(10*img(y*28+x)))])
			}
			return b.String()
		}
		line := row(func(i int) float64 { return float64(test.X[i]) }) + "   " + row(func(i int) float64 { return rec[i] })
		fmt.Println(strings.TrimRight(line, " "))
	}
	// docs:end draw
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
