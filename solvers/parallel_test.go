package solvers

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The MNIST network's parameter sizes: a split update cuts the first one
// into many pieces and leaves the small ones whole.
var splitSizes = []int{784 * 256, 256, 256 * 128, 128, 128 * 10, 10}

func randomSlices[T float](r *rand.Rand, sizes []int) [][]T {
	out := make([][]T, len(sizes))
	for i, n := range sizes {
		out[i] = make([]T, n)
		for j := range out[i] {
			out[i][j] = T(r.NormFloat64())
		}
	}
	return out
}

func cloneSlices[T float](x [][]T) [][]T {
	out := make([][]T, len(x))
	for i := range x {
		out[i] = append([]T(nil), x[i]...)
	}
	return out
}

// referenceSteps applies rule to each whole parameter, one call each, as
// the Solver did before it split updates.
func referenceSteps[T float](rule Rule, params [][]T, grads [][][]T) {
	init := rule.InitialState()
	states := make([][][]T, len(params))
	for i, p := range params {
		states[i] = newSlots[T](init, len(p))
	}
	for k, gs := range grads {
		info := StepInfo{I: k + 1, Schedule: Schedule{Kind: Constant}}
		for i, p := range params {
			switch p := any(p).(type) {
			case []float64:
				rule.Update64(info, p, any(gs[i]).([]float64), any(states[i]).([][]float64))
			case []float32:
				rule.Update32(info, p, any(gs[i]).([]float32), any(states[i]).([][]float32))
			}
		}
	}
}

func TestSplitUpdateIsBitIdentical(t *testing.T) {
	for _, name := range RuleNames() {
		rule, err := NewRule(name, nil)
		require.NoError(t, err)
		require.True(t, componentWise(rule), name)
		t.Run(name+"/float64", func(t *testing.T) { checkSplit[float64](t, rule) })
		t.Run(name+"/float32", func(t *testing.T) { checkSplit[float32](t, rule) })
	}
}

func checkSplit[T float](t *testing.T, rule Rule) {
	r := rand.New(rand.NewPCG(1, 2))
	params := randomSlices[T](r, splitSizes)
	want := cloneSlices(params)
	grads := make([][][]T, 3)
	for k := range grads {
		grads[k] = randomSlices[T](r, splitSizes)
	}
	referenceSteps(rule, want, grads)
	s, err := New(rule, Schedule{})
	require.NoError(t, err)
	for _, gs := range grads {
		switch p := any(params).(type) {
		case [][]float64:
			require.NoError(t, s.StepFloat64(p, any(gs).([][]float64)))
		case [][]float32:
			require.NoError(t, s.StepFloat32(p, any(gs).([][]float32)))
		}
	}
	for i := range params {
		for j := range params[i] {
			if params[i][j] != want[i][j] {
				t.Fatalf("parameter %d component %d: split %v, whole %v", i, j, params[i][j], want[i][j])
			}
		}
	}
}

// wholeRule is SGD that records the lengths it is called with and says it
// is not component-wise (it would inherit SGD's answer otherwise).
type wholeRule struct {
	SGD
	lens *[]int
}

func (wholeRule) ComponentWise() bool { return false }

func (r wholeRule) Update32(s StepInfo, theta, g []float32, st [][]float32) {
	*r.lens = append(*r.lens, len(theta))
	r.SGD.Update32(s, theta, g, st)
}

func TestRuleThatIsNotComponentWiseGetsWholeParameters(t *testing.T) {
	var lens []int
	s, err := New(wholeRule{NewSGD(), &lens}, Schedule{})
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(3, 4))
	params, grads := randomSlices[float32](r, splitSizes), randomSlices[float32](r, splitSizes)
	require.NoError(t, s.StepFloat32(params, grads))
	assert.Equal(t, splitSizes, lens)
}
