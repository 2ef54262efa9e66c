package plots_test

import (
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/train"
)

func TestSaveWritesAPNGOfTheRequestedSize(t *testing.T) {
	p, err := plots.Lines("title", "x", "y", false, plots.Series{Name: "a", X: []float64{0, 1, 2}, Y: []float64{1, 0, 2}})
	require.NoError(t, err)
	assert.Equal(t, "title", p.Title.Text)
	assert.Equal(t, "x", p.X.Label.Text)
	assert.Equal(t, "y", p.Y.Label.Text)
	path := filepath.Join(t.TempDir(), "a.png")
	require.NoError(t, plots.Save(path, 4*vg.Inch, 3*vg.Inch, p, p))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, 4*96, img.Bounds().Dx())
	assert.Equal(t, 3*96, img.Bounds().Dy())
}

func TestLinesRejectsRaggedSeries(t *testing.T) {
	_, err := plots.Lines("t", "x", "y", false, plots.Series{Name: "bad", X: []float64{1, 2}, Y: []float64{1}})
	assert.EqualError(t, err, `plots: series "bad" has 2 x and 1 y values`)
}

// A cost of exactly 0 (or NaN) cannot sit on a log axis; it is drawn at the
// floor instead of failing the whole figure.
func TestLogAxisToleratesZeroAndNaN(t *testing.T) {
	p, err := plots.Lines("t", "x", "y", true, plots.Series{Name: "c", X: []float64{1, 2, 3}, Y: []float64{1, 0, math.NaN()}})
	require.NoError(t, err)
	require.NoError(t, plots.Save(filepath.Join(t.TempDir(), "log.png"), 3*vg.Inch, 2*vg.Inch, p))
}

func ExampleTrainingCurves() {
	path := filepath.Join(os.TempDir(), "gradgraph-example-curves.png")
	defer os.Remove(path)
	err := plots.TrainingCurves(path, "demo", []float64{2, 1.5, 1, 0.8}, 2, []train.EpochStats{
		{Epoch: 1, Loss: 1.75, ValAccuracy: 0.6}, {Epoch: 2, Loss: 0.9, ValAccuracy: 0.8}})
	f, _ := os.Open(path)
	defer f.Close()
	img, _ := png.Decode(f)
	fmt.Println(err, img.Bounds().Dx(), "x", img.Bounds().Dy())
	// Output:
	// <nil> 960 x 384
}
