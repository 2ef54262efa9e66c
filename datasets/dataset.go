// Package datasets loads and prepares the data the gradgraph examples train
// on: MNIST (and any data set in the same IDX files, such as Fashion-MNIST),
// and small seeded synthetic sets (XOR, two spirals, a noisy sine curve).
//
// Everything is a *Dataset: one row of Features float32 values per sample,
// plus either class labels (Classes > 0) or real-valued targets (Outputs
// values per sample). Training code takes mini-batches in the lecture
// layout, one column per sample:
//
//	s := datasets.NewSampler(train.Len(), 64, seed, false)
//	b := datasets.NewBatch[float32](train, 64)
//	for epoch := range epochs {
//		for _, idx := range s.Epoch(epoch) {
//			b.Fill(train, idx) // b.X is Features×M, b.Y is Targets()×M
//			...
//		}
//	}
//
// which allocates nothing per step.
package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// Dataset is a set of samples held in memory.
//
// Sample k is X[k*Features : (k+1)*Features]. A classification set has
// Classes > 0 and a label in [0, Classes) per sample in Labels; a regression
// set has Classes == 0 and Outputs real targets per sample, sample k's being
// Y[k*Outputs : (k+1)*Outputs]. MNIST pixels are scaled to [0, 1].
type Dataset struct {
	// Name describes the set in messages ("mnist-train").
	Name string
	// Features is the number of values per sample (n₀, 784 for MNIST).
	Features int
	// Shape is the shape of one sample, such as [28 28]; its product is
	// Features.
	Shape []int
	// X holds the samples, one after the other.
	X []float32
	// Classes is the number of classes, 0 for a regression set.
	Classes int
	// Labels holds the class of each sample when Classes > 0.
	Labels []uint8
	// Outputs is the number of real targets per sample when Classes == 0.
	Outputs int
	// Y holds the real targets when Classes == 0.
	Y []float32
}

// Len returns the number of samples.
func (d *Dataset) Len() int {
	if d.Features == 0 {
		return 0
	}
	return len(d.X) / d.Features
}

// Targets returns the number of target rows in a batch: Classes for a
// classification set (one-hot targets), Outputs for a regression set.
func (d *Dataset) Targets() int {
	if d.Classes > 0 {
		return d.Classes
	}
	return d.Outputs
}

// Sample returns the features of sample k, sharing d's storage.
func (d *Dataset) Sample(k int) []float32 {
	return d.X[k*d.Features : (k+1)*d.Features : (k+1)*d.Features]
}

// Validate returns an error describing the first inconsistency between the
// fields of d, or nil.
func (d *Dataset) Validate() error {
	switch {
	case d.Features <= 0:
		return fmt.Errorf("datasets: %s: Features is %d, want > 0", d.Name, d.Features)
	case len(d.X)%d.Features != 0:
		return fmt.Errorf("datasets: %s: len(X) = %d is not a multiple of Features = %d", d.Name, len(d.X), d.Features)
	}
	if len(d.Shape) > 0 {
		p := 1
		for _, s := range d.Shape {
			p *= s
		}
		if p != d.Features {
			return fmt.Errorf("datasets: %s: Shape %v has %d elements, want Features = %d", d.Name, d.Shape, p, d.Features)
		}
	}
	n := d.Len()
	if d.Classes > 0 {
		if len(d.Labels) != n {
			return fmt.Errorf("datasets: %s: %d samples but %d labels", d.Name, n, len(d.Labels))
		}
		for i, l := range d.Labels {
			if int(l) >= d.Classes {
				return fmt.Errorf("datasets: %s: label %d of sample %d is not below %d classes", d.Name, l, i, d.Classes)
			}
		}
		return nil
	}
	if d.Outputs <= 0 {
		return fmt.Errorf("datasets: %s: neither Classes nor Outputs is positive", d.Name)
	}
	if len(d.Y) != n*d.Outputs {
		return fmt.Errorf("datasets: %s: %d samples × %d outputs but len(Y) = %d", d.Name, n, d.Outputs, len(d.Y))
	}
	return nil
}

// Slice returns the samples [lo, hi) of d as a data set sharing d's storage
// (with capacities clipped, so appending to one never changes the other).
func (d *Dataset) Slice(lo, hi int) *Dataset {
	s := *d
	s.X = d.X[lo*d.Features : hi*d.Features : hi*d.Features]
	if d.Labels != nil {
		s.Labels = d.Labels[lo:hi:hi]
	}
	if d.Y != nil {
		s.Y = d.Y[lo*d.Outputs : hi*d.Outputs : hi*d.Outputs]
	}
	return &s
}

