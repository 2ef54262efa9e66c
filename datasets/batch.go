package datasets

import (
	"fmt"
	"iter"
)

// float is the element type of batch buffers. It is unexported so that the
// module has one exported constraint for it, in package graph.
type float interface{ ~float32 | ~float64 }

// FillBatch writes the samples idx of d into caller-provided buffers in the
// lecture layout, one column per sample, row-major: with M = len(idx),
// x[i*M+k] is feature i of sample idx[k] (x is Features×M) and y[c*M+k] is
// target c of that sample (y is Targets()×M): one-hot for a classification
// set, the real targets for a regression set. labels[k] receives the class
// of sample idx[k] (0 for a regression set).
//
// x, y and labels must have at least Features*M, Targets()*M and M elements;
// only that prefix is written. y or labels may be nil to skip them. FillBatch
// never allocates; it panics, like an out-of-range index, when a buffer is
// too short or an index is out of range.
func FillBatch[T float](d *Dataset, idx []int, x, y []T, labels []int) {
	m, f := len(idx), d.Features
	if len(x) < f*m || (y != nil && len(y) < d.Targets()*m) || (labels != nil && len(labels) < m) {
		panic(fmt.Sprintf("datasets: FillBatch of %d samples of %s needs buffers of %d, %d and %d elements, got %d, %d and %d",
			m, d.Name, f*m, d.Targets()*m, m, len(x), len(y), len(labels)))
	}
	x = x[:f*m]
	for k, s := range idx {
		src := d.X[s*f : (s+1)*f : (s+1)*f]
		for i, v := range src {
			x[i*m+k] = T(v)
		}
	}
	if y != nil {
		if d.Classes > 0 {
			y = y[:d.Classes*m]
			clear(y)
			for k, s := range idx {
				y[int(d.Labels[s])*m+k] = 1
			}
		} else {
			o := d.Outputs
			y = y[:o*m]
			for k, s := range idx {
				for c, v := range d.Y[s*o : (s+1)*o] {
					y[c*m+k] = T(v)
				}
			}
		}
	}
	if labels != nil {
		for k, s := range idx {
			if d.Classes > 0 {
				labels[k] = int(d.Labels[s])
			} else {
				labels[k] = 0
			}
		}
	}
}

// Batch holds the buffers of one mini-batch, allocated once for up to Cap
// samples and refilled in place by Fill.
type Batch[T float] struct {
	// M is the number of samples (columns) of the current batch.
	M int
	// Features and Targets are the row counts of X and Y.
	Features, Targets int
	// X is Features×M, one column per sample, row-major.
	X []T
	// Y is Targets×M: one-hot targets, or real targets for regression.
	Y []T
	// Labels holds the class of each column (all 0 for regression).
	Labels []int

	x, y []T
	l    []int
}

// NewBatch returns a Batch with buffers for up to capacity samples of d.
func NewBatch[T float](d *Dataset, capacity int) *Batch[T] {
	return &Batch[T]{
		Features: d.Features,
		Targets:  d.Targets(),
		x:        make([]T, d.Features*capacity),
		y:        make([]T, d.Targets()*capacity),
		l:        make([]int, capacity),
	}
}

// Cap returns the largest number of samples the batch can hold.
func (b *Batch[T]) Cap() int { return len(b.l) }

// Fill loads the samples idx of d (at most Cap() of them, with the
// Features and Targets the batch was made for) and reslices X, Y and Labels
// to exactly M = len(idx) columns, so that element (i, k) of X is X[i*M+k]
// and a last, shorter batch has the right layout too. It does not allocate.
func (b *Batch[T]) Fill(d *Dataset, idx []int) {
	if len(idx) > b.Cap() || d.Features != b.Features || d.Targets() != b.Targets {
		panic(fmt.Sprintf("datasets: Batch for %d samples of %d features and %d targets cannot hold %d samples of %s (%d features, %d targets)",
			b.Cap(), b.Features, b.Targets, len(idx), d.Name, d.Features, d.Targets()))
	}
	m := len(idx)
	b.M = m
	b.X, b.Y, b.Labels = b.x[:b.Features*m], b.y[:b.Targets*m], b.l[:m]
	FillBatch(d, idx, b.X, b.Y, b.Labels)
}

// Sampler cuts a shuffled permutation of n samples into mini-batches of
// sample indices, a new permutation every epoch, determined by the seed and
// the epoch number alone. The last batch is shorter when the batch size does
// not divide n, unless DropLast is set, which leaves those samples out of
// that epoch (they are in other batches in other epochs).
type Sampler struct {
	n, size  int
	dropLast bool
	seed     uint64
	perm     []int
}

// NewSampler returns a Sampler over samples 0..n-1 in batches of batchSize.
// It panics unless n ≥ 0 and batchSize > 0.
func NewSampler(n, batchSize int, seed uint64, dropLast bool) *Sampler {
	if n < 0 || batchSize <= 0 {
		panic(fmt.Sprintf("datasets: NewSampler(%d, %d): need n ≥ 0 and batch size > 0", n, batchSize))
	}
	return &Sampler{n: n, size: batchSize, dropLast: dropLast, seed: seed, perm: make([]int, n)}
}

// NumBatches returns the number of batches in an epoch.
func (s *Sampler) NumBatches() int {
	if s.dropLast {
		return s.n / s.size
	}
	return (s.n + s.size - 1) / s.size
}

// BatchSize returns the size of every batch but a short last one.
func (s *Sampler) BatchSize() int { return s.size }

// Shuffle sets the permutation for the given epoch, Permutation(n, seed')
// with seed' derived from the sampler's seed and epoch, and returns it. The
// slice is reused by the next call.
func (s *Sampler) Shuffle(epoch int) []int {
	for i := range s.perm {
		s.perm[i] = i
	}
	Shuffle(s.perm, epochSeed(s.seed, epoch))
	return s.perm
}

// Perm returns the permutation set by the last Shuffle or Epoch.
func (s *Sampler) Perm() []int { return s.perm }

// Batch returns batch b of the current permutation: the index range
// perm[b*size : min((b+1)*size, n)], sharing the permutation's storage.
func (s *Sampler) Batch(b int) []int {
	lo := b * s.size
	return s.perm[lo:min(lo+s.size, s.n):min(lo+s.size, s.n)]
}

// Epoch shuffles for the given epoch and yields each batch number with its
// sample indices (a subslice of Perm(), valid until the next shuffle):
//
//	for b, idx := range s.Epoch(epoch) { batch.Fill(train, idx); ... }
func (s *Sampler) Epoch(epoch int) iter.Seq2[int, []int] {
	return func(yield func(int, []int) bool) {
		s.Shuffle(epoch)
		for b := range s.NumBatches() {
			if !yield(b, s.Batch(b)) {
				return
			}
		}
	}
}

// epochSeed mixes seed and epoch (SplitMix64's finaliser) so that
// neighbouring epochs get unrelated permutations.
func epochSeed(seed uint64, epoch int) uint64 {
	z := seed + uint64(epoch+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
