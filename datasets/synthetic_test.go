package datasets

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSyntheticShapes(t *testing.T) {
	tests := []struct {
		name                      string
		d                         *Dataset
		n, features, classes, out int
	}{
		{"xor truth table", XOR(1, 0, 1), 4, 2, 2, 0},
		{"xor noisy", XOR(25, 0.1, 1), 100, 2, 2, 0},
		{"spirals", Spirals(50, 0.05, 1), 100, 2, 2, 0},
		{"sine", Sine(64, 0.1, 1), 64, 1, 0, 1},
		{"xor scalar", XOR(3, 0.1, 1).ScalarTargets(), 12, 2, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.d
			require.NoError(t, d.Validate())
			assert.Equal(t, tt.n, d.Len())
			assert.Equal(t, tt.features, d.Features)
			assert.Equal(t, tt.classes, d.Classes)
			assert.Equal(t, tt.out, d.Outputs)
			if tt.classes > 0 {
				assert.Equal(t, []int{tt.n / 2, tt.n / 2}, d.ClassCounts(), "balanced classes")
			}
			for _, v := range d.X {
				assert.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0))
			}
		})
	}
}

func TestXORLabels(t *testing.T) {
	d := XOR(1, 0, 99)
	assert.Equal(t, []float32{0, 0, 0, 1, 1, 0, 1, 1}, d.X)
	assert.Equal(t, []uint8{0, 1, 1, 0}, d.Labels)
	assert.Equal(t, []float32{0, 1, 1, 0}, d.ScalarTargets().Y)

	// Noisy points keep the label of their corner.
	n := XOR(50, 0.05, 3)
	for k := range n.Len() {
		x := n.Sample(k)
		want := uint8(0)
		if (x[0] > 0.5) != (x[1] > 0.5) {
			want = 1
		}
		assert.Equal(t, want, n.Labels[k], "sample %d at %v", k, x)
	}
	assert.Panics(t, func() { Sine(3, 0, 1).ScalarTargets() })
}

func TestSpiralsGeometry(t *testing.T) {
	d := Spirals(100, 0, 1)
	for k := range d.Len() {
		x := d.Sample(k)
		r := math.Hypot(float64(x[0]), float64(x[1]))
		assert.InDelta(t, float64(k/2+1)/100, r, 1e-6, "radius of sample %d", k)
		assert.Equal(t, uint8(k%2), d.Labels[k])
		if k%2 == 1 { // the other spiral is the first one turned by π
			y := d.Sample(k - 1)
			assert.InDelta(t, -y[0], x[0], 1e-6)
			assert.InDelta(t, -y[1], x[1], 1e-6)
		}
	}
}

func TestSineValues(t *testing.T) {
	d := Sine(1000, 0, 5)
	for k := range d.Len() {
		x := float64(d.X[k])
		assert.True(t, -math.Pi <= x && x <= math.Pi)
		assert.InDelta(t, math.Sin(x), d.Y[k], 1e-6)
	}
	// Noise of standard deviation 0.1 around the curve.
	noisy := Sine(5000, 0.1, 5)
	var s2 float64
	for k := range noisy.Len() {
		e := float64(noisy.Y[k]) - math.Sin(float64(noisy.X[k]))
		s2 += e * e
	}
	assert.InDelta(t, 0.1, math.Sqrt(s2/5000), 0.005)
}

func TestSyntheticSeeds(t *testing.T) {
	tests := []struct {
		name string
		make func(seed uint64) *Dataset
	}{
		{"xor", func(s uint64) *Dataset { return XOR(10, 0.2, s) }},
		{"spirals", func(s uint64) *Dataset { return Spirals(10, 0.1, s) }},
		{"sine", func(s uint64) *Dataset { return Sine(10, 0.1, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.make(1), tt.make(1))
			assert.NotEqual(t, tt.make(1).X, tt.make(2).X)
		})
	}
	// Pinned values: the generators depend only on PCG output, so these
	// hold on every machine.
	assert.Equal(t, float32(2.7061343), Sine(1, 0, 1).X[0])
}

// Fingerprint changes with any sample's bits, label or order, and not
// with the name or the storage.
func TestFingerprint(t *testing.T) {
	d := Spirals(50, 0.1, 1)
	f := d.Fingerprint()
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, f)
	c := d.Slice(0, d.Len())
	c.Name = "other"
	assert.Equal(t, f, c.Fingerprint())
	e := d.Subset(append([]int{1, 0}, Permutation(d.Len(), 0)[2:]...))
	assert.NotEqual(t, f, e.Fingerprint(), "order")
	x := d.Slice(0, d.Len()-1)
	assert.NotEqual(t, f, x.Fingerprint(), "one sample fewer")
	y := *d
	y.X = append([]float32(nil), d.X...)
	y.X[7] = math.Nextafter32(y.X[7], 2)
	assert.NotEqual(t, f, y.Fingerprint(), "one bit of one feature")
	z := *d
	z.Labels = append([]uint8(nil), d.Labels...)
	z.Labels[3] ^= 1
	assert.NotEqual(t, f, z.Fingerprint(), "one label")
}
