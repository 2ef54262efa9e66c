package paraminit

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
)

// TestDrawsFollowTheStream: each draw is the next numbers of PCG(seed,
// stream), scaled as its doc comment says, in the order asked for; a
// float32 stream rounds the same numbers.
func TestDrawsFollowTheStream(t *testing.T) {
	in := New(7, 3, graph.Float64)
	he := in.He(4, 2, 3, 3)     // fan_in 18
	lecun := in.Lecun(5, 6)     // fan_in 6
	uni := in.Uniform(0.25, 40) // (2u − 1)·0.25
	zeros := in.Zeros(3)        // draws nothing
	after := in.Normal(2, 2)

	r := rand.New(rand.NewPCG(7, 3))
	next := func(n int, f func() float64) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = f()
		}
		return v
	}
	assert.Equal(t, next(72, func() float64 { return math.Sqrt(2.0/18) * r.NormFloat64() }), he.Data())
	assert.Equal(t, next(30, func() float64 { return math.Sqrt(1.0/6) * r.NormFloat64() }), lecun.Data())
	assert.Equal(t, next(40, func() float64 { return (2*r.Float64() - 1) * 0.25 }), uni.Data())
	assert.Equal(t, []float64{0, 0, 0}, zeros.Data())
	assert.Equal(t, next(2, func() float64 { return 2 * r.NormFloat64() }), after.Data())
	for _, x := range uni.Data().([]float64) {
		require.True(t, x >= -0.25 && x < 0.25, "%g outside [−0.25, 0.25)", x)
	}
	assert.Equal(t, []int{4, 2, 3, 3}, []int(he.Shape()))

	in32 := New(7, 3, graph.Float32)
	he32 := in32.He(4, 2, 3, 3)
	want := make([]float32, 72)
	for i, x := range he.Data().([]float64) {
		want[i] = float32(x)
	}
	assert.Equal(t, want, he32.Data())
}

// TestDenseRejectsAWrongLength: a programming error, a panic naming both.
func TestDenseRejectsAWrongLength(t *testing.T) {
	assert.PanicsWithValue(t, "paraminit: 3 values for shape [2 2]", func() { New(1, 0, graph.Float64).Dense([]float64{1, 2, 3}, 2, 2) })
}
