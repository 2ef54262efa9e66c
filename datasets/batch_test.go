package datasets

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// numbered returns a data set of n samples of f features where feature i of
// sample k is 100k+i, with label k%classes (or, if classes is 0, two real
// targets -k and k/2).
func numbered(n, f, classes int) *Dataset {
	d := &Dataset{Name: "numbered", Features: f, Classes: classes}
	for k := range n {
		for i := range f {
			d.X = append(d.X, float32(100*k+i))
		}
		if classes > 0 {
			d.Labels = append(d.Labels, uint8(k%classes))
		} else {
			d.Outputs = 2
			d.Y = append(d.Y, float32(-k), float32(k)/2)
		}
	}
	return d
}

func checkLayout[T float](t *testing.T, d *Dataset, idx []int, x, y []T, labels []int) {
	t.Helper()
	m := len(idx)
	for k, s := range idx {
		for i := range d.Features {
			require.Equal(t, T(100*s+i), x[i*m+k], "feature %d of column %d", i, k)
		}
		if d.Classes > 0 {
			for c := range d.Classes {
				want := T(0)
				if c == s%d.Classes {
					want = 1
				}
				require.Equal(t, want, y[c*m+k], "target %d of column %d", c, k)
			}
			require.Equal(t, s%d.Classes, labels[k])
		} else {
			require.Equal(t, T(-s), y[0*m+k])
			require.Equal(t, T(float32(s)/2), y[1*m+k])
			require.Equal(t, 0, labels[k])
		}
	}
}

func TestFillBatchLayout(t *testing.T) {
	tests := []struct {
		name        string
		n, f, cl, m int
	}{
		{"classes", 20, 3, 4, 7},
		{"regression", 9, 2, 0, 5},
		{"one column", 5, 4, 10, 1},
		{"whole set", 6, 1, 2, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := numbered(tt.n, tt.f, tt.cl)
			require.NoError(t, d.Validate())
			perm := Permutation(tt.n, 42)
			idx := perm[:tt.m]
			t.Run("float32", func(t *testing.T) {
				x := make([]float32, tt.f*tt.m)
				y := slices.Repeat([]float32{9}, d.Targets()*tt.m) // stale values must go
				labels := make([]int, tt.m)
				FillBatch(d, idx, x, y, labels)
				checkLayout(t, d, idx, x, y, labels)
			})
			t.Run("float64", func(t *testing.T) {
				b := NewBatch[float64](d, tt.m+3)
				b.Fill(d, idx)
				assert.Equal(t, tt.m, b.M)
				assert.Len(t, b.X, tt.f*tt.m)
				assert.Len(t, b.Y, d.Targets()*tt.m)
				assert.Len(t, b.Labels, tt.m)
				checkLayout(t, d, idx, b.X, b.Y, b.Labels)
			})
		})
	}
}

func TestFillBatchOptionalBuffersAndPanics(t *testing.T) {
	d := numbered(4, 2, 3)
	x := make([]float64, 2*2)
	FillBatch(d, []int{3, 1}, x, nil, nil)
	assert.Equal(t, []float64{300, 100, 301, 101}, x)

	assert.PanicsWithValue(t,
		"datasets: FillBatch of 2 samples of numbered needs buffers of 4, 6 and 2 elements, got 3, 0 and 0",
		func() { FillBatch(d, []int{0, 1}, make([]float32, 3), nil, nil) })
	assert.Panics(t, func() { NewBatch[float32](d, 1).Fill(d, []int{0, 1}) })
	assert.Panics(t, func() { NewBatch[float32](d, 2).Fill(numbered(2, 3, 3), []int{0, 1}) })
}

func TestFillBatchDoesNotAllocate(t *testing.T) {
	d := numbered(100, 5, 10)
	s := NewSampler(d.Len(), 16, 1, false)
	b32 := NewBatch[float32](d, 16)
	b64 := NewBatch[float64](d, 16)
	s.Shuffle(0)
	allocs := testing.AllocsPerRun(10, func() {
		for i := range s.NumBatches() {
			b32.Fill(d, s.Batch(i))
			b64.Fill(d, s.Batch(i))
		}
		s.Shuffle(1)
	})
	assert.Zero(t, allocs)
}

func TestSampler(t *testing.T) {
	tests := []struct {
		name     string
		n, size  int
		dropLast bool
		sizes    []int
	}{
		{"exact", 12, 4, false, []int{4, 4, 4}},
		{"keep last", 10, 4, false, []int{4, 4, 2}},
		{"drop last", 10, 4, true, []int{4, 4}},
		{"one batch", 3, 8, false, []int{3}},
		{"all dropped", 3, 8, true, []int{}},
		{"empty", 0, 8, false, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSampler(tt.n, tt.size, 7, tt.dropLast)
			assert.Equal(t, len(tt.sizes), s.NumBatches())
			for epoch := range 3 {
				sizes := []int{}
				seen := []int{}
				for b, idx := range s.Epoch(epoch) {
					assert.Equal(t, len(sizes), b)
					sizes = append(sizes, len(idx))
					seen = append(seen, idx...)
				}
				assert.Equal(t, tt.sizes, sizes)
				// The batches are the permutation, in order.
				assert.Equal(t, s.Perm()[:len(seen)], seen)
				assert.ElementsMatch(t, Permutation(tt.n, 0), s.Perm())
			}
		})
	}
}

