package ops_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

func init() {
	lrn := func(size int, alpha, beta, bias float64) func(in []*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node { return ops.LRN(in[0], size, alpha, beta, bias) }
	}
	fwd := func(name, refName string, rtol float64, build func(in []*graph.Node) *graph.Node) forwardCase {
		r := ref(refName)
		return forwardCase{name: name, in: r.in, build: build, want: r.out[0], rtol: rtol}
	}
	addForward(
		// ONNX's backend test data (float32; alpha is the model's float32).
		fwd("LRN/onnx", "onnx/lrn", onnxTol, lrn(3, 0.00019999999494757503, 0.5, 2)),
		fwd("LRN/onnx_default", "onnx/lrn_default", onnxTol, lrn(3, 1e-4, 0.75, 1)),
		// PyTorch agrees with ONNX for odd sizes; even sizes and rank 2 are
		// NumPy transcriptions of ONNX's formula.
		fwd("LRN/torch_2x5x3_size3", "torch/local_response_norm_2x5x3_size3", torchTol, lrn(3, 0.3, 0.75, 1)),
		fwd("LRN/torch_1x6x2x2_size5", "torch/local_response_norm_1x6x2x2_size5", torchTol, lrn(5, 1.5, 0.6, 2)),
		fwd("LRN/numpy_1x5x2_size2", "numpy/lrn_1x5x2_size2", torchTol, lrn(2, 0.7, 0.75, 1)),
		fwd("LRN/numpy_2x6x3_size4", "numpy/lrn_2x6x3_size4", torchTol, lrn(4, 0.7, 0.75, 1)),
		fwd("LRN/numpy_2x4_size1", "numpy/lrn_2x4_size1", torchTol, lrn(1, 0.5, 1, 0.5)),
	)

	addVJP(func(r *rand.Rand) []vjpCase {
		S := func(d ...int) graph.Shape { return graph.Shape(d) }
		var cs []vjpCase
		for _, c := range []struct {
			x                 graph.Shape
			size              int
			alpha, beta, bias float64
		}{{S(2, 5), 3, 0.8, 0.75, 1}, {S(2, 5, 2), 2, 0.5, 0.6, 1.5}, {S(1, 6, 2, 2), 5, 1.5, 0.75, 1}, {S(1, 4, 2, 1, 2), 4, 0.3, 0.5, 2}} {
			c := c
			cs = append(cs, vjpCase{name: fmt.Sprintf("LRN/%s_size%d_beta%g", c.x, c.size, c.beta), shapes: []graph.Shape{c.x}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node { return ops.LRN(in[0], c.size, c.alpha, c.beta, c.bias) }})
		}
		return cs
	})

	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "lrn_x", dt, anyReal, 2, 4, 3)
		return []*graph.Node{ops.LRN(x, 3, 0.5, 0.75, 1), ops.LRN(x, 2, 0.5, 0.6, 1)}
	})
}

// TestLRNRejectsBadArguments: a size below 1 or a value without a
// channel axis is a build error.
func TestLRNRejectsBadArguments(t *testing.T) {
	checkBuildErrors(t, []buildErrorCase{
		{func(g *graph.Graph, x *graph.Node) { ops.LRN(x, 0, 1e-4, 0.75, 1) }, "LRN(x): size 0 is not ≥ 1"},
		{func(g *graph.Graph, x *graph.Node) { ops.LRN(g.Input("v", graph.Float64, 3), 3, 1e-4, 0.75, 1) },
			"LRN(v): shape 3 has no channel axis: x must be N×C×… (rank 2 or more)"},
		{func(g *graph.Graph, x *graph.Node) { ops.LRN(g.Input("i", graph.Int32, 2, 3), 3, 1e-4, 0.75, 1) },
			"LRN(i): input 0 has dtype int32, want float32 or float64"},
	})
}
