package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// refCase is a case of normRefs: inputs and expected outputs.
type refCase struct{ in, out []val }

func ref(name string) refCase {
	c, ok := normRefs[name]
	if !ok {
		panic("no reference case " + name)
	}
	return c
}

// onnxTol is the tolerance for ONNX's reference values, which are
// float32: a few float32 ulps.
const onnxTol = 2e-6

// torchTol is the tolerance for PyTorch's float64 values, which sum in
// another order.
const torchTol = 1e-12

// setRunning copies mean and variance into the running statistics of the
// BatchNormalization layer called name.
func setRunning(g *graph.Graph, name string, mean, variance *graph.Node) {
	for _, p := range []struct {
		suffix string
		from   *graph.Node
	}{{".running_mean", mean}, {".running_var", variance}} {
		n := g.Node(name + p.suffix)
		if n == nil {
			panic("no node " + name + p.suffix)
		}
		src, dst := p.from.Storage(), n.Storage()
		for i := 0; i < dst.Len(); i++ {
			dst.SetAt(i, src.At(i))
		}
	}
}

// bnBuild returns the build of a BatchNormalization case whose inputs are
// x, scale, bias, running mean and running variance.
func bnBuild(mode *ops.Mode, eps, momentum float64) func(in []*graph.Node) *graph.Node {
	return func(in []*graph.Node) *graph.Node {
		y := ops.BatchNormalization("bn", in[0], in[1], in[2], mode, eps, momentum)
		setRunning(in[0].Graph(), "bn", in[3], in[4])
		return y
	}
}