func TestSamplerEpochsDeterministic(t *testing.T) {
	a, b := NewSampler(50, 10, 3, false), NewSampler(50, 10, 3, false)
	p0 := slices.Clone(a.Shuffle(0))
	p1 := slices.Clone(a.Shuffle(1))
	assert.NotEqual(t, p0, p1, "epochs must differ")
	assert.Equal(t, p1, b.Shuffle(1), "same seed and epoch, same order")
	assert.Equal(t, p0, b.Shuffle(0))
	assert.NotEqual(t, p0, NewSampler(50, 10, 4, false).Shuffle(0), "seeds must differ")

	// Breaking out of the loop early is allowed.
	for b := range a.Epoch(2) {
		if b == 1 {
			break
		}
	}
}

func TestPermutationDeterministic(t *testing.T) {
	tests := []struct {
		n    int
		seed uint64
		want []int
	}{
		// Fixed by the PCG-DXSM specification and the Fisher–Yates loop: the
		// same on every machine. A change here breaks reproducibility.
		{10, 1, []int{0, 5, 2, 3, 1, 4, 8, 7, 6, 9}},
		{10, 2, []int{9, 5, 1, 7, 6, 3, 2, 4, 0, 8}},
		{0, 1, []int{}},
		{1, 1, []int{0}},
	}
	for _, tt := range tests {
		got := Permutation(tt.n, tt.seed)
		assert.Equal(t, tt.want, got, "n=%d seed=%d", tt.n, tt.seed)
		assert.Equal(t, got, Permutation(tt.n, tt.seed))
	}
	// Over many seeds, every position takes every value about equally often.
	const n, seeds = 5, 20000
	var count [n][n]int
	for seed := range uint64(seeds) {
		for i, v := range Permutation(n, seed) {
			count[i][v]++
		}
	}
	for i := range n {
		for v := range n {
			assert.InDelta(t, seeds/n, count[i][v], 300, "position %d value %d", i, v)
		}
	}
}

func TestSplit(t *testing.T) {
	d := numbered(10, 2, 3)
	train, val := d.Split(3)
	assert.Equal(t, 7, train.Len())
	assert.Equal(t, 3, val.Len())
	assert.Equal(t, "numbered-train", train.Name)
	assert.Equal(t, "numbered-val", val.Name)
	assert.Equal(t, []float32{700, 701}, val.Sample(0))
	assert.Equal(t, d.Labels[7:], val.Labels)
	require.NoError(t, train.Validate())
	require.NoError(t, val.Validate())
	// Appending to the training part must not overwrite the validation part.
	train.X = append(train.X, -1, -1)
	assert.Equal(t, float32(700), val.X[0])
	assert.Panics(t, func() { d.Split(11) })

	r := numbered(10, 1, 0)
	rt, rv := r.SplitRandom(4, 9)
	require.NoError(t, rt.Validate())
	require.NoError(t, rv.Validate())
	p := Permutation(10, 9)
	for k, s := range p[6:] {
		assert.Equal(t, float32(100*s), rv.X[k])
		assert.Equal(t, float32(-s), rv.Y[2*k])
	}
	assert.Equal(t, 6, rt.Len())
	rt2, _ := r.SplitRandom(4, 9)
	assert.Equal(t, rt, rt2)
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		d    Dataset
		msg  string
	}{
		{"features", Dataset{Name: "d"}, "datasets: d: Features is 0, want > 0"},
		{"ragged", Dataset{Name: "d", Features: 2, X: make([]float32, 3)}, "datasets: d: len(X) = 3 is not a multiple of Features = 2"},
		{"shape", Dataset{Name: "d", Features: 2, Shape: []int{3}, Classes: 2}, "datasets: d: Shape [3] has 3 elements, want Features = 2"},
		{"labels", Dataset{Name: "d", Features: 1, X: make([]float32, 2), Classes: 2, Labels: []uint8{1}}, "datasets: d: 2 samples but 1 labels"},
		{"label range", Dataset{Name: "d", Features: 1, X: make([]float32, 2), Classes: 2, Labels: []uint8{1, 2}}, "datasets: d: label 2 of sample 1 is not below 2 classes"},
		{"targets", Dataset{Name: "d", Features: 1, X: make([]float32, 2)}, "datasets: d: neither Classes nor Outputs is positive"},
		{"y", Dataset{Name: "d", Features: 1, X: make([]float32, 2), Outputs: 1, Y: make([]float32, 1)}, "datasets: d: 2 samples × 1 outputs but len(Y) = 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.EqualError(t, tt.d.Validate(), tt.msg)
		})
	}
}

// BenchmarkFillBatch fills MNIST-sized float32 batches of 64 (784×64 inputs,
// 10×64 one-hot targets) from a shuffled epoch.
func BenchmarkFillBatch(b *testing.B) {
	d := numbered(1000, 784, 10)
	s := NewSampler(d.Len(), 64, 1, true)
	batch := NewBatch[float32](d, 64)
	s.Shuffle(0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		batch.Fill(d, s.Batch(i%s.NumBatches()))
		i++
	}
}
