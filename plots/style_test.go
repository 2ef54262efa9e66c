package plots

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"

	"github.com/gradgraph/gradgraph/train"
)

func labels(ticks []plot.Tick) []string {
	var out []string
	for _, t := range ticks {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

// Major ticks fall on round values with no more decimals than the step
// needs (they were 0.00 250.00 500.00, or 0.4 1.6 2.8).
func TestRoundTicks(t *testing.T) {
	for _, c := range []struct {
		min, max float64
		want     []string
	}{
		{0, 500, []string{"0", "100", "200", "300", "400", "500"}},
		{0.05, 3, []string{"0.5", "1.0", "1.5", "2.0", "2.5", "3.0"}},
		{1, 148, []string{"20", "40", "60", "80", "100", "120", "140"}},
		{-1.5, 1.5, []string{"-1.5", "-1.0", "-0.5", "0", "0.5", "1.0", "1.5"}},
		{87.1, 91.3, []string{"88", "89", "90", "91"}},
		{0.3, 0.30001, []string{"0.300000", "0.300002", "0.300004", "0.300006", "0.300008", "0.300010"}},
	} {
		assert.Equal(t, c.want, labels(RoundTicks{}.Ticks(c.min, c.max)), "[%g, %g]", c.min, c.max)
	}
	assert.Equal(t, []string{"0.5", "1", "2"}, labels(RoundLogTicks{}.Ticks(0.39, 2.3)), "a short log axis gets 2 and 5 too")
	assert.Equal(t, []string{"1e-07", "1e-06", "1e-05", "0.0001", "0.001", "0.01", "0.1", "1"}, labels(RoundLogTicks{}.Ticks(1e-7, 1.5)))
}

// Subscripts in TeX notation are cut out; other underscores stay.
func TestSplitSubscripts(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
	}{
		{"‖θ_n − θ_{n−1}‖ (log scale)", "[‖θ][_n][ − θ][_n−1][‖ (log scale)]"},
		{"learning rate η_k, η₀ = 0.15", "[learning rate η][_k][, η₀ = 0.15]"},
		{"C(θ_n) − C(θ*)", "[C(θ][_n][) − C(θ*)]"},
		{"delta_bar_delta", "[delta_bar_delta]"},
		{"g_M at the optimum", "[g][_M][ at the optimum]"},
		{"x_", "[x_]"},
		{"a_{open", "[a_{open]"},
	} {
		got := ""
		for _, s := range split(c.in) {
			if s.sub {
				got += "[_" + s.text + "]"
			} else {
				got += "[" + s.text + "]"
			}
		}
		assert.Equal(t, c.want, got, c.in)
	}
}

// The legend goes to a corner no point falls in; when there is none, a
// short legend gets room above the data, a long one goes beside the plot.
func TestLegendStaysOffTheData(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	down, up, zigzag := make([]float64, len(x)), make([]float64, len(x)), make([]float64, len(x))
	for i := range x {
		down[i], up[i], zigzag[i] = 10-x[i], x[i], float64(i%2)*10
	}
	p, err := Lines("t", "x", "y", false, Series{Name: "down", X: x, Y: down})
	require.NoError(t, err)
	assert.True(t, p.Legend.Top && !p.Legend.Left, "top right is free")
	assert.Equal(t, 10.0, p.Y.Max, "no room needed")
	p, err = Lines("t", "x", "y", false, Series{Name: "up", X: x, Y: up})
	require.NoError(t, err)
	assert.True(t, p.Legend.Top && p.Legend.Left, "top left is free")
	p, err = Lines("t", "x", "y", false, Series{Name: "zigzag", X: x, Y: zigzag})
	require.NoError(t, err)
	assert.True(t, p.Legend.Top)
	assert.Greater(t, p.Y.Max, 10.0, "room made above the data")
	var many []Series
	for i := range 8 {
		many = append(many, Series{Name: fmt.Sprintf("series %d", i), X: x, Y: zigzag})
	}
	p, err = Lines("t", "x", "y", false, many...)
	require.NoError(t, err)
	assert.Equal(t, outside, p.Legend.XOffs, "eight entries go beside the plot")
	path := filepath.Join(t.TempDir(), "many.png")
	require.NoError(t, Save(path, 400, 300, p))
	assert.Equal(t, outside, p.Legend.XOffs, "Save leaves the plot as it was")
}

// A series of one point is drawn (as a dot) on an axis with room around
// it, where a line through it drew nothing on an axis of zero length.
func TestOnePointSeries(t *testing.T) {
	p, err := Lines("t", "epoch", "accuracy", false, Series{Name: "val", X: []float64{1}, Y: []float64{85}})
	require.NoError(t, err)
	assert.Less(t, p.X.Min, 1.0)
	assert.Greater(t, p.X.Max, 1.0)
	assert.Less(t, p.Y.Min, 85.0)
	assert.Greater(t, p.Y.Max, 85.0)
	require.NoError(t, Save(filepath.Join(t.TempDir(), "one.png"), 300, 200, p))
	assert.False(t, math.IsNaN(p.X.Min))
}

// Without validation accuracy there is no accuracy panel: the figure is
// the loss alone, half as wide.
func TestTrainingCurvesWithoutValidation(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name  string
		acc   float64
		width int
	}{{"val.png", 0.9, 960}, {"noval.png", 0, 480}} {
		path := filepath.Join(dir, c.name)
		require.NoError(t, TrainingCurves(path, "t", []float64{2, 1.5, 1}, 3, []train.EpochStats{{Epoch: 1, Loss: 1.5, ValAccuracy: c.acc}}))
		f, err := os.Open(path)
		require.NoError(t, err)
		img, err := png.Decode(f)
		f.Close()
		require.NoError(t, err)
		assert.Equal(t, c.width, img.Bounds().Dx(), c.name)
	}
}
