// Command mb_sgd runs mini-batch SGD with one learning rate and several
// batch sizes M on the line fit of mb_noise (a = w·x + b on 1024 noisy
// samples of sin x), and draws the trajectories over the contour lines of
// the full-batch cost and the full-batch cost after each step.
package main

import (
	"fmt"

	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/examples/internal/testfns"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

func main() {
	const n, steps, eta = 1024, 150, 0.15
	data := datasets.Sine(n, 0.1, 1)
	full := testfns.Must(testfns.NewLinReg(data, n))
	full.FeedAll()
	// The optimum's cost C(θ*), by full-batch descent as in mb_noise.
	mom := testfns.Must(solvers.New(solvers.Momentum{Eta: 0.1, Momentum: 0.9}, solvers.Schedule{}))
	best := testfns.Must(full.Run("", mom, 0, 0, 500)).F[500]

	// docs:begin run
	var paths []testfns.Path
	for i, m := range []int{1, 8, 64, n} {
		model := full
		if m < n {
			model = testfns.Must(testfns.NewLinReg(data, m))
		}
		sgd := testfns.Must(solvers.New(solvers.SGD{Eta: eta}, solvers.Schedule{}))
		p := testfns.Must(model.Descend(fmt.Sprintf("M = %d", m), sgd, full, -1, 1, steps, 7))
		p.Color, p.Width = plots.Palette[i], vg.Points(1.3)
		last := p.F[steps-50:]
		mean := 0.0
		for _, f := range last {
			mean += f / float64(len(last))
		}
		fmt.Printf("M = %4d: θ_%d = (%.3f, %.3f), full cost over the last 50 steps %.4f (optimum 0.1051)\n",
			m, steps, p.X[steps], p.Y[steps], mean)
		paths = append(paths, p)
	}
	// docs:end run

	w := testfns.Window{XMin: -1.2, XMax: 0.9, YMin: -0.5, YMax: 1.2}
	traj := testfns.Must(full.Contour("SGD, η = 0.15, on the full-batch cost: one path per M", w,
		[]float64{0.11, 0.12, 0.15, 0.2, 0.3, 0.5, 0.8, 1.2, 1.8, 2.5}, []float64{0.3027, 0.0098}, paths...))
	traj.X.Label.Text, traj.Y.Label.Text = "w (slope)", "b (intercept)"
	var series []plots.Series
	for _, p := range paths {
		s := plots.Series{Name: p.Name}
		for k, f := range p.F {
			s.X = append(s.X, float64(k))
			s.Y = append(s.Y, f-best)
		}
		series = append(series, s)
	}
	curves := testfns.Must(plots.Lines("full-batch cost above its minimum, after each step", "step n", "C(θ_n) − C(θ*) (log scale)", true, series...))
	curves.Y.Min = 1e-7
	if err := plots.Save(imgdir.Path("mb_sgd.png"), 14*vg.Inch, 5.5*vg.Inch, traj, curves); err != nil {
		panic(err)
	}
}