func init() {
	train := ops.NewMode(true)
	fwd := func(name, refName string, rtol float64, build func(in []*graph.Node) *graph.Node) forwardCase {
		r := ref(refName)
		return forwardCase{name: name, in: r.in, build: build, want: r.out[0], rtol: rtol}
	}
	ln := func(axis int, eps float64) func(in []*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node {
			var s, b *graph.Node
			if len(in) > 1 {
				s, b = in[1], in[2]
			}
			return ops.LayerNormalization(in[0], s, b, axis, eps)
		}
	}
	inorm := func(eps float64) func(in []*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node { return ops.InstanceNormalization(in[0], in[1], in[2], eps) }
	}
	gn := func(groups int) func(in []*graph.Node) *graph.Node {
		return func(in []*graph.Node) *graph.Node { return ops.GroupNormalization(in[0], in[1], in[2], groups, 1e-5) }
	}
	addForward(
		// ONNX's backend test data (float32).
		fwd("BatchNormalization/onnx_example_inference", "onnx/batchnorm_example", onnxTol, bnBuild(nil, 1e-5, 0.9)),
		fwd("BatchNormalization/onnx_epsilon_inference", "onnx/batchnorm_epsilon", onnxTol, bnBuild(ops.NewMode(false), 1e-2, 0.9)),
		fwd("BatchNormalization/onnx_example_training", "onnx/batchnorm_example_training_mode", onnxTol, bnBuild(train, 1e-5, 0.9)),
		fwd("BatchNormalization/onnx_epsilon_training", "onnx/batchnorm_epsilon_training_mode", onnxTol, bnBuild(train, 1e-2, 0.9)),
		fwd("InstanceNormalization/onnx_example", "onnx/instancenorm_example", onnxTol, inorm(1e-5)),
		fwd("InstanceNormalization/onnx_epsilon", "onnx/instancenorm_epsilon", onnxTol, inorm(1e-2)),
		fwd("LayerNormalization/onnx_2d_axis0", "onnx/layer_normalization_2d_axis0", onnxTol, ln(0, 1e-5)),
		fwd("LayerNormalization/onnx_2d_axis-1", "onnx/layer_normalization_2d_axis_negative_1", onnxTol, ln(-1, 1e-5)),
		fwd("LayerNormalization/onnx_3d_axis1_epsilon", "onnx/layer_normalization_3d_axis1_epsilon", onnxTol, ln(1, 0.1)),
		fwd("LayerNormalization/onnx_3d_axis-3_epsilon", "onnx/layer_normalization_3d_axis_negative_3_epsilon", onnxTol, ln(-3, 0.1)),
		fwd("LayerNormalization/onnx_4d_axis-2", "onnx/layer_normalization_4d_axis_negative_2", onnxTol, ln(-2, 1e-5)),
	)

	// PyTorch (float64) and NumPy transcriptions of the ONNX formulas.
	for _, shape := range []string{"4x3", "2x3x4", "2x2x2x3x2"} {
		addForward(
			fwd("BatchNormalization/torch_inference_"+shape, "torch/batch_norm_inference_"+shape, torchTol, bnBuild(nil, 1e-3, 0.75)),
			// PyTorch's momentum 0.25 is ONNX's 0.75.
			fwd("BatchNormalization/torch_training_"+shape, "torch/batch_norm_training_"+shape, torchTol, bnBuild(train, 1e-3, 0.75)),
		)
	}
	for _, c := range []struct {
		shape string
		axis  int
	}{{"3x4", -1}, {"2x3x4", 1}, {"2x3x2x4", -3}, {"2x2x3x2x2", 3}} {
		tag := fmt.Sprintf("%s_axis%d", c.shape, c.axis)
		addForward(
			fwd("LayerNormalization/torch_"+tag, "torch/layer_norm_"+tag, torchTol, ln(c.axis, 1e-5)),
			fwd("LayerNormalization/torch_plain_"+tag, "torch/layer_norm_plain_"+tag, torchTol, ln(c.axis, 1e-5)),
		)
	}
	for _, shape := range []string{"2x3x4", "2x2x3x2x2"} {
		addForward(fwd("InstanceNormalization/torch_"+shape, "torch/instance_norm_"+shape, torchTol, inorm(1e-5)))
	}
	for _, c := range []struct {
		shape  string
		groups int
	}{{"3x4", 2}, {"2x6x3", 3}, {"2x4x2x3", 2}, {"1x4x2x2x2", 4}} {
		tag := fmt.Sprintf("%s_g%d", c.shape, c.groups)
		addForward(fwd("GroupNormalization/torch_"+tag, "torch/group_norm_"+tag, torchTol, gn(c.groups)))
	}

	addVJP(normVJPCases)
	addAlloc(func(g *graph.Graph, dt graph.DType) []*graph.Node {
		x := param(g, "norm_x", dt, anyReal, 2, 4, 3)
		s := param(g, "norm_s", dt, anyReal, 4)
		b := param(g, "norm_b", dt, anyReal, 4)
		s2 := param(g, "norm_s2", dt, anyReal, 2)
		b2 := param(g, "norm_b2", dt, anyReal, 2)
		sl := param(g, "norm_sl", dt, anyReal, 4, 3)
		train := ops.NewMode(true)
		return []*graph.Node{
			ops.BatchNormalization("norm_bn_train", x, s, b, train, 1e-5, 0.9),
			ops.BatchNormalization("norm_bn_infer", x, s, b, ops.NewMode(false), 1e-5, 0.9),
			ops.InstanceNormalization(x, s, b, 1e-5),
			ops.LayerNormalization(x, sl, sl, -2, 1e-5),
			ops.LayerNormalization(x, nil, nil, -1, 1e-5),
			ops.GroupNormalization(x, s2, b2, 2, 1e-5),
		}
	})
}