// Subset returns a new data set holding copies of the samples idx, in that
// order.
func (d *Dataset) Subset(idx []int) *Dataset {
	s := *d
	s.X = make([]float32, 0, len(idx)*d.Features)
	s.Labels, s.Y = nil, nil
	if d.Labels != nil {
		s.Labels = make([]uint8, 0, len(idx))
	}
	if d.Y != nil {
		s.Y = make([]float32, 0, len(idx)*d.Outputs)
	}
	for _, k := range idx {
		s.X = append(s.X, d.Sample(k)...)
		if d.Labels != nil {
			s.Labels = append(s.Labels, d.Labels[k])
		}
		if d.Y != nil {
			s.Y = append(s.Y, d.Y[k*d.Outputs:(k+1)*d.Outputs]...)
		}
	}
	return &s
}

// Split returns the first Len()-n samples as train and the last n as val,
// both sharing d's storage: the usual MNIST split is Split(10000), which
// keeps 50000 training images and validates on the last 10000. It panics
// unless 0 ≤ n ≤ Len().
func (d *Dataset) Split(n int) (train, val *Dataset) {
	if n < 0 || n > d.Len() {
		panic(fmt.Sprintf("datasets: %s: cannot split %d validation samples off %d", d.Name, n, d.Len()))
	}
	cut := d.Len() - n
	train, val = d.Slice(0, cut), d.Slice(cut, d.Len())
	train.Name, val.Name = d.Name+"-train", d.Name+"-val"
	return train, val
}

// SplitRandom is Split after a seeded shuffle: val holds n samples chosen by
// Permutation(Len(), seed), train the others, each in permutation order. Both
// are copies.
func (d *Dataset) SplitRandom(n int, seed uint64) (train, val *Dataset) {
	if n < 0 || n > d.Len() {
		panic(fmt.Sprintf("datasets: %s: cannot split %d validation samples off %d", d.Name, n, d.Len()))
	}
	p := Permutation(d.Len(), seed)
	cut := d.Len() - n
	train, val = d.Subset(p[:cut]), d.Subset(p[cut:])
	train.Name, val.Name = d.Name+"-train", d.Name+"-val"
	return train, val
}

// ClassCounts returns how many samples each class has, or nil for a
// regression set.
func (d *Dataset) ClassCounts() []int {
	if d.Classes <= 0 {
		return nil
	}
	c := make([]int, d.Classes)
	for _, l := range d.Labels {
		c[l]++
	}
	return c
}

// newRand returns the generator behind every seeded function of the
// package: PCG-DXSM, whose output is fixed by its specification, seeded
// with (seed, a fixed odd constant), so a seed gives the same stream on
// every machine and Go release.
func newRand(seed uint64) *rand.PCG {
	return rand.NewPCG(seed, 0x9e3779b97f4a7c15)
}

// uintN returns a uniform integer in [0, n) from g, by Lemire's
// multiply-and-reject method written out here so that the result depends
// only on g's output, not on the bounded-integer algorithm of math/rand/v2.
func uintN(g *rand.PCG, n uint64) uint64 {
	for {
		hi, lo := bits.Mul64(g.Uint64(), n)
		if lo >= n || lo >= (-n)%n {
			return hi
		}
	}
}

// Permutation returns a permutation of 0..n-1 determined by seed alone: a
// Fisher–Yates shuffle driven by a PCG source, identical on every machine.
func Permutation(n int, seed uint64) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	Shuffle(p, seed)
	return p
}

// Shuffle permutes p in place, determined by seed and len(p) alone (the same
// algorithm as Permutation). It does not allocate beyond the generator.
func Shuffle(p []int, seed uint64) {
	g := newRand(seed)
	for i := len(p) - 1; i > 0; i-- {
		j := uintN(g, uint64(i+1))
		p[i], p[j] = p[j], p[i]
	}
}

// uniform returns a float64 in [0, 1) from g, from its top 53 bits.
func uniform(g *rand.PCG) float64 {
	return float64(g.Uint64()>>11) / (1 << 53)
}

// Fingerprint returns "sha256:" and the hex SHA-256 of d's content: the
// sizes (Features, Shape, Classes, Outputs) and every sample's features,
// label and targets, as exact bits, in order. Two data sets with the same
// fingerprint train a network identically; the name is not part of it. It
// reads all of X once (about 0.1 s for the MNIST training images).
func (d *Dataset) Fingerprint() string {
	h := sha256.New()
	b := make([]byte, 0, 1<<14)
	flush := func() {
		h.Write(b)
		b = b[:0]
	}
	putInt := func(x int) { b = binary.LittleEndian.AppendUint64(b, uint64(x)) }
	putInt(d.Features)
	putInt(len(d.Shape))
	for _, s := range d.Shape {
		putInt(s)
	}
	putInt(d.Classes)
	putInt(d.Outputs)
	for _, xs := range [][]float32{d.X, d.Y} {
		putInt(len(xs))
		for _, x := range xs {
			if len(b) == cap(b) {
				flush()
			}
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	putInt(len(d.Labels))
	flush()
	h.Write(d.Labels)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
