package charlstm

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/train"
)

// Data returns the training and validation windows of text for a model
// of context ctx: non-overlapping windows (stride ctx), so that an epoch
// predicts every byte of the training text once, but the first.
func Data(text *datasets.Text, ctx int) (trainData, valData train.Data) {
	fp := text.Fingerprint()
	return train.Windows(text.Train, ctx, ctx, fp+"/train"), train.Windows(text.Val, ctx, ctx, fp+"/val")
}

// Sampler generates text from a model, one token at a time. The graph has
// a fixed context length T, so each step runs the forward pass on the last
// T tokens of the text so far (left-padded with a pad token while the text
// is shorter) at a batch of 1, and draws the next token from the softmax
// of the last position's logits. It runs a clone of the compiled forward
// pass: its own buffers and inputs, the model's parameters (read, never
// written), so that sampling leaves the trainer's programs alone.
type Sampler struct {
	m      *Model
	prog   *graph.Program
	tokens *graph.Value // the clone's copy of m.Tokens, 1 × T
	logits *graph.Value
	pad    int64
	p      []float64
}

// NewSampler returns a sampler of m that pads short contexts with the
// token pad (a newline suits source code: a file starts after one).
func (m *Model) NewSampler(pad int64) (*Sampler, error) {
	if pad < 0 || pad >= int64(m.Vocab) {
		return nil, fmt.Errorf("charlstm: pad token %d is outside [0, %d)", pad, m.Vocab)
	}
	p, err := m.Graph.Compile(m.Logits)
	if err != nil {
		return nil, err
	}
	s := &Sampler{m: m, prog: p.Clone(), pad: pad, p: make([]float64, m.Vocab)}
	// A batch of 1: the clone's input takes a 1 × T window.
	one := tensor.New(tensor.WithShape(1, m.Context), tensor.WithBacking(make([]int64, m.Context)))
	if err := s.prog.Set(m.Tokens, one); err != nil {
		return nil, err
	}
	if s.tokens, err = s.prog.Value(m.Tokens); err != nil {
		return nil, err
	}
	if s.logits, err = s.prog.Value(m.Logits); err != nil {
		return nil, err
	}
	return s, nil
}

// Generate returns n tokens that follow prompt (token ids, possibly
// none), each drawn from the model's distribution at the given
// temperature (the logits divided by it; 0 picks the most likely token)
// with rng.
func (s *Sampler) Generate(prompt []int64, n int, temperature float64, rng *rand.Rand) ([]int64, error) {
	if !(temperature >= 0) || math.IsInf(temperature, 0) {
		return nil, fmt.Errorf("charlstm: temperature %g, want a finite number ≥ 0", temperature)
	}
	for i, t := range prompt {
		if t < 0 || t >= int64(s.m.Vocab) {
			return nil, fmt.Errorf("charlstm: prompt token %d at %d is outside [0, %d)", t, i, s.m.Vocab)
		}
	}
	text := append(make([]int64, 0, len(prompt)+n), prompt...)
	for range n {
		if err := s.next(text); err != nil {
			return nil, err
		}
		text = append(text, s.draw(temperature, rng))
	}
	return text[len(prompt):], nil
}

// next runs the forward pass on the last T tokens of text, left-padded,
// and leaves the last position's logits in s.p.
func (s *Sampler) next(text []int64) error {
	T, V := s.m.Context, s.m.Vocab
	w := s.tokens.I64
	k := max(0, T-len(text)) // padding
	for i := range k {
		w[i] = s.pad
	}
	copy(w[k:], text[len(text)-(T-k):])
	s.prog.Run()
	if err := s.prog.Err(); err != nil {
		return err
	}
	for c := range V {
		s.p[c] = s.logits.At((T-1)*V + c)
	}
	return nil
}

// draw picks a token from the logits in s.p at the temperature.
func (s *Sampler) draw(temperature float64, rng *rand.Rand) int64 {
	best := 0
	for c, l := range s.p {
		if l > s.p[best] {
			best = c
		}
	}
	if temperature == 0 {
		return int64(best)
	}
	top, sum := s.p[best], 0.0
	for c, l := range s.p {
		s.p[c] = math.Exp((l - top) / temperature)
		sum += s.p[c]
	}
	u := rng.Float64() * sum
	for c, e := range s.p {
		if u -= e; u < 0 {
			return int64(c)
		}
	}
	return int64(best) // u met rounding at the end of the sum
}
