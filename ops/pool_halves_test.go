package ops_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// TestMaxPoolHalvingMatchesTheGeneralKernel: the 2×2, stride-2 max pool
// (LeNet's, which has a kernel of its own) gives what the general kernel
// gives for the same windows seen as a 3-D pool with a window of 1 along
// a leading axis: the same maxima, the same first maximum for the
// gradient and the gather, on data full of ties (whole windows of equal
// values, as a convolution gives on MNIST's blank background), zeros of
// both signs, infinities and NaN. Odd sizes leave a last row and column
// out of every window.
func TestMaxPoolHalvingMatchesTheGeneralKernel(t *testing.T) {
	specials := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(), 0.5}
	r := rand.New(rand.NewPCG(7, 8))
	for _, dt := range []graph.DType{graph.Float32, graph.Float64} {
		for _, s := range [][2]int{{4, 4}, {5, 7}, {8, 2}} {
			shape := []int{3, 2, s[0], s[1]}
			n := graph.Shape(shape).Size()
			xs, hs := make([]float64, n), make([]float64, n)
			for i := range xs {
				switch r.IntN(4) {
				case 0: // a special value
					xs[i] = specials[r.IntN(len(specials))]
				case 1: // a tie with the element before
					if i > 0 {
						xs[i] = xs[i-1]
					}
				default:
					xs[i] = float64(r.IntN(5)) - 2
				}
				hs[i] = float64(i + 1)
			}
			// Whole windows of one value, some of them zero of either sign.
			for i := 0; i+s[1]+1 < n; i += 4 * s[1] {
				v := specials[r.IntN(2)]
				xs[i], xs[i+1], xs[i+s[1]], xs[i+s[1]+1] = v, v, math.Copysign(0, -v), v
			}
			g := graph.New()
			x := g.Input("x", dt, shape...)
			h := g.Input("h", dt, shape...)
			x3 := ops.Reshape(x, 3, 2, 1, s[0], s[1])
			h3 := ops.Reshape(h, 3, 2, 1, s[0], s[1])
			o2 := ops.MaxPoolOptions{KernelShape: []int{2, 2}, Strides: []int{2, 2}}
			o3 := ops.MaxPoolOptions{KernelShape: []int{1, 2, 2}, Strides: []int{1, 2, 2}}
			y2 := ops.MaxPool(x, o2)
			gy := g.Input("g", dt, y2.Shape()...)
			require.NoError(t, gy.SetFloat64s(hs[:y2.Shape().Size()]))
			outs := []*graph.Node{
				y2, ops.MaxPool(x3, o3),
				ops.MaxPoolGrad(x, gy, o2), ops.MaxPoolGrad(x3, ops.Reshape(gy, 3, 2, 1, s[0]/2, s[1]/2), o3),
				ops.MaxPoolGather(x, h, o2), ops.MaxPoolGather(x3, h3, o3),
			}
			require.NoError(t, g.Err())
			require.NoError(t, x.SetFloat64s(xs))
			require.NoError(t, h.SetFloat64s(hs))
			p, err := g.Compile(outs...)
			require.NoError(t, err)
			p.Run()
			require.NoError(t, p.Err())
			for i := 0; i < len(outs); i += 2 {
				fast, general := outs[i].Storage(), outs[i+1].Storage()
				require.Equal(t, general.Len(), fast.Len())
				for k := 0; k < fast.Len(); k++ {
					a, b := fast.At(k), general.At(k)
					if math.IsNaN(b) {
						assert.True(t, math.IsNaN(a), "%s %v output %d, element %d: %v, want NaN", dt, shape, i/2, k, a)
						continue
					}
					assert.Equal(t, math.Float64bits(b), math.Float64bits(a), "%s %v output %d, element %d: %v, want %v", dt, shape, i/2, k, a, b)
				}
			}
		}
	}
}