// normVJPCases checks the normalisations to first and second order at
// ranks 1 to 5, BatchNormalization in both modes (in training mode
// through the batch statistics), LayerNormalization with negative axes.
func normVJPCases(r *rand.Rand) []vjpCase {
	S := func(d ...int) graph.Shape { return graph.Shape(d) }
	var cs []vjpCase
	for _, c := range []struct {
		x, s, b graph.Shape // s, b nil: none
		axis    int
		eps     float64
	}{
		{S(5), S(5), S(5), -1, 1e-3},
		{S(3, 4), S(4), S(4), -1, 1e-5},
		{S(3, 4), S(3, 4), S(3, 4), 0, 1e-3},
		{S(2, 3, 4), S(3, 4), nil, -2, 1e-3},
		{S(2, 3, 4), nil, S(4), 2, 1e-3},
		{S(2, 3, 4), S(4), S(3, 1), -2, 1e-3}, // scale and bias broadcast
		{S(2, 3, 1), S(1), S(1), -1, 1e-3},    // one element per slice: y = bias
		{S(2, 2, 3, 3), S(3, 3), S(3, 3), -2, 1e-3},
		{S(2, 2, 3, 3), nil, nil, -3, 1e-3},
		{S(2, 2, 2, 3, 2), S(2, 3, 2), S(2, 3, 2), 2, 1e-3},
	} {
		c := c
		shapes := []graph.Shape{c.x}
		if c.s != nil {
			shapes = append(shapes, c.s)
		}
		if c.b != nil {
			shapes = append(shapes, c.b)
		}
		cs = append(cs, vjpCase{name: fmt.Sprintf("LayerNormalization/%s_s%s_b%s_axis%d", c.x, c.s, c.b, c.axis),
			shapes: shapes, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node {
				var s, b *graph.Node
				k := 1
				if c.s != nil {
					s, k = in[k], k+1
				}
				if c.b != nil {
					b = in[k]
				}
				return ops.LayerNormalization(in[0], s, b, c.axis, c.eps)
			}})
	}
	for _, x := range []graph.Shape{S(2, 3, 4), S(2, 2, 3, 2), S(1, 2, 2, 2, 3)} {
		c := S(x[1])
		cs = append(cs, vjpCase{name: "InstanceNormalization/" + x.String(), shapes: []graph.Shape{x, c, c}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.InstanceNormalization(in[0], in[1], in[2], 1e-3) }})
	}
	for _, c := range []struct {
		x      graph.Shape
		groups int
	}{{S(2, 6), 2}, {S(2, 4, 3), 2}, {S(2, 6, 2), 3}, {S(1, 4, 2, 3), 4}, {S(2, 2, 2, 2, 2), 1}} {
		c := c
		g := S(c.groups)
		cs = append(cs, vjpCase{name: fmt.Sprintf("GroupNormalization/%s_g%d", c.x, c.groups), shapes: []graph.Shape{c.x, g, g}, dom: []domain{anyReal},
			build: func(in []*graph.Node) *graph.Node { return ops.GroupNormalization(in[0], in[1], in[2], c.groups, 1e-3) }})
	}
	for _, x := range []graph.Shape{S(5, 3), S(3, 2, 2), S(2, 3, 2, 2), S(2, 2, 2, 1, 2)} {
		c := S(x[1])
		rm := randVals(r, x[1], anyReal)
		rv := randVals(r, x[1], positive)
		for _, training := range []bool{true, false} {
			training := training
			cs = append(cs, vjpCase{name: fmt.Sprintf("BatchNormalization/%s_training%v", x, training),
				shapes: []graph.Shape{x, c, c}, dom: []domain{anyReal},
				build: func(in []*graph.Node) *graph.Node {
					y := ops.BatchNormalization("bn", in[0], in[1], in[2], ops.NewMode(training), 1e-3, 0.9)
					g := in[0].Graph()
					copy(g.Node("bn.running_mean").Float64s(), rm)
					copy(g.Node("bn.running_var").Float64s(), rv)
					return y
				}})
		}
	}
	return cs
}

