package charlstm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
)

// TestSamplerLogitsAreTheModels: the logits a sampler draws from, for a
// text shorter than the context (left-padded) and for one longer (its
// last T tokens), are those of the last position of the model's own
// program at its largest batch for the same windows.
func TestSamplerLogitsAreTheModels(t *testing.T) {
	m, err := New(Config{Vocab: 5, Context: 4, Embed: 3, Hidden: 3, Layers: 2, Batch: 3, DType: graph.Float64, Seed: 3})
	require.NoError(t, err)
	s, err := m.NewSampler(4)
	require.NoError(t, err)

	p, err := m.Graph.Compile(m.Logits)
	require.NoError(t, err)
	copy(m.Tokens.Int64s(), []int64{0, 0, 0, 0, 4, 4, 1, 2, 3, 0, 1, 2})
	p.Run()
	require.NoError(t, p.Err())
	T, V := m.Context, m.Vocab
	last := func(row int) []float64 {
		return m.Logits.Float64s()[(row*T+T-1)*V : (row+1)*T*V]
	}
	require.NoError(t, s.next([]int64{1, 2}))
	assert.Equal(t, last(1), s.p, "a short text, padded")
	require.NoError(t, s.next([]int64{4, 4, 3, 0, 1, 2}))
	assert.Equal(t, last(2), s.p, "a long text, its last T tokens")
	assert.NotEqual(t, last(1), last(2))
}
