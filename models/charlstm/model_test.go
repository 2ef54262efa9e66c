package charlstm_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/charlstm"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// tiny is a model small enough for finite differences: two layers, so
// the gradient flows through a stacked LSTM.
func tiny(dt graph.DType, batch int) charlstm.Config {
	return charlstm.Config{Vocab: 5, Context: 4, Embed: 3, Hidden: 3, Layers: 2, Batch: batch, DType: dt, Seed: 3}
}

func fillRandom(t *testing.T, m *charlstm.Model, r *rand.Rand, batch int) {
	require.NoError(t, m.Tokens.SetBatch(batch))
	require.NoError(t, m.Next.SetBatch(batch))
	for i := range m.Tokens.Int64s() {
		m.Tokens.Int64s()[i] = int64(r.IntN(m.Vocab))
		m.Next.Int64s()[i] = int64(r.IntN(m.Vocab))
	}
}

// TestGradientsMatchFiniteDifferences: autodiff's gradient of the loss
// with respect to every parameter (the embedding, both layers' W, R and
// B, the head) agrees with central differences, in float64.
func TestGradientsMatchFiniteDifferences(t *testing.T) {
	m, err := charlstm.New(tiny(graph.Float64, 3))
	require.NoError(t, err)
	fillRandom(t, m, rand.New(rand.NewPCG(1, 2)), 3)
	diffs, err := autodiff.Check(m.Loss, m.Params(), 1e-6)
	require.NoError(t, err)
	require.Len(t, diffs, 2+3*2+1)
	for _, d := range diffs {
		assert.Lessf(t, d.MaxRel, 1e-7, "%s: autodiff and finite differences differ by %g", d.Node.Name(), d.MaxAbs)
	}
}

// TestBitsAreTheLossInBits: the metric is the loss over ln 2, and an
// untrained model is close to uniform over the vocabulary.
func TestBitsAreTheLossInBits(t *testing.T) {
	m, err := charlstm.New(tiny(graph.Float64, 2))
	require.NoError(t, err)
	fillRandom(t, m, rand.New(rand.NewPCG(3, 4)), 2)
	p, err := m.Graph.Compile(m.Loss, m.Bits)
	require.NoError(t, err)
	p.Run()
	require.NoError(t, p.Err())
	assert.InDelta(t, m.Loss.Scalar()/math.Ln2, m.Bits.Scalar(), 1e-15)
	assert.InDelta(t, math.Log2(5), m.Bits.Scalar(), 0.5)
}

// TestShortBatchGradientsEqualASmallerGraphs: one step program, built for
// batches of 4 and run on 3 windows (an epoch's short last batch), gives
// the loss and gradients of the same model built for batches of 3.
func TestShortBatchGradientsEqualASmallerGraphs(t *testing.T) {
	grads := func(batch int) [][]float64 {
		m, err := charlstm.New(tiny(graph.Float64, batch))
		require.NoError(t, err)
		fillRandom(t, m, rand.New(rand.NewPCG(5, 6)), 3)
		gs, err := autodiff.Grad(m.Loss, m.Params()...)
		require.NoError(t, err)
		p, err := m.Graph.Compile(append([]*graph.Node{m.Loss}, gs...)...)
		require.NoError(t, err)
		p.Run()
		require.NoError(t, p.Err())
		out := [][]float64{{m.Loss.Scalar()}}
		for _, g := range gs {
			out = append(out, append([]float64(nil), g.Float64s()...))
		}
		return out
	}
	want, got := grads(3), grads(4)
	for i := range want {
		assert.InDeltaSlice(t, want[i], got[i], 1e-14, "output %d", i)
	}
}

// corpus is a small text with structure an LSTM learns in seconds.
func corpus() *datasets.Text {
	var b strings.Builder
	r := rand.New(rand.NewPCG(7, 8))
	words := []string{"func ", "return ", "if err != nil {\n", "}\n", "x := ", "y\n"}
	for b.Len() < 6000 {
		b.WriteString(words[r.IntN(len(words))])
	}
	s := b.String()
	return datasets.NewText("words", []byte(s[:5000]), []byte(s[5000:6000]))
}

func newTrainer(t *testing.T, text *datasets.Text, ckpt string) *train.Trainer {
	c := charlstm.Config{Vocab: len(text.Vocab), Context: 16, Embed: 8, Hidden: 16, Layers: 1, Batch: 32,
		DType: graph.Float32, Seed: 1}
	m, err := charlstm.New(c)
	require.NoError(t, err)
	trainData, valData := charlstm.Data(text, c.Context)
	opt, err := solvers.New(solvers.Adam{Eta: 0.01, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	require.NoError(t, err)
	tr, err := train.NewTrainer(m.Train, trainData, valData, opt, train.Options{BatchSize: 32, Seed: 2, Checkpoint: ckpt})
	require.NoError(t, err)
	return tr
}

// TestTrainerLearnsAndResumesBitIdentical trains on a corpus of 312
// windows (9 full batches of 32 and a short one of 24 an epoch) for 8
// epochs, checks
// that the validation bits fall well below the unigram baseline, and that
// a run resumed from the checkpoint of epoch 2 ends with the weights and
// history of the uninterrupted run, bit for bit.
func TestTrainerLearnsAndResumesBitIdentical(t *testing.T) {
	text := corpus()
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.ckpt")
	straight := newTrainer(t, text, ckpt)
	steps := 0
	straight.OnBatch = func(train.Progress) { steps++ }
	require.NoError(t, straight.Run(context.Background(), 2))
	assert.Equal(t, 2*10, steps, "312 windows in batches of 32: 9 full and one of 24 an epoch")
	saved, err := os.ReadFile(ckpt)
	require.NoError(t, err)
	require.NoError(t, straight.Run(context.Background(), 8))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "epoch2.ckpt"), saved, 0o644))
	resumed := newTrainer(t, text, "")
	require.NoError(t, resumed.Resume(filepath.Join(dir, "epoch2.ckpt")))
	require.Equal(t, 2, resumed.Epoch())
	require.NoError(t, resumed.Run(context.Background(), 8))

	for i, p := range straight.Model().Params {
		assert.Equalf(t, p.Float32s(), resumed.Model().Params[i].Float32s(), "%s, bit for bit", p.Name())
	}
	h, hr := straight.History(), resumed.History()
	for e := range h {
		h[e].Seconds, hr[e].Seconds = 0, 0
	}
	assert.Equal(t, h, hr)

	last := h[len(h)-1]
	t.Logf("validation %.3f bits per character after %d epochs; unigram %.3f", last.ValMetrics["bits"], len(h), text.UnigramBits())
	assert.Less(t, last.ValMetrics["bits"], text.UnigramBits()/2, "the model learns the words")
	assert.InDelta(t, last.ValLoss/math.Ln2, last.ValMetrics["bits"], 1e-6)
}

