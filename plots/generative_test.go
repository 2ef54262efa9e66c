package plots_test

import (
	"fmt"
	"image/png"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/train"
)

func ExampleLanguageModelCurves() {
	path := filepath.Join(os.TempDir(), "gradgraph-example-lm.png")
	defer os.Remove(path)
	err := plots.LanguageModelCurves(path, "demo", []float64{3, 2.5, 2, 1.8}, 2, []train.EpochStats{
		{Epoch: 1, Loss: 2.75, ValMetrics: map[string]float64{"bits": 3.2}},
		{Epoch: 2, Loss: 1.9, ValMetrics: map[string]float64{"bits": 2.9}}}, 4.5)
	f, _ := os.Open(path)
	defer f.Close()
	img, _ := png.Decode(f)
	fmt.Println(err, img.Bounds().Dx(), "x", img.Bounds().Dy())
	// Output:
	// <nil> 672 x 384
}

func ExampleELBOCurves() {
	path := filepath.Join(os.TempDir(), "gradgraph-example-elbo.png")
	defer os.Remove(path)
	err := plots.ELBOCurves(path, "demo", []float64{500, 200, 150, 130}, 2, []train.EpochStats{
		{Epoch: 1, Loss: 350, ValMetrics: map[string]float64{"elbo": -160}},
		{Epoch: 2, Loss: 140, ValMetrics: map[string]float64{"elbo": -135}}})
	f, _ := os.Open(path)
	defer f.Close()
	img, _ := png.Decode(f)
	fmt.Println(err, img.Bounds().Dx(), "x", img.Bounds().Dy())
	// Output:
	// <nil> 960 x 384
}
