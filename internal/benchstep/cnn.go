package benchstep

import (
	"fmt"
	"math/rand/v2"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/lenet"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/solvers"
)

// LeNetDropout is the dropout ratio of the LeNet the benchmark times, the
// default of `gradgraph train --model lenet`.
const LeNetDropout = 0.25

// LeNet returns one training step of the LeNet CNN of models/lenet
// (16c5-p2-32c5-p2-128-84-10, dropout LeNetDropout, in training mode) on
// a fixed random batch: forward, backward and the update with s. It also
// returns the bytes its program planned for intermediate values. The
// images are uniform in [0, 1) like pixels, the labels uniform in 0 … 9,
// as in bench/pytorch_step.py.
func LeNet(dt graph.DType, batch int, s *solvers.Solver) (func() error, int64, error) {
	net, err := lenet.New(lenet.Config{MaxBatch: batch, DType: dt, Dropout: LeNetDropout, Seed: 1})
	if err != nil {
		return nil, 0, err
	}
	r := rand.New(rand.NewPCG(7, 7))
	if err := net.Images.SetFloat64s(uniform(r, net.Images.Shape().Size())); err != nil {
		return nil, 0, err
	}
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(r.IntN(lenet.Classes))
	}
	if err := net.Labels.SetInt64s(labels); err != nil {
		return nil, 0, err
	}
	grads, err := autodiff.Grad(net.Loss, net.Params...)
	if err != nil {
		return nil, 0, err
	}
	p, err := net.Loss.Graph().Compile(append([]*graph.Node{net.Loss}, grads...)...)
	if err != nil {
		return nil, 0, err
	}
	return func() error {
		p.Run()
		if err := p.Err(); err != nil {
			return err
		}
		return s.Step(net.Params, grads)
	}, p.PlannedBytes(), nil
}

// Conv3x3 sizes: the layer ConvLayer times, a 3×3 convolution 64 → 64
// with pad 1 on 32×32 images (a VGG or ResNet block).
const (
	Conv3x3Channels = 64
	Conv3x3Side     = 32
)

// ConvLayer returns forward and backward of one convolution layer, 3×3,
// Conv3x3Channels → Conv3x3Channels, pad 1, stride 1, with a bias, on a
// fixed random batch of batch × 64 × 32 × 32: y = Conv(x, w, b), then,
// given a fixed adjoint g of y, the gradients of x, w and b
// (ConvGradInput, ConvGradWeight and ReduceSum, as autodiff builds them).
// No update: it is the layer's time, as torch's y.backward(g) with x
// requiring its gradient.
func ConvLayer(dt graph.DType, batch int) (func() error, int64, error) {
	const c, side = Conv3x3Channels, Conv3x3Side
	g := graph.New()
	r := rand.New(rand.NewPCG(7, 7))
	opts := ops.ConvOptions{Pads: []int{1, 1, 1, 1}}
	x := g.Input("x", dt, batch, c, side, side)
	w := g.Input("w", dt, c, c, 3, 3)
	b := g.Input("b", dt, c)
	gy := g.Input("g", dt, batch, c, side, side)
	for _, n := range []*graph.Node{x, w, b, gy} {
		if err := n.SetFloat64s(uniform(r, n.Shape().Size())); err != nil {
			return nil, 0, err
		}
	}
	y := ops.Conv(x, w, b, opts)
	outs := []*graph.Node{y, ops.ConvGradInput(gy, w, x.Shape(), opts), ops.ConvGradWeight(x, gy, w.Shape(), opts),
		ops.ReduceSum(gy, false, 0, 2, 3)}
	if err := g.Err(); err != nil {
		return nil, 0, fmt.Errorf("bench: conv layer: %w", err)
	}
	p, err := g.Compile(outs...)
	if err != nil {
		return nil, 0, err
	}
	return func() error {
		p.Run()
		return p.Err()
	}, p.PlannedBytes(), nil
}

// uniform returns n values uniform in [0, 1).
func uniform(r *rand.Rand, n int) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = r.Float64()
	}
	return xs
}
