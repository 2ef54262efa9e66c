package vae_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/vae"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// bars is a data set of side × side images, each one or two full
// horizontal or vertical bars (with some grey), which a small VAE learns
// in seconds.
func bars(n, side int, seed uint64) *datasets.Dataset {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &datasets.Dataset{Name: "bars", Features: side * side, Shape: []int{side, side}, Classes: 2,
		X: make([]float32, n*side*side), Labels: make([]uint8, n)}
	for k := range n {
		img := d.X[k*side*side : (k+1)*side*side]
		vertical := r.IntN(2) == 1
		d.Labels[k] = uint8(r.IntN(2))
		for range 1 + r.IntN(2) {
			b := r.IntN(side)
			v := float32(0.6 + 0.4*r.Float64())
			for i := range side {
				if vertical {
					img[i*side+b] = v
				} else {
					img[b*side+i] = v
				}
			}
		}
	}
	return d
}

func tiny(dt graph.DType, batch int) vae.Config {
	return vae.Config{Pixels: 9, Hidden: 5, Latent: 2, Batch: batch, DType: dt, Seed: 4}
}

// TestGradientsMatchFiniteDifferences: autodiff's gradient of the
// negative ELBO with respect to every parameter agrees with central
// differences, in float64.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	m, err := vae.New(tiny(graph.Float64, 3))
	require.NoError(t, err)
	require.NoError(t, vae.Data(bars(3, 3, 1), 2, 5).Fill(m.Train.Inputs, []int{0, 1, 2}))
	diffs, err := autodiff.Check(m.Loss, m.Params(), 1e-6)
	require.NoError(t, err)
	require.Len(t, diffs, 10)
	for _, d := range diffs {
		assert.Lessf(t, d.MaxRel, 1e-7, "%s: autodiff and finite differences differ by %g", d.Node.Name(), d.MaxAbs)
	}
}

// reference computes the terms of the negative ELBO of one image x with
// noise eps by hand, in float64, from the model's parameters: the
// reconstruction's binary cross-entropy and the KL divergence.
func reference(m *vae.Model, x, eps []float64) (recon, kl float64) {
	val := func(n *graph.Node) []float64 {
		v := n.Storage()
		out := make([]float64, v.Len())
		for i := range out {
			out[i] = v.At(i)
		}
		return out
	}
	layer := func(in []float64, w, b *graph.Node, relu bool) []float64 {
		W, B := val(w), val(b)
		out := make([]float64, len(B))
		for j := range out {
			s := B[j]
			for i, xi := range in {
				s += xi * W[i*len(B)+j]
			}
			if relu && s < 0 {
				s = 0
			}
			out[j] = s
		}
		return out
	}
	h := layer(x, m.EncW, m.EncB, true)
	mu, lv := layer(h, m.MuW, m.MuB, false), layer(h, m.LogVarW, m.LogVarB, false)
	z := make([]float64, len(mu))
	for i := range z {
		z[i] = mu[i] + math.Exp(lv[i]/2)*eps[i]
		kl += 0.5 * (mu[i]*mu[i] + math.Exp(lv[i]) - lv[i] - 1)
	}
	logits := layer(layer(z, m.DecW, m.DecB, true), m.OutW, m.OutB, false)
	for i, l := range logits {
		// −[x log σ(l) + (1 − x) log(1 − σ(l))]
		p := 1 / (1 + math.Exp(-l))
		recon -= x[i]*math.Log(p) + (1-x[i])*math.Log(1-p)
	}
	return recon, kl
}

// referenceMean is the mean of the negative ELBO and its terms over the
// samples of d, filled by data batch by batch as the trainer's evaluation
// takes them (in order, batches of size).
func referenceMean(t *testing.T, m *vae.Model, d *datasets.Dataset, data train.Data, size int) (loss, recon, kl float64) {
	for lo := 0; lo < d.Len(); lo += size {
		idx := []int{}
		for k := lo; k < min(d.Len(), lo+size); k++ {
			idx = append(idx, k)
		}
		require.NoError(t, data.Fill(m.Train.Inputs, idx))
		for j := range idx {
			x, e := make([]float64, m.Pixels), make([]float64, m.Latent)
			for i := range x {
				x[i] = m.Images.Storage().At(j*m.Pixels + i)
			}
			for i := range e {
				e[i] = m.Noise.Storage().At(j*m.Latent + i)
			}
			r, k := reference(m, x, e)
			recon += r
			kl += k
		}
	}
	n := float64(d.Len())
	return (recon + kl) / n, recon / n, kl / n
}

