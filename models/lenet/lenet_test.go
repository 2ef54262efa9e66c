package lenet_test

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/internal/modeltest"
	"github.com/gradgraph/gradgraph/models/lenet"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// tiny is the configuration of the tests' small instances.
func tiny(batch int, dt graph.DType, dropout float64) lenet.Config {
	return lenet.Config{MaxBatch: batch, DType: dt, Dropout: dropout, Seed: 3, Conv1: 2, Conv2: 3, Hidden1: 5, Hidden2: 4}
}

// fill feeds the images idx of d to the net.
func fill(t testing.TB, n *lenet.Net, d *datasets.Dataset, idx []int) {
	require.NoError(t, train.Rows(d).Fill(n.Model.Inputs, idx))
}

// randomBiases sets the biases of n to small random values: at their
// initial zeros, the blank background of an image puts every ReLU of the
// convolutions exactly on its kink, where a central difference sees half
// the slope and the gradient (rightly) 0.
func randomBiases(n *lenet.Net, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 0))
	for _, p := range n.Params {
		if p.Shape().Rank() != 1 {
			continue
		}
		for i := range p.Float64s() {
			p.Float64s()[i] = 0.1 * r.NormFloat64()
		}
	}
}

// TestGradientsMatchFiniteDifferences checks the gradients of every param
// of a small float64 instance against central differences, with dropout
// off (inference mode draws no mask, and each run of a finite difference
// would draw another).
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	d, _ := modeltest.MNIST(t)
	n, err := lenet.New(tiny(3, graph.Float64, 0.5))
	require.NoError(t, err)
	randomBiases(n, 1)
	n.Mode.SetTraining(false)
	fill(t, n, d, []int{0, 1, 2})
	diffs, err := autodiff.Check(n.Loss, n.Params, 1e-6)
	require.NoError(t, err)
	for _, df := range diffs {
		assert.Less(t, df.MaxRel, 1e-6, "%s: max |autodiff − numeric| = %g", df.Node.Name(), df.MaxAbs)
	}
}

