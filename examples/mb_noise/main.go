// Command mb_noise is the lecture's Demo 1, the noise of mini-batch
// gradients near an optimum. It fits a line a = w·x + b to 1024 noisy
// samples of sin x (datasets.Sine) by full-batch descent, then, at that
// optimum θ*, draws 2000 mini-batches of each size M and measures how far
// their gradients scatter around the full-batch gradient, which is ~0.
package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/examples/internal/testfns"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

const n, draws = 1024, 2000

func main() {
	data := datasets.Sine(n, 0.1, 1)
	full := testfns.Must(testfns.NewLinReg(data, n))
	full.FeedAll()

	// docs:begin optimum
	// Full-batch descent to the optimum θ* = (w*, b*).
	sol := testfns.Must(solvers.New(solvers.Momentum{Eta: 0.1, Momentum: 0.9}, solvers.Schedule{}))
	path := testfns.Must(full.Run("full batch", sol, 0, 0, 500))
	w, b := path.X[500], path.Y[500]
	cost, gw, gb := full.At(w, b)
	fmt.Printf("θ* = (%.4f, %.4f), cost %.4f, full-batch gradient norm below 1e-9: %v\n",
		w, b, cost, math.Hypot(gw, gb) < 1e-9)
	// docs:end optimum

	// docs:begin spread
	// At θ*, the gradients of many mini-batches of each size M.
	sizes := []int{1, 4, 16, 64, 256}
	clouds := map[int]plotter.XYs{}
	var spread []float64
	for _, m := range sizes {
		model := testfns.Must(testfns.NewLinReg(data, m))
		s := datasets.NewSampler(n, m, uint64(m), true)
		var sum2 float64
		for epoch := 0; len(clouds[m]) < draws; epoch++ {
			for _, idx := range s.Epoch(epoch) {
				if len(clouds[m]) == draws {
					break
				}
				model.Feed(idx)
				_, gw, gb := model.At(w, b)
				clouds[m] = append(clouds[m], plotter.XY{X: gw, Y: gb})
				sum2 += gw*gw + gb*gb
			}
		}
		spread = append(spread, math.Sqrt(sum2/draws)) // RMS of ‖g_M − ∇𝒞(θ*)‖, as ∇𝒞(θ*) ≈ 0
	}
	fmt.Println("   M   spread of g_M   spread·√M   σ₁·√((N−M)/(M(N−1)))")
	for i, m := range sizes {
		predicted := spread[0] * math.Sqrt(float64(n-m)/float64(m*(n-1)))
		fmt.Printf("%4d   %13.4f   %9.4f   %21.4f\n", m, spread[i], spread[i]*math.Sqrt(float64(m)), predicted)
	}
	fmt.Printf("%4d   %13.4f   (the full batch: the same gradient every time)\n", n, math.Hypot(gw, gb))
	// docs:end spread

	cloudPlot := scatter(sizes, clouds)
	ratePlot := rate(sizes, spread)
	if err := plots.Save(imgdir.Path("mb_noise.png"), 14*vg.Inch, 5.5*vg.Inch, cloudPlot, ratePlot); err != nil {
		panic(err)
	}
}

// scatter draws the mini-batch gradients of each M as a cloud of dots.
func scatter(sizes []int, clouds map[int]plotter.XYs) *plot.Plot {
	p := plots.New()
	p.Title.Text = "mini-batch gradients g_M at the optimum θ*"
	p.X.Label.Text = "∂C/∂w on the batch"
	p.Y.Label.Text = "∂C/∂b on the batch"
	p.Add(plotter.NewGrid())
	for i, m := range sizes[:4] {
		sc, _ := plotter.NewScatter(clouds[m][:400])
		sc.Color = plots.Palette[i]
		sc.Shape, sc.Radius = draw.CircleGlyph{}, vg.Points(1.8)
		p.Add(sc)
		p.Legend.Add(fmt.Sprintf("M = %d", m), sc)
	}
	zero, _ := plotter.NewScatter(plotter.XYs{{}})
	zero.Shape, zero.Radius, zero.Color = draw.CrossGlyph{}, vg.Points(7), color.Black
	p.Add(zero)
	p.Legend.Add("full batch (≈ 0)", zero)
	p.Legend.Top = true
	return p
}

// rate draws the spread against M on log-log axes, with σ₁/√M.
func rate(sizes []int, spread []float64) *plot.Plot {
	var ms, want, finite []float64
	for _, m := range sizes {
		ms = append(ms, float64(m))
		want = append(want, spread[0]/math.Sqrt(float64(m)))
		finite = append(finite, spread[0]*math.Sqrt(float64(n-m)/float64(m*(n-1))))
	}
	p := testfns.Must(plots.Lines("the spread shrinks like 1/√M", "mini-batch size M (log scale)",
		"RMS of ‖g_M − g_full‖ at θ* (log scale)", true,
		plots.Series{Name: "measured over 2000 batches", X: ms, Y: spread},
		plots.Series{Name: "σ₁/√M (σ₁: the spread at M = 1)", X: ms, Y: want},
		plots.Series{Name: "σ₁·√((N−M)/(M(N−1))), batches drawn without replacement", X: ms, Y: finite}))
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	pts, _ := plotter.NewScatter(xys(ms, spread))
	pts.Color, pts.Shape, pts.Radius = plots.Palette[0], draw.CircleGlyph{}, vg.Points(3.5)
	p.Add(pts)
	return p
}

func xys(x, y []float64) plotter.XYs {
	out := make(plotter.XYs, len(x))
	for i := range x {
		out[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	return out
}
