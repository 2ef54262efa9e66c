package vit_test

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/internal/modeltest"
	"github.com/gradgraph/gradgraph/models/vit"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// tiny is the configuration of the tests' small instances: 16 tokens of
// width 8, 2 heads, 2 blocks.
func tiny(batch int, dt graph.DType) vit.Config {
	return vit.Config{MaxBatch: batch, DType: dt, Seed: 3, Dim: 8, Heads: 2, Depth: 2, MLP: 12}
}

func fill(t testing.TB, n *vit.Net, d *datasets.Dataset, idx []int) {
	require.NoError(t, train.Rows(d).Fill(n.Model.Inputs, idx))
}

// TestGradientsMatchFiniteDifferences checks the gradients of every param
// of a small float64 instance against central differences, dropout off
// (inference mode draws no mask; each run of a finite difference would
// draw another).
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	d, _ := modeltest.MNIST(t)
	c := tiny(3, graph.Float64)
	c.Dropout = 0.2
	n, err := vit.New(c)
	require.NoError(t, err)
	n.Mode.SetTraining(false)
	fill(t, n, d, []int{0, 1, 2})
	diffs, err := autodiff.Check(n.Loss, n.Params, 1e-6)
	require.NoError(t, err)
	require.Len(t, diffs, len(n.Params))
	for _, df := range diffs {
		assert.Less(t, df.MaxRel, 1e-7, "%s: max |autodiff − numeric| = %g", df.Node.Name(), df.MaxAbs)
	}
}