// TestLossIsTheNegativeELBO: the graph's loss and its terms equal a
// forward pass written out by hand, and the ELBO is its negation.
func TestLossIsTheNegativeELBO(t *testing.T) {
	m, err := vae.New(tiny(graph.Float64, 4))
	require.NoError(t, err)
	d := bars(4, 3, 2)
	data := vae.Data(d, 2, 6)
	require.NoError(t, data.Fill(m.Train.Inputs, []int{0, 1, 2, 3}))
	p, err := m.Graph.Compile(m.Loss, m.Recon, m.KL, m.ELBO)
	require.NoError(t, err)
	p.Run()
	require.NoError(t, p.Err())
	loss, recon, kl := referenceMean(t, m, d, data, 4)
	assert.InDelta(t, loss, m.Loss.Scalar(), 1e-12)
	assert.InDelta(t, recon, m.Recon.Scalar(), 1e-12)
	assert.InDelta(t, kl, m.KL.Scalar(), 1e-12)
	assert.Equal(t, -m.Loss.Scalar(), m.ELBO.Scalar())
	assert.Greater(t, kl, 0.0)
}

// TestShortBatchGradientsEqualASmallerGraphs: the step program built for
// batches of 5 and run on 3 images (an epoch's short last batch) gives
// the loss and gradients of the model built for batches of 3.
func TestShortBatchGradientsEqualASmallerGraphs(t *testing.T) {
	grads := func(batch int) [][]float64 {
		m, err := vae.New(tiny(graph.Float64, batch))
		require.NoError(t, err)
		require.NoError(t, vae.Data(bars(3, 3, 1), 2, 5).Fill(m.Train.Inputs, []int{2, 0, 1}))
		gs, err := autodiff.Grad(m.Loss, m.Params()...)
		require.NoError(t, err)
		p, err := m.Graph.Compile(append([]*graph.Node{m.Loss}, gs...)...)
		require.NoError(t, err)
		p.Run()
		require.NoError(t, p.Err())
		out := [][]float64{{m.Loss.Scalar()}}
		for _, g := range gs {
			out = append(out, append([]float64(nil), g.Float64s()...))
		}
		return out
	}
	want, got := grads(3), grads(5)
	for i := range want {
		assert.InDeltaSlice(t, want[i], got[i], 1e-13, "output %d", i)
	}
}

// TestNoiseIsSeededPerBatch: the noise of a batch depends on the seed and
// the batch's indices in order, is the same in float32 and float64, and
// looks standard normal.
func TestNoiseIsSeededPerBatch(t *testing.T) {
	d := bars(300, 3, 3)
	noise := func(dt graph.DType, seed uint64, idx []int) []float64 {
		m, err := vae.New(vae.Config{Pixels: 9, Hidden: 2, Latent: 7, Batch: 300, DType: dt, Seed: 1})
		require.NoError(t, err)
		require.NoError(t, vae.Data(d, 7, seed).Fill(m.Train.Inputs, idx))
		v := m.Noise.Storage()
		out := make([]float64, v.Len())
		for i := range out {
			out[i] = v.At(i)
		}
		return out
	}
	a := noise(graph.Float64, 1, []int{4, 5, 6})
	assert.Equal(t, a, noise(graph.Float64, 1, []int{4, 5, 6}), "the same batch, the same noise")
	assert.NotEqual(t, a, noise(graph.Float64, 2, []int{4, 5, 6}), "another seed")
	assert.NotEqual(t, a, noise(graph.Float64, 1, []int{5, 4, 6}), "another order: another batch")
	for i, x := range noise(graph.Float32, 1, []int{4, 5, 6}) {
		assert.Equal(t, float64(float32(a[i])), x, "float32 rounds the float64 draws")
	}
	all := make([]int, 300)
	for i := range all {
		all[i] = i
	}
	var sum, sq float64
	xs := noise(graph.Float64, 9, all)
	for _, x := range xs {
		sum += x
		sq += x * x
	}
	mean := sum / float64(len(xs))
	// 2100 draws: the standard error of the mean is 0.022, of the variance 0.03.
	assert.InDelta(t, 0, mean, 0.08)
	assert.InDelta(t, 1, sq/float64(len(xs))-mean*mean, 0.12)
}

