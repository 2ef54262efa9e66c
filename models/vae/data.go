package vae

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/train"
)

// Data feeds a model the images of d (pixels in [0, 1]) and, for each, a
// standard normal noise ε of latent dimensions, drawn from a stream keyed
// by the seed and the batch's sample indices in order. A Trainer's batch b
// of epoch e is a function of its seed, e and b, so the noise is too: a
// resumed run draws the same ε as an uninterrupted one, bit for bit, and
// every epoch draws new ε (its batches differ). Evaluation, which takes
// the samples in order, draws the same ε at every call, so two epochs'
// validation ELBOs differ by the model only.
func Data(d *datasets.Dataset, latent int, seed uint64) train.Data {
	return data{d: d, latent: latent, seed: seed}
}

type data struct {
	d      *datasets.Dataset
	latent int
	seed   uint64
}

func (n data) Len() int { return n.d.Len() }

func (n data) Fingerprint() string {
	return fmt.Sprintf("%s/noise%d/latent%d", n.d.Fingerprint(), n.seed, n.latent)
}

func (n data) Fill(inputs []*graph.Node, idx []int) error {
	if len(inputs) != 2 {
		return fmt.Errorf("vae: data of %s fill 2 inputs (images, noise), the model has %d", n.d.Name, len(inputs))
	}
	x, eps := inputs[0], inputs[1]
	for _, in := range inputs {
		if err := in.SetBatch(len(idx)); err != nil {
			return fmt.Errorf("vae: %w", err)
		}
	}
	if x.Storage().Len() != n.d.Features*len(idx) || eps.Storage().Len() != n.latent*len(idx) {
		return fmt.Errorf("vae: inputs %s and %s do not take %d pixels and %d noise values a sample", x.Name(), eps.Name(), n.d.Features, n.latent)
	}
	for _, i := range idx {
		if i < 0 || i >= n.d.Len() {
			return fmt.Errorf("vae: sample %d of %d", i, n.d.Len())
		}
	}
	key := batchKey(n.seed, idx)
	switch v, e := x.Storage(), eps.Storage(); {
	case v.F32 != nil && e.F32 != nil:
		datasets.FillRows(n.d, idx, v.F32, nil)
		normals(e.F32, key)
	case v.F64 != nil && e.F64 != nil:
		datasets.FillRows(n.d, idx, v.F64, nil)
		normals(e.F64, key)
	default:
		return fmt.Errorf("vae: inputs %s and %s are %s and %s, want one float dtype", x.Name(), eps.Name(), x.DType(), eps.DType())
	}
	return nil
}

// batchKey mixes the seed and the sample indices, in order, into the key
// of a batch's noise.
func batchKey(seed uint64, idx []int) uint64 {
	h := mix64(seed ^ 0x5641452d6e6f6973) // "VAE-nois"
	for _, i := range idx {
		h = mix64(h + uint64(i)*golden)
	}
	return mix64(h + uint64(len(idx)))
}

// normals fills out with standard normal draws from the stream of key:
// pair p of elements is the Box–Muller transform of the 53-bit uniforms
// of splitmix64's outputs 2p and 2p + 1 from key. The same key gives the
// same numbers in float32 (rounded) and float64, on every machine.
func normals[T graph.Float](out []T, key uint64) {
	z := key
	for p := 0; p < len(out); p += 2 {
		z += golden
		u1 := float64(mix64(z)>>11+1) / (1 << 53) // (0, 1]: the logarithm is finite
		z += golden
		u2 := float64(mix64(z)>>11) / (1 << 53)
		r := math.Sqrt(-2 * math.Log(u1))
		s, c := math.Sincos(2 * math.Pi * u2)
		out[p] = T(r * c)
		if p+1 < len(out) {
			out[p+1] = T(r * s)
		}
	}
}

// golden is splitmix64's increment, 2⁶⁴/φ rounded to an odd number.
const golden = 0x9e3779b97f4a7c15

// mix64 is splitmix64's output function (Stafford's Mix13).
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