// TestMatchesPyTorch compares the logits, the loss and the gradients of a
// small float64 instance with those of the same transformer in PyTorch,
// params and images given by formulas (testdata/torch_vit.py computed the
// numbers).
func TestMatchesPyTorch(t *testing.T) {
	n, err := vit.New(tiny(2, graph.Float64))
	require.NoError(t, err)
	for j, p := range n.Params {
		v := p.Float64s()
		for k := range v {
			v[k] = 0.5 * math.Sin(0.37*float64(k)+1.3*float64(j))
			if strings.HasSuffix(p.Name(), "norm1.weight") || strings.HasSuffix(p.Name(), "norm2.weight") || p.Name() == "norm.weight" {
				v[k]++
			}
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
	want := []float64{-0.1715071802273661, -0.669592242681707, 0.577752743279087, -0.7066931309005973, 1.2762068083751104,
		-0.6991210653301149, 1.6949864638565857, -0.7638617453570982, 1.7009099659840334, -0.9229356443103114,
		0.06308029469791032, -0.8665000933183318, 0.730505581328731, -0.8102676221648244, 1.3271968669788807,
		-0.6958498641294325, 1.6375615775261367, -0.6541716127568671, 1.542561788141223, -0.7211367602647378}
	assert.InDeltaSlice(t, want, n.Logits.Float64s(), 1e-12)
	assert.InDelta(t, 3.640461844282458, n.Loss.Scalar(), 1e-12)
	// Each param's gradient: the sum of its entries and its first entry,
	// in the order of Params (the names say which).
	wantGrads := map[string][2]float64{
		"patch_embed.weight": {2.5118795932144167e-15, 0.05600813655900769}, "patch_embed.bias": {1.249000902703301e-16, 0.13321084805692407},
		"pos_embed":                 {1.1102230246251565e-16, 0.005904837020692565},
		"blocks.0.norm1.weight":     {-0.07558509371129307, -0.0206559441550504},
		"blocks.0.norm1.bias":       {-0.08055370872890838, -0.01955094792739491},
		"blocks.0.attn.q.weight":    {0.0012520346844723212, -0.00013368919822869985},
		"blocks.0.attn.q.bias":      {0.0026634555818307853, -0.007530975732445192},
		"blocks.0.attn.k.weight":    {0.015639915883359064, -0.0008212898017130091},
		"blocks.0.attn.k.bias":      {-6.776263578034403e-20, -2.846030702774449e-19},
		"blocks.0.attn.v.weight":    {-0.11141121567598636, 0.00839140707502455},
		"blocks.0.attn.v.bias":      {-0.14625197736151474, 0.024703878097567706},
		"blocks.0.attn.proj.weight": {3.0531133177191805e-16, 0.006936972657182962},
		"blocks.0.attn.proj.bias":   {1.0408340855860843e-16, 0.13348034829498745},
		"blocks.0.norm2.weight":     {-0.0547299874259021, -0.007018377953100313},
		"blocks.0.norm2.bias":       {-0.20124309168503993, 0.025668920625562686},
		"blocks.0.mlp.fc1.weight":   {-0.23356113060853134, -0.0041789908485373485},
		"blocks.0.mlp.fc1.bias":     {-0.12429920293174425, 0.028509567035794704},
		"blocks.0.mlp.fc2.weight":   {4.0419056990259605e-16, 0.08449984651635947},
		"blocks.0.mlp.fc2.bias":     {1.0408340855860843e-16, 0.11271124587967357},
		"blocks.1.norm1.weight":     {0.003672927537877688, 0.017161527875890193},
		"blocks.1.norm1.bias":       {-0.05407309095065385, 0.002356905118963498},
		"blocks.1.attn.q.weight":    {-0.007531781443451187, 0.006167680782913748},
		"blocks.1.attn.q.bias":      {-0.0046033120946354774, 0.00219081219487792},
		"blocks.1.attn.k.weight":    {0.01142351830124804, 0.0014036388695382413},
		"blocks.1.attn.k.bias":      {-2.3445871979999033e-18, -2.019326546254252e-18},
		"blocks.1.attn.v.weight":    {-0.10108064129073012, -0.018795150370882106},
		"blocks.1.attn.v.bias":      {-0.05238923541851718, -0.040758338741426633},
		"blocks.1.attn.proj.weight": {-2.931682674400804e-16, 0.14862959826530703},
		"blocks.1.attn.proj.bias":   {1.3877787807814457e-16, 0.11006140666401706},
		"blocks.1.norm2.weight":     {0.05912809689924249, -0.0231507746424617},
		"blocks.1.norm2.bias":       {0.20974736622489987, 0.026542254324315756},
		"blocks.1.mlp.fc1.weight":   {0.20320420068303907, -0.05835399985101962},
		"blocks.1.mlp.fc1.bias":     {0.12416971906783919, -0.0390751185696702},
		"blocks.1.mlp.fc2.weight":   {9.08995101411847e-16, 0.04706403001685338},
		"blocks.1.mlp.fc2.bias":     {1.249000902703301e-16, 0.10821954060196064},
		"norm.weight":               {0.14552356798044386, -0.03271569758746589},
		"norm.bias":                 {-4.271155850695388, -0.024969589799905365},
		"head.weight":               {1.2836953722228372e-16, 0.04491137763902092},
		"head.bias":                 {0.0, 0.049483073898169014},
	}
	require.Len(t, n.Params, len(wantGrads))
	for j, g := range grads {
		name := n.Params[j].Name()
		w, ok := wantGrads[name]
		require.True(t, ok, "PyTorch has a param %s", name)
		var sum float64
		for _, v := range g.Float64s() {
			sum += v
		}
		assert.InDelta(t, w[0], sum, 1e-12, name)
		assert.InDelta(t, w[1], g.Float64s()[0], 1e-12, name)
	}
	// Each head's attention weights are a distribution over the tokens.
	for _, a := range n.Attention {
		assert.Equal(t, graph.Shape{2, 2, 16, 16}, a.Shape())
	}
}

func adam(t testing.TB) *solvers.Solver {
	s, err := solvers.New(solvers.Adam{Eta: 0.003, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	require.NoError(t, err)
	return s
}

func small(batch int) vit.Config {
	return vit.Config{MaxBatch: batch, Seed: 5, Dim: 16, Heads: 2, Depth: 2, MLP: 24, Dropout: 0.1}
}

// newTrainer returns a trainer of a small float32 instance on the first
// 50 images (batches of 16: three and a short one of 2), validated on the
// next 30.
func newTrainer(t testing.TB, ckpt string) (*vit.Net, *train.Trainer) {
	d, _ := modeltest.MNIST(t)
	n, err := vit.New(small(16))
	require.NoError(t, err)
	tr, err := train.NewTrainer(n.Model, train.Rows(d.Slice(0, 50)), train.Rows(d.Slice(50, 80)), adam(t),
		train.Options{BatchSize: 16, Seed: 7, Checkpoint: ckpt})
	require.NoError(t, err)
	return n, tr
}

// copyParams sets the params of dst to those of src.
func copyParams(dst, src *vit.Net) {
	for i, p := range src.Params {
		copy(dst.Params[i].Float32s(), p.Float32s())
	}
}

// TestTrainerShortBatchAndEvaluation: an epoch of 50 images in batches
// of 16 takes four steps, the last on 2 images, whose loss and gradients
// are those of the transformer built for 2 images; evaluation in batches
// of 16 (the last of 14) gives what one batch of all the images gives.
func TestTrainerShortBatchAndEvaluation(t *testing.T) {
	d, test := modeltest.MNIST(t)
	n, tr := newTrainer(t, "")
	var sizes []int
	tr.OnBatch = func(p train.Progress) { sizes = append(sizes, p.Batch) }
	require.NoError(t, tr.Run(context.Background(), 3))
	assert.Equal(t, []int{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4}, sizes)
	h := tr.History()
	assert.Less(t, h[2].Loss, h[0].Loss)

	two, err := vit.New(small(2))
	require.NoError(t, err)
	copyParams(two, n)
	var got [][]float32
	for _, net := range []*vit.Net{n, two} {
		net.RNG.SetState(11, 4) // the same masks
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

	sub := test.Slice(0, 30)
	res, err := tr.Evaluate(train.Rows(sub))
	require.NoError(t, err)
	whole, err := vit.New(small(30))
	require.NoError(t, err)
	copyParams(whole, n)
	one, err := train.Evaluate(whole.Model, train.Rows(sub))
	require.NoError(t, err)
	assert.Equal(t, one["accuracy"], res["accuracy"])
	assert.InDelta(t, one["loss"], res["loss"], 1e-6)
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
	require.NoError(t, resumed.Run(context.Background(), 4))
	straightNet, straight := newTrainer(t, "")
	require.NoError(t, straight.Run(context.Background(), 4))
	assert.Equal(t, modeltest.Float32s(straightNet.Params), modeltest.Float32s(resumedNet.Params))
	assert.Equal(t, straight.History()[3].Loss, resumed.History()[3].Loss)
}

// TestSavedParamsLoadByName: the params saved as safetensors load into a
// transformer of other initial weights, which then computes the same
// logits; a transformer of another width refuses them, naming the param.
func TestSavedParamsLoadByName(t *testing.T) {
	d, _ := modeltest.MNIST(t)
	a, err := vit.New(tiny(4, graph.Float32))
	require.NoError(t, err)
	c := tiny(4, graph.Float32)
	c.Seed = 99
	b, err := vit.New(c)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "vit.safetensors")
	require.NoError(t, train.SaveParams(path, a.Params, nil))
	_, err = train.LoadParams(path, b.Params)
	require.NoError(t, err)
	var logits [][]float32
	for _, n := range []*vit.Net{a, b} {
		fill(t, n, d, []int{0, 1, 2, 3})
		p, err := n.Logits.Graph().Compile(n.Logits)
		require.NoError(t, err)
		p.Run()
		logits = append(logits, append([]float32(nil), n.Logits.Float32s()...))
	}
	assert.Equal(t, logits[0], logits[1])

	wider := tiny(4, graph.Float32)
	wider.MLP = 16
	w, err := vit.New(wider)
	require.NoError(t, err)
	_, err = train.LoadParams(path, w.Params)
	assert.EqualError(t, err, "train: load params: "+path+": blocks.0.mlp.fc1.weight: shape [12 8], the model's is [16 8]")
}

func TestNewRejectsBadConfigs(t *testing.T) {
	for _, c := range []struct {
		cfg  vit.Config
		want string
	}{
		{vit.Config{}, "vit: max batch 0, want > 0"},
		{vit.Config{MaxBatch: 1, DType: graph.Int32}, "vit: dtype int32, want float32 or float64"},
		{vit.Config{MaxBatch: 1, Patch: 5}, "vit: patch 5, want a divisor of 28"},
		{vit.Config{MaxBatch: 1, Dim: 30, Heads: 4}, "vit: 4 heads do not divide dim 30"},
		{vit.Config{MaxBatch: 1, Depth: -1}, "vit: depth: -1, want a size in 1 … 1024"},
		{vit.Config{MaxBatch: 1, MLP: 5000}, "vit: mlp: 5000, want a size in 1 … 1024"},
		{vit.Config{MaxBatch: 1, Dropout: 1}, "vit: dropout 1, want a ratio in [0, 1)"},
	} {
		_, err := vit.New(c.cfg)
		assert.EqualError(t, err, c.want)
	}
	assert.Equal(t, "patch 7 (16 tokens), dim 64, 4 heads, depth 4, mlp 128", vit.Config{}.Describe())
	assert.Equal(t, 49, vit.Config{Patch: 4}.Tokens())
}