// TestBatchNormRunningStatisticsFollowONNX: a training run updates the
// running statistics as ONNX's reference does (momentum weighting the old
// value, the population variance of the batch), an inference run leaves
// them alone, and the same program switches between the two.
func TestBatchNormRunningStatisticsFollowONNX(t *testing.T) {
	for _, c := range []struct {
		name string
		eps  float64
	}{{"onnx/batchnorm_example_training_mode", 1e-5}, {"onnx/batchnorm_epsilon_training_mode", 1e-2}} {
		t.Run(c.name, func(t *testing.T) {
			r := ref(c.name)
			g := graph.New()
			in := make([]*graph.Node, len(r.in))
			for i, v := range r.in {
				in[i] = g.Input(fmt.Sprintf("x%d", i), graph.Float64, v.shape...)
				require.NoError(t, in[i].SetFloat64s(v.v))
			}
			mode := ops.NewMode(true)
			y := ops.BatchNormalization("bn", in[0], in[1], in[2], mode, c.eps, 0.9)
			require.NoError(t, g.Err())
			setRunning(g, "bn", in[3], in[4])
			mean, variance := g.Node("bn.running_mean"), g.Node("bn.running_var")
			p, err := g.Compile(y)
			require.NoError(t, err)
			p.Run()
			require.NoError(t, p.Err())
			assert.InDeltaSlice(t, r.out[0].v, y.Float64s(), onnxTol*10)
			assert.InDeltaSlice(t, r.out[1].v, mean.Float64s(), onnxTol)
			assert.InDeltaSlice(t, r.out[2].v, variance.Float64s(), onnxTol)

			// Inference: the running statistics are used and not changed.
			mode.SetTraining(false)
			m0 := append([]float64(nil), mean.Float64s()...)
			v0 := append([]float64(nil), variance.Float64s()...)
			p.Run()
			assert.Equal(t, m0, mean.Float64s())
			assert.Equal(t, v0, variance.Float64s())
			x, s, b := r.in[0].v, r.in[1].v, r.in[2].v
			cn, sp := r.in[0].shape[1], r.in[0].shape.Size()/r.in[0].shape[0]/r.in[0].shape[1]
			for i, got := range y.Float64s() {
				ch := i / sp % cn
				want := (x[i]-m0[ch])/math.Sqrt(v0[ch]+c.eps)*s[ch] + b[ch]
				assert.InDelta(t, want, got, 1e-12)
			}
		})
	}
}

// TestBatchNormRunningMeanFollowsTorch: PyTorch's momentum m is ONNX's
// 1 − m; its running mean then agrees (its running variance is the
// unbiased one, which ONNX does not use).
func TestBatchNormRunningMeanFollowsTorch(t *testing.T) {
	for _, shape := range []string{"4x3", "2x3x4", "2x2x2x3x2"} {
		r := ref("torch/batch_norm_training_" + shape)
		g := graph.New()
		in := make([]*graph.Node, len(r.in))
		for i, v := range r.in {
			in[i] = g.Input(fmt.Sprintf("x%d", i), graph.Float64, v.shape...)
			require.NoError(t, in[i].SetFloat64s(v.v))
		}
		y := ops.BatchNormalization("bn", in[0], in[1], in[2], ops.NewMode(true), 1e-3, 0.75)
		require.NoError(t, g.Err())
		setRunning(g, "bn", in[3], in[4])
		p, err := g.Compile(y)
		require.NoError(t, err)
		p.Run()
		assert.InDeltaSlice(t, r.out[1].v, g.Node("bn.running_mean").Float64s(), 1e-14, shape)
	}
}

// TestBatchNormStateIsNotAParameter: the running statistics are neither
// params nor differentiable, and a training Run updates them once however
// many gradient nodes the program holds.
func TestBatchNormStateIsNotAParameter(t *testing.T) {
	g := graph.New()
	r := rand.New(rand.NewPCG(1, 2))
	x := g.Param("x", randTensor(r, graph.Shape{4, 2, 3}, anyReal))
	s := g.Param("s", randTensor(r, graph.Shape{2}, positive))
	b := g.Param("b", randTensor(r, graph.Shape{2}, anyReal))
	y := ops.BatchNormalization("bn", x, s, b, ops.NewMode(true), 1e-5, 0.5)
	mean := g.Node("bn.running_mean")
	require.NotNil(t, mean)
	assert.NotEqual(t, graph.KindParam, mean.Kind())
	cost := ops.Sum(ops.Square(y))
	grads, err := autodiff.Grad(cost, x, s, b)
	require.NoError(t, err)
	_, err = autodiff.Grad(cost, mean)
	assert.ErrorContains(t, err, "not differentiable")

	// Second order too: its nodes must not update the statistics again.
	h, err := autodiff.Grad(ops.Sum(ops.Square(grads[0])), x)
	require.NoError(t, err)
	p, err := g.Compile(append(append([]*graph.Node{cost}, grads...), h...)...)
	require.NoError(t, err)
	p.Run()
	// One update from 0 with momentum 0.5: half the batch mean.
	xv := x.Float64s()
	for c := 0; c < 2; c++ {
		var sum float64
		for n := 0; n < 4; n++ {
			for k := 0; k < 3; k++ {
				sum += xv[n*6+c*3+k]
			}
		}
		assert.InDelta(t, 0.5*sum/12, mean.Float64s()[c], 1e-15)
	}
}