func newTrainer(t *testing.T, trainSet, val *datasets.Dataset, ckpt string) (*vae.Model, *train.Trainer) {
	c := vae.Config{Pixels: 16, Hidden: 32, Latent: 4, Batch: 32, DType: graph.Float32, Seed: 1}
	m, err := vae.New(c)
	require.NoError(t, err)
	opt, err := solvers.New(solvers.Adam{Eta: 0.01, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	require.NoError(t, err)
	tr, err := train.NewTrainer(m.Train, vae.Data(trainSet, c.Latent, 7), vae.Data(val, c.Latent, 8), opt,
		train.Options{BatchSize: 32, Seed: 2, Checkpoint: ckpt})
	require.NoError(t, err)
	return m, tr
}

// TestTrainerLearnsAndResumesBitIdentical trains on 300 images (9 batches
// of 32 and a short one of 12 an epoch), checks that the validation ELBO
// rises, and that a run resumed from the checkpoint of epoch 2 ends with
// the weights and history of the uninterrupted run, bit for bit — the
// noise included.
func TestTrainerLearnsAndResumesBitIdentical(t *testing.T) {
	trainSet, val := bars(300, 4, 1), bars(70, 4, 2)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.ckpt")
	_, straight := newTrainer(t, trainSet, val, ckpt)
	steps := 0
	straight.OnBatch = func(train.Progress) { steps++ }
	require.NoError(t, straight.Run(context.Background(), 2))
	assert.Equal(t, 2*10, steps)
	saved, err := os.ReadFile(ckpt)
	require.NoError(t, err)
	require.NoError(t, straight.Run(context.Background(), 12))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "epoch2.ckpt"), saved, 0o644))
	_, resumed := newTrainer(t, trainSet, val, "")
	require.NoError(t, resumed.Resume(filepath.Join(dir, "epoch2.ckpt")))
	require.NoError(t, resumed.Run(context.Background(), 12))
	for i, p := range straight.Model().Params {
		assert.Equalf(t, p.Float32s(), resumed.Model().Params[i].Float32s(), "%s, bit for bit", p.Name())
	}
	h, hr := straight.History(), resumed.History()
	for e := range h {
		h[e].Seconds, hr[e].Seconds = 0, 0
	}
	assert.Equal(t, h, hr)

	first, last := h[0].ValMetrics, h[len(h)-1].ValMetrics
	t.Logf("validation ELBO %.3f after 1 epoch, %.3f after %d (recon %.3f, KL %.3f)", first["elbo"], last["elbo"], len(h), last["recon"], last["kl"])
	assert.Greater(t, last["elbo"], first["elbo"]+1, "the ELBO rises")
	assert.InDelta(t, last["loss"], last["recon"]+last["kl"], 1e-5)
	assert.InDelta(t, -last["loss"], last["elbo"], 1e-5)
}

// TestEvaluateIsTheMeanOverImages: the trainer's evaluation of 70 images
// (batches of 32, 32 and 6) equals the mean of the per-image negative
// ELBO computed by hand with the same noise.
func TestEvaluateIsTheMeanOverImages(t *testing.T) {
	trainSet, val := bars(100, 4, 1), bars(70, 4, 2)
	m, tr := newTrainer(t, trainSet, val, "")
	require.NoError(t, tr.Run(context.Background(), 2))
	data := vae.Data(val, m.Latent, 8)
	got, err := tr.Evaluate(data)
	require.NoError(t, err)
	loss, recon, kl := referenceMean(t, m, val, data, 32)
	assert.InDelta(t, loss, got["loss"], 1e-4*loss)
	assert.InDelta(t, recon, got["recon"], 1e-4*recon)
	assert.InDelta(t, kl, got["kl"], 1e-4*kl+1e-6)
}