// TestEvaluateWeighsEveryWindow: the trainer's evaluation (batches of 32,
// the last one short) equals the mean of the loss of every validation
// window run on its own.
func TestEvaluateWeighsEveryWindow(t *testing.T) {
	text := corpus()
	tr := newTrainer(t, text, "")
	require.NoError(t, tr.Run(context.Background(), 1))
	_, valData := charlstm.Data(text, 16)
	require.Equal(t, 62, valData.Len(), "1000 bytes: 62 windows, the last batch 30 of them")
	got, err := tr.Evaluate(valData)
	require.NoError(t, err)

	m := tr.Model()
	p, err := m.Loss.Graph().Compile(m.Loss)
	require.NoError(t, err)
	var sum float64
	for k := range valData.Len() {
		require.NoError(t, valData.Fill(m.Inputs, []int{k}))
		p.Run()
		require.NoError(t, p.Err())
		sum += m.Loss.Scalar()
	}
	assert.InDelta(t, sum/float64(valData.Len()), got["loss"], 1e-5)
	assert.InDelta(t, got["loss"]/math.Ln2, got["bits"], 1e-6)
}

// TestSamplerRunsTheModelAtBatchOne: the logits the sampler draws from are
// those of the model's own program at its largest batch for the same
// window; a short prompt is left-padded; temperature 0 is the argmax and
// a seed fixes the draws.
func TestSamplerRunsTheModelAtBatchOne(t *testing.T) {
	m, err := charlstm.New(tiny(graph.Float64, 3))
	require.NoError(t, err)
	s, err := m.NewSampler(4)
	require.NoError(t, err)
	prompt := []int64{1, 2}

	// The model's program at batch 3, the padded window in row 1.
	p, err := m.Graph.Compile(m.Logits)
	require.NoError(t, err)
	require.NoError(t, m.Tokens.SetBatch(3))
	copy(m.Tokens.Int64s(), []int64{0, 0, 0, 0, 4, 4, 1, 2, 3, 3, 3, 3})
	p.Run()
	require.NoError(t, p.Err())
	V := m.Vocab
	row := m.Logits.Float64s()[(1*m.Context+m.Context-1)*V : (2*m.Context)*V]
	best := 0
	for c := range row {
		if row[c] > row[best] {
			best = c
		}
	}
	got, err := s.Generate(prompt, 1, 0, nil)
	require.NoError(t, err)
	assert.Equal(t, []int64{int64(best)}, got, "temperature 0: the most likely token")

	a, err := s.Generate(prompt, 40, 1, rand.New(rand.NewPCG(9, 9)))
	require.NoError(t, err)
	b, err := s.Generate(prompt, 40, 1, rand.New(rand.NewPCG(9, 9)))
	require.NoError(t, err)
	assert.Equal(t, a, b, "one seed, one text")
	seen := map[int64]bool{}
	for _, x := range a {
		seen[x] = true
	}
	assert.Greater(t, len(seen), 1, "an untrained model at temperature 1 draws several tokens")

	_, err = s.Generate([]int64{7}, 1, 1, nil)
	assert.EqualError(t, err, "charlstm: prompt token 7 at 0 is outside [0, 5)")
	_, err = s.Generate(prompt, 1, -1, nil)
	assert.EqualError(t, err, "charlstm: temperature -1, want a finite number ≥ 0")
	_, err = m.NewSampler(5)
	assert.EqualError(t, err, "charlstm: pad token 5 is outside [0, 5)")
}

func TestNewRejectsBadConfigs(t *testing.T) {
	for _, c := range []struct {
		edit func(*charlstm.Config)
		err  string
	}{
		{func(c *charlstm.Config) { c.Vocab = 1 }, "charlstm: vocabulary of 1 tokens, want at least 2"},
		{func(c *charlstm.Config) { c.Context = 0 }, "charlstm: context 0, want ≥ 1"},
		{func(c *charlstm.Config) { c.Hidden = 0 }, "charlstm: embedding 3 and hidden size 0, want ≥ 1"},
		{func(c *charlstm.Config) { c.Layers = 0 }, "charlstm: 0 layers, want ≥ 1"},
		{func(c *charlstm.Config) { c.Batch = 0 }, "charlstm: batch 0, want ≥ 1"},
		{func(c *charlstm.Config) { c.DType = graph.Int64 }, "charlstm: dtype int64, want float32 or float64"},
	} {
		cfg := tiny(graph.Float64, 2)
		c.edit(&cfg)
		_, err := charlstm.New(cfg)
		assert.EqualError(t, err, c.err)
	}
}
