// Command opt_rosenbrock runs all eight update rules for 1000 steps on
// Rosenbrock's function f = (1 − x)² + 100·(y − x²)² from (−1.2, 1), draws
// their trajectories over its contour lines, and plots f(θ_n) against the
// step n.
package main

import (
	"fmt"

	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/examples/internal/testfns"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

type entry struct {
	name string
	rule solvers.Rule
}

func main() {
	rosen := testfns.Must(testfns.Rosenbrock())
	const steps = 1000
	run := func(es ...entry) []testfns.Path {
		var paths []testfns.Path
		for _, e := range es {
			s := testfns.Must(solvers.New(e.rule, solvers.Schedule{}))
			p := testfns.Must(rosen.Run(e.name, s, -1.2, 1, steps))
			fmt.Printf("%-26s θ_%d = (%6.3f, %6.3f)  f = %.2e\n", e.name, steps, p.X[steps], p.Y[steps], p.F[steps])
			paths = append(paths, p)
		}
		return paths
	}
	heavy := run(
		entry{"sgd η=0.001", solvers.SGD{Eta: 1e-3}},
		entry{"momentum η=0.001 δ=0.9", solvers.Momentum{Eta: 1e-3, Momentum: 0.9}},
		entry{"nesterov η=0.001 δ=0.9", solvers.Nesterov{Eta: 1e-3, Momentum: 0.9}},
	)
	adaptive := run(
		entry{"adagrad η=0.5", solvers.AdaGrad{Eta: 0.5, Delta: 1e-7}},
		entry{"rmsprop η=0.01", solvers.RMSProp{Eta: 0.01, Delta: 1e-6, Rho: 0.9}},
		entry{"adadelta δ=1e-6 ρ=0.95", solvers.AdaDelta{Delta: 1e-6, Rho: 0.95}},
		entry{"adam η=0.05", solvers.Adam{Eta: 0.05, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}},
		entry{"delta-bar-delta ε=0.001", solvers.DeltaBarDelta{Eta: 1e-3, Kappa: 1e-4, Phi: 0.3, Theta: 0.7}},
	)

	w := testfns.Window{XMin: -1.6, XMax: 1.6, YMin: -0.5, YMax: 1.6}
	levels := testfns.Levels(0.02, 300, 14)
	min := []float64{1, 1}
	left := testfns.Must(rosen.Contour("Rosenbrock: gradient descent and momentum", w, levels, min, heavy...))
	right := testfns.Must(rosen.Contour("Rosenbrock: adaptive rules", w, levels, min, adaptive...))
	left.Legend.Top, right.Legend.Top = false, false // bottom right, clear of the valley
	check(plots.Save(imgdir.Path("opt_rosenbrock.png"), 14*vg.Inch, 5.5*vg.Inch, left, right))

	var series []plots.Series // in the order of solvers.RuleNames, so each rule keeps its colour
	for _, p := range append(heavy, adaptive...) {
		x := make([]float64, len(p.F))
		for i := range x {
			x[i] = float64(i)
		}
		series = append(series, plots.Series{Name: p.Name, X: x, Y: p.F})
	}
	curves := testfns.Must(plots.Lines("Rosenbrock from (−1.2, 1): f(θ_n) for the eight rules", "step n", "f(θ_n) (log scale)", true, series...))
	check(plots.Save(imgdir.Path("opt_rosenbrock_loss.png"), 10*vg.Inch, 5*vg.Inch, curves))
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