// TestSampleAndReconstruct: samples are seeded probabilities, and
// reconstructions decode the mean code, in batches of at most Batch.
func TestSampleAndReconstruct(t *testing.T) {
	m, err := vae.New(tiny(graph.Float64, 2))
	require.NoError(t, err)
	a, err := m.Sample(5, 1)
	require.NoError(t, err)
	require.Len(t, a, 5*9)
	b, err := m.Sample(5, 1)
	require.NoError(t, err)
	assert.Equal(t, a, b)
	c, err := m.Sample(5, 2)
	require.NoError(t, err)
	assert.NotEqual(t, a, c)
	for _, p := range a {
		assert.True(t, p > 0 && p < 1)
	}

	d := bars(5, 3, 4)
	rec, err := m.Reconstruct(d, []int{4, 0, 3})
	require.NoError(t, err)
	require.Len(t, rec, 3*9)
	// The decoding of μ is the reference's with zero noise.
	img := make([]float64, 9)
	for i := range img {
		img[i] = float64(d.X[4*9+i])
	}
	require.NoError(t, m.Noise.SetBatch(1))
	require.NoError(t, m.Images.SetBatch(1))
	copy(m.Images.Float64s(), img)
	clear(m.Noise.Float64s())
	p, err := m.Graph.Compile(m.Logits)
	require.NoError(t, err)
	p.Run()
	for i, l := range m.Logits.Float64s() {
		assert.InDelta(t, 1/(1+math.Exp(-l)), rec[i], 1e-15)
	}
	_, err = m.Reconstruct(d, []int{5})
	assert.EqualError(t, err, "vae: image 5 of 5")
}

// TestGridLaysImagesOut: a 2 × 2 image scaled by 2 in a grid of 2
// columns with a gap of 1.
func TestGridLaysImagesOut(t *testing.T) {
	img := vae.Grid([]float64{0, 1, 0.5, 0, 1, 1, 1, 1, 0, 0, 0, 0}, 2, 2, 2, 1)
	require.Equal(t, 1+2*(4+1), img.Bounds().Dx())
	require.Equal(t, 1+2*(4+1), img.Bounds().Dy(), "3 images in 2 columns: 2 rows")
	assert.Equal(t, uint8(128), img.GrayAt(0, 0).Y, "the gap")
	assert.Equal(t, uint8(0), img.GrayAt(1, 1).Y)
	assert.Equal(t, uint8(255), img.GrayAt(3, 2).Y, "image 0, pixel (0, 1), scaled")
	assert.Equal(t, uint8(128), img.GrayAt(2, 3).Y, "image 0, pixel (1, 0): 0.5")
	assert.Equal(t, uint8(255), img.GrayAt(6, 1).Y, "image 1")
	assert.Equal(t, uint8(0), img.GrayAt(6, 6).Y, "image 2")
	assert.Equal(t, uint8(0), img.GrayAt(9, 9).Y, "no image 3: black")
	assert.Equal(t, []float64{1, 2, 9, 8, 3, 7}, vae.Pairs([]float64{1, 2, 3}, []float64{9, 8, 7}, 1, 2))
}

func TestNewRejectsBadConfigs(t *testing.T) {
	_, err := vae.New(vae.Config{Pixels: 4, Hidden: 0, Latent: 2, Batch: 1, DType: graph.Float32})
	assert.EqualError(t, err, "vae: 4 pixels, hidden width 0 and latent dimension 2, want each ≥ 1")
	_, err = vae.New(vae.Config{Pixels: 4, Hidden: 3, Latent: 2, Batch: 0, DType: graph.Float32})
	assert.EqualError(t, err, "vae: batch 0, want ≥ 1")
	_, err = vae.New(vae.Config{Pixels: 4, Hidden: 3, Latent: 2, Batch: 1, DType: graph.Bool})
	assert.EqualError(t, err, "vae: dtype bool, want float32 or float64")
}