// TestDropoutGradientsMatchFiniteDifferences checks the gradients in
// training mode, dropout on, against central differences taken with the
// same masks: the stream is set back before every run, so each run draws
// the masks the gradients were computed with. Entries are sampled from
// every param.
func TestDropoutGradientsMatchFiniteDifferences(t *testing.T) {
	d, _ := modeltest.MNIST(t)
	n, err := lenet.New(tiny(4, graph.Float64, 0.5))
	require.NoError(t, err)
	randomBiases(n, 2)
	fill(t, n, d, []int{3, 4, 5, 6})
	grads, err := autodiff.Grad(n.Loss, n.Params...)
	require.NoError(t, err)
	p, err := n.Loss.Graph().Compile(append([]*graph.Node{n.Loss}, grads...)...)
	require.NoError(t, err)
	seed, count := n.RNG.State()
	run := func() float64 {
		n.RNG.SetState(seed, count)
		p.Run()
		require.NoError(t, p.Err())
		return n.Loss.Scalar()
	}
	run()
	auto := make([][]float64, len(grads))
	for k, g := range grads {
		auto[k] = append([]float64(nil), g.Float64s()...)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const eps = 1e-6
	checked, dropped := 0, 0
	for k, par := range n.Params {
		v := par.Float64s()
		for range 8 {
			i := r.IntN(len(v))
			x := v[i]
			v[i] = x + eps
			up := run()
			v[i] = x - eps
			down := run()
			v[i] = x
			num := (up - down) / (2 * eps)
			assert.InDelta(t, num, auto[k][i], 1e-6*max(1, math.Abs(num)), "%s[%d]", par.Name(), i)
			checked++
			if auto[k][i] == 0 {
				dropped++
			}
		}
	}
	assert.Less(t, dropped, checked/2, "most sampled entries have a gradient")
	// The masks were drawn: the same program in inference mode gives
	// another loss.
	withMasks := run()
	n.Mode.SetTraining(false)
	assert.NotEqual(t, withMasks, run())
}

// TestForwardMatchesPyTorch compares the logits, the loss and the
// gradients of a small float64 instance with those of the same network
// in PyTorch, params and images given by formulas
// (testdata/torch_lenet.py computed the numbers).
func TestForwardMatchesPyTorch(t *testing.T) {
	n, err := lenet.New(tiny(2, graph.Float64, 0.5))
	require.NoError(t, err)
	n.Mode.SetTraining(false)
	names := []string{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"}
	require.Len(t, n.Params, len(names))
	for j, p := range n.Params {
		require.Equal(t, names[j], p.Name(), "PyTorch's state_dict order and names")
		v := p.Float64s()
		for k := range v {
			v[k] = 0.3 * math.Sin(0.7*float64(k)+float64(j))
		}
	}
	x := make([]float64, 2*784)
	for i := range x {
		x[i] = (1 + math.Cos(0.3*float64(i%784)+float64(i/784))) / 2
	}
	require.NoError(t, n.Images.SetFloat64s(x))
	require.NoError(t, n.Labels.SetInt64s([]int64{3, 7}))
	grads, err := autodiff.Grad(n.Loss, n.Params...)
	require.NoError(t, err)
	p, err := n.Loss.Graph().Compile(append([]*graph.Node{n.Logits, n.Loss}, grads...)...)
	require.NoError(t, err)
	p.Run()
	require.NoError(t, p.Err())
	want := []float64{0.25860436120808966, -0.26661651452511365, -0.03452804371881471, -0.5162092175380765, -0.011363508538473233,
		-0.17271212211650144, 0.26890049342652445, 0.272408634408255, 0.2133282202339167, 0.24206589752478824,
		0.26613051896588424, -0.2729620317218717, -0.030096425344844052, -0.5182148400158642, -0.012015642301406337,
		-0.16947758963763399, 0.2634573296630429, 0.2794314429331282, 0.20553728982465047, 0.24972466637232593}
	assert.InDeltaSlice(t, want, n.Logits.Float64s(), 1e-12)
	assert.InDelta(t, 2.478634313566543, n.Loss.Scalar(), 1e-12)
	// Each param's gradient: the sum of its entries and its first entry.
	wantGrads := [][2]float64{
		{-0.009974938427145892, -0.0007967606589822634}, {-0.005198077690449443, -0.005729679726133839},
		{-0.11185827891019176, 0.0033297185180531518}, {-0.0032385831760744924, 0.004009786908693549},
		{-0.4980781849384375, 0}, {-0.039167621171768745, 0},
		{0.9439023164238454, 0}, {0.6865820034993395, 0.05639775332462382},
		{-1.1102230246251565e-16, 0.05294065526974391}, {1.1102230246251565e-16, 0.12271717702099563},
	}
	for j, g := range grads {
		var sum float64
		for _, v := range g.Float64s() {
			sum += v
		}
		assert.InDelta(t, wantGrads[j][0], sum, 1e-12, names[j])
		assert.InDelta(t, wantGrads[j][1], g.Float64s()[0], 1e-12, names[j])
	}
}

func adam(t testing.TB) *solvers.Solver {
	s, err := solvers.New(solvers.Adam{Eta: 0.003, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	require.NoError(t, err)
	return s
}

// newTrainer returns a trainer of a small float32 instance with dropout
// on the first 50 images (batches of 16: three and a short one of 2),
// validated on the next 30.
func newTrainer(t testing.TB, ckpt string) (*lenet.Net, *train.Trainer) {
	d, _ := modeltest.MNIST(t)
	n, err := lenet.New(lenet.Config{MaxBatch: 16, Dropout: 0.25, Seed: 5, Conv1: 4, Conv2: 8, Hidden1: 16, Hidden2: 12})
	require.NoError(t, err)
	tr, err := train.NewTrainer(n.Model, train.Rows(d.Slice(0, 50)), train.Rows(d.Slice(50, 80)), adam(t),
		train.Options{BatchSize: 16, Seed: 7, Checkpoint: ckpt})
	require.NoError(t, err)
	return n, tr
}

// TestTrainerShortBatchAndEvaluation: an epoch of 50 images in batches
// of 16 takes four steps, the last on 2 images, whose gradients are those
// of the network built for 2 images; evaluation in batches of 16 (the
// last of 14) counts what one batch of all the images counts.
func TestTrainerShortBatchAndEvaluation(t *testing.T) {
	d, test := modeltest.MNIST(t)
	n, tr := newTrainer(t, "")
	var sizes []int
	tr.OnBatch = func(p train.Progress) { sizes = append(sizes, p.Batch) }
	require.NoError(t, tr.Run(context.Background(), 2))
	assert.Equal(t, []int{1, 2, 3, 4, 1, 2, 3, 4}, sizes)
	h := tr.History()
	require.Len(t, h, 2)
	assert.Less(t, h[1].Loss, h[0].Loss)
	assert.Contains(t, h[1].ValMetrics, "accuracy")

	// The gradients of a batch of 2 in the graph for 16 are those of the
	// graph for 2, with the same params and masks.
	small, err := lenet.New(lenet.Config{MaxBatch: 2, Dropout: 0.25, Seed: 5, Conv1: 4, Conv2: 8, Hidden1: 16, Hidden2: 12})
	require.NoError(t, err)
	for i, p := range n.Params {
		copy(small.Params[i].Float32s(), p.Float32s())
	}
	var got [][]float32
	for _, net := range []*lenet.Net{n, small} {
		net.RNG.SetState(11, 4)
		fill(t, net, d, []int{60, 61})
		grads, err := autodiff.Grad(net.Loss, net.Params...)
		require.NoError(t, err)
		p, err := net.Loss.Graph().Compile(append([]*graph.Node{net.Loss}, grads...)...)
		require.NoError(t, err)
		p.Run()
		require.NoError(t, p.Err())
		var flat []float32
		for _, g := range grads {
			flat = append(flat, g.Float32s()...)
		}
		got = append(got, append(flat, float32(net.Loss.Scalar())))
	}
	assert.Equal(t, got[1], got[0], "the short batch's loss and gradients")

	// Evaluation of 30 test images in batches of 16 and 14, against one
	// batch of 30.
	sub := test.Slice(0, 30)
	res, err := tr.Evaluate(train.Rows(sub))
	require.NoError(t, err)
	whole, err := lenet.New(lenet.Config{MaxBatch: 30, Dropout: 0.25, Seed: 5, Conv1: 4, Conv2: 8, Hidden1: 16, Hidden2: 12})
	require.NoError(t, err)
	for i, p := range n.Params {
		copy(whole.Params[i].Float32s(), p.Float32s())
	}
	one, err := train.Evaluate(whole.Model, train.Rows(sub))
	require.NoError(t, err)
	assert.Equal(t, one["accuracy"], res["accuracy"])
	assert.InDelta(t, one["loss"], res["loss"], 1e-6)
	assert.True(t, n.Mode.Training() == whole.Mode.Training(), "evaluation restores the mode")
}

// TestCheckpointResumeBitIdentical: two epochs, a checkpoint, a new trainer
// resumed from it and run to four: the params and the last loss are those
// of four epochs straight, bit for bit, dropout masks included.
func TestCheckpointResumeBitIdentical(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	_, first := newTrainer(t, ckpt)
	require.NoError(t, first.Run(context.Background(), 2))
	resumedNet, resumed := newTrainer(t, "")
	require.NoError(t, resumed.Resume(ckpt))
	require.Equal(t, 2, resumed.Epoch())
	require.NoError(t, resumed.Run(context.Background(), 4))
	straightNet, straight := newTrainer(t, "")
	require.NoError(t, straight.Run(context.Background(), 4))
	assert.Equal(t, modeltest.Float32s(straightNet.Params), modeltest.Float32s(resumedNet.Params))
	assert.Equal(t, straight.History()[3].Loss, resumed.History()[3].Loss)
	seed, count := straightNet.RNG.State()
	s2, c2 := resumedNet.RNG.State()
	assert.Equal(t, [2]uint64{seed, count}, [2]uint64{s2, c2}, "the dropout stream")
	assert.Equal(t, uint64(2*4*4), count, "two masks a step, four steps an epoch")
}

// TestSavedParamsLoadByName: the params saved as safetensors load into a
// network of other initial weights, which then computes the same logits.
func TestSavedParamsLoadByName(t *testing.T) {
	d, _ := modeltest.MNIST(t)
	a, err := lenet.New(tiny(4, graph.Float32, 0.5))
	require.NoError(t, err)
	c := tiny(4, graph.Float32, 0.5)
	c.Seed = 99
	b, err := lenet.New(c)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "lenet.safetensors")
	require.NoError(t, train.SaveParams(path, a.Params, map[string]string{"model": "lenet"}))
	_, err = train.LoadParams(path, b.Params)
	require.NoError(t, err)
	var logits [][]float32
	for _, n := range []*lenet.Net{a, b} {
		n.Mode.SetTraining(false)
		fill(t, n, d, []int{0, 1, 2, 3})
		p, err := n.Logits.Graph().Compile(n.Logits)
		require.NoError(t, err)
		p.Run()
		logits = append(logits, append([]float32(nil), n.Logits.Float32s()...))
	}
	assert.Equal(t, logits[0], logits[1])

	wider := tiny(4, graph.Float32, 0.5)
	wider.Hidden1 = 6
	w, err := lenet.New(wider)
	require.NoError(t, err)
	_, err = train.LoadParams(path, w.Params)
	assert.EqualError(t, err, "train: load params: "+path+": fc1.weight: shape [5 48], the model's is [6 48]")
}

func TestNewRejectsBadConfigs(t *testing.T) {
	for _, c := range []struct {
		cfg  lenet.Config
		want string
	}{
		{lenet.Config{}, "lenet: max batch 0, want > 0"},
		{lenet.Config{MaxBatch: 1, DType: graph.Int64}, "lenet: dtype int64, want float32 or float64"},
		{lenet.Config{MaxBatch: 1, Dropout: 1}, "lenet: dropout 1, want a ratio in [0, 1)"},
		{lenet.Config{MaxBatch: 1, Dropout: math.NaN()}, "lenet: dropout NaN, want a ratio in [0, 1)"},
		{lenet.Config{MaxBatch: 1, Conv2: -3}, "lenet: conv2: -3, want a size in 1 … 1024"},
	} {
		_, err := lenet.New(c.cfg)
		assert.EqualError(t, err, c.want)
	}
	assert.Equal(t, "16c5-p2-32c5-p2-128-84-10", lenet.Config{}.Describe())
}