// buildErrorCase builds a layer on a float64 input x of shape 2×3×4 and
// expects the graph's error to be want.
type buildErrorCase struct {
	build func(g *graph.Graph, x *graph.Node)
	want  string
}

func checkBuildErrors(t *testing.T, cases []buildErrorCase) {
	t.Helper()
	for _, tt := range cases {
		g := graph.New()
		tt.build(g, g.Input("x", graph.Float64, 2, 3, 4))
		assert.EqualError(t, g.Err(), tt.want)
	}
}

// TestNormRejectsBadArguments: every bad argument is a build error naming
// the layer, its inputs and their shapes, never a panic.
func TestNormRejectsBadArguments(t *testing.T) {
	checkBuildErrors(t, []buildErrorCase{
		{func(g *graph.Graph, x *graph.Node) { ops.LayerNormalization(x, nil, nil, 3, 1e-5) },
			"LayerNormalization(x): shape 2x3x4 has no axis 3"},
		{func(g *graph.Graph, x *graph.Node) { ops.LayerNormalization(x, nil, nil, -4, 1e-5) },
			"LayerNormalization(x): shape 2x3x4 has no axis -4"},
		{func(g *graph.Graph, x *graph.Node) { ops.LayerNormalization(x, vec(g, "s", 3), nil, -1, 1e-5) },
			"LayerNormalization(x, s): shapes 2x3x4 and 3 do not fit: scale 3 does not broadcast to x's shape"},
		{func(g *graph.Graph, x *graph.Node) { ops.LayerNormalization(x, nil, vec(g, "b", 5), -1, 1e-5) },
			"LayerNormalization(x, b): shapes 2x3x4 and 5 do not fit: bias 5 does not broadcast to x's shape"},
		{func(g *graph.Graph, x *graph.Node) { ops.LayerNormalization(x, nil, nil, -1, -1) },
			"LayerNormalization(x): epsilon -1 is not a finite number ≥ 0"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.LayerNormalization(x, g.Input("s", graph.Float32, 4), nil, -1, 1e-5)
		}, "LayerNormalization(x, s): dtypes float64 and float32 differ"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.InstanceNormalization(g.Input("v", graph.Float64, 2, 3), vec(g, "s", 3), vec(g, "b", 3), 1e-5)
		}, "InstanceNormalization(v, s, b): shapes 2x3, 3 and 3 do not fit: x must be N×C×D1… (rank 3 or more)"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.InstanceNormalization(x, vec(g, "s", 4), vec(g, "b", 3), 1e-5)
		},
			"InstanceNormalization(x, s, b): shapes 2x3x4, 4 and 3 do not fit: scale must have C = 3 elements"},
		{func(g *graph.Graph, x *graph.Node) { ops.InstanceNormalization(x, vec(g, "s", 3), nil, 1e-5) },
			"InstanceNormalization(x, s): needs scale and bias"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.GroupNormalization(x, vec(g, "s", 2), vec(g, "b", 2), 2, 1e-5)
		},
			"GroupNormalization(x, s, b): shapes 2x3x4, 2 and 2 do not fit: 2 groups do not divide C = 3 channels"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.GroupNormalization(x, vec(g, "s", 0), vec(g, "b", 0), 0, 1e-5)
		},
			"GroupNormalization(x, s, b): shapes 2x3x4, 0 and 0 do not fit: 0 groups do not divide C = 3 channels"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.GroupNormalization(x, vec(g, "s", 3), vec(g, "b", 1), 1, 1e-5)
		},
			"GroupNormalization(x, s, b): shapes 2x3x4, 3 and 1 do not fit: scale must have G = 1 elements"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.GroupNormalization(g.Input("v", graph.Float64, 3), vec(g, "s", 1), vec(g, "b", 1), 1, 1e-5)
		}, "GroupNormalization(v, s, b): shapes 3, 1 and 1 do not fit: x must be N×C×… (rank 2 or more)"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.BatchNormalization("bn", x, vec(g, "s", 3), vec(g, "b", 3), nil, 1e-5, 0.9)
			ops.BatchNormalization("bn", x, vec(g, "s2", 3), vec(g, "b2", 3), nil, 1e-5, 0.9)
		}, `graph: name "bn.running_mean" is already used by node #3`},
		{func(g *graph.Graph, x *graph.Node) {
			ops.BatchNormalization("", x, vec(g, "s", 3), vec(g, "b", 3), nil, 1e-5, 0.9)
		},
			"BatchNormalization(x, s, b): needs a name: its running statistics are the nodes name.running_mean and name.running_var"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.BatchNormalization("bn", x, vec(g, "s", 3), vec(g, "b", 2), nil, 1e-5, 0.9)
		},
			"BatchNormalization(x, s, b): shapes 2x3x4, 3 and 2 do not fit: bias must have C = 3 elements"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.BatchNormalization("bn", g.Input("v", graph.Float64, 3), vec(g, "s", 3), vec(g, "b", 3), nil, 1e-5, 0.9)
		}, "BatchNormalization(v, s, b): shapes 3, 3 and 3 do not fit: x must be N×C×… (rank 2 or more)"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.BatchNormalization("bn", x, vec(g, "s", 3), vec(g, "b", 3), nil, 1e-5, 1.5)
		},
			"BatchNormalization(x, s, b): momentum 1.5 is not in [0, 1]"},
		{func(g *graph.Graph, x *graph.Node) {
			ops.BatchNormalization("bn", g.Input("i", graph.Int64, 2, 3), vec(g, "s", 3), vec(g, "b", 3), nil, 1e-5, 0.9)
		}, "BatchNormalization(i, s, b): input 0 has dtype int64, want float32 or float64"},
	})
}

// vec returns a float64 input of n elements.
func vec(g *graph.Graph, name string, n int) *graph.Node { return g.Input(name, graph.Float64, n) }

// TestEmptyValuesRun: a batch of no samples, or samples of no elements,
// runs through the reductions, the normalisation layers and Dropout (and
// their gradients) without a panic.
func TestEmptyValuesRun(t *testing.T) {
	for _, s := range []graph.Shape{{0, 4}, {2, 0}, {0, 3, 2}, {2, 3, 0}} {
		g := graph.New()
		x := g.Param("x", tensor.New(tensor.WithShape([]int(s)...), tensor.WithBacking([]float64{})))
		c := g.Input("c", graph.Float64, s[1])
		outs := []*graph.Node{ops.ReduceMean(x, true, -1), ops.ReduceSum(x, false, 0), ops.LayerNormalization(x, nil, nil, -1, 1e-5),
			ops.BatchNormalization("bn", x, c, c, ops.NewMode(true), 1e-5, 0.9), ops.LRN(x, 3, 1, 1, 1),
			ops.Dropout(x, 0.5, ops.NewMode(true), ops.NewRNG(1))}
		if len(s) == 3 {
			outs = append(outs, ops.InstanceNormalization(x, c, c, 1e-5))
		}
		if s[1] > 0 {
			outs = append(outs, ops.GroupNormalization(x, c, c, s[1], 1e-5))
		}
		var cost *graph.Node
		for _, o := range outs {
			if cost == nil {
				cost = ops.Sum(o)
			} else {
				cost = ops.Add(cost, ops.Sum(o))
			}
		}
		grads, err := autodiff.Grad(cost, x)
		require.NoError(t, err)
		p, err := g.Compile(append(outs, grads...)...)
		require.NoError(t, err)
		assert.NotPanics(t, p.Run, "shape %s", s)
	}
}
