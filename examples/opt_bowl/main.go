// Command opt_bowl runs the update rules on the elongated bowl
// f = ½(x² + 25·y²) from the same start, and draws their trajectories over
// the contour lines: plain gradient descent zig-zags across the valley,
// momentum and Nesterov build up speed along it, and the adaptive rules
// rescale each component.
package main

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/examples/internal/testfns"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

// docs:begin run
type entry struct {
	name string
	rule solvers.Rule
}

var (
	heavyBall = []entry{
		{"sgd η=0.075", solvers.SGD{Eta: 0.075}},
		{"momentum η=0.02 δ=0.8", solvers.Momentum{Eta: 0.02, Momentum: 0.8}},
		{"nesterov η=0.02 δ=0.8", solvers.Nesterov{Eta: 0.02, Momentum: 0.8}},
	}
	adaptive = []entry{
		{"adagrad η=1", solvers.AdaGrad{Eta: 1, Delta: 1e-7}},
		{"rmsprop η=0.15", solvers.RMSProp{Eta: 0.15, Delta: 1e-6, Rho: 0.9}},
		{"adam η=0.3", solvers.Adam{Eta: 0.3, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}},
		{"adadelta δ=1e-2", solvers.AdaDelta{Delta: 1e-2, Rho: 0.95}},
		{"delta-bar-delta ε=0.01", solvers.DeltaBarDelta{Eta: 0.01, Kappa: 0.01, Phi: 0.3, Theta: 0.7}},
	}
)

func main() {
	bowl := testfns.Must(testfns.Bowl(1, 25))
	const steps = 50
	run := func(es []entry) []testfns.Path {
		var paths []testfns.Path
		for _, e := range es {
			s := testfns.Must(solvers.New(e.rule, solvers.Schedule{}))
			p := testfns.Must(bowl.Run(e.name, s, -4.5, 1, steps))
			fmt.Printf("%-24s f(θ_%d) = %.2e\n", e.name, steps, p.F[steps])
			paths = append(paths, p)
		}
		return paths
	}
	// docs:end run
	w := testfns.Window{XMin: -5, XMax: 1.5, YMin: -1.6, YMax: 1.6}
	levels := testfns.Levels(0.05, 60, 12)
	min := []float64{0, 0}
	left := testfns.Must(bowl.Contour("½(x² + 25y²): gradient descent and momentum", w, levels, min, run(heavyBall)...))
	right := testfns.Must(bowl.Contour("½(x² + 25y²): adaptive rules", w, levels, min, run(adaptive)...))
	save("opt_bowl.png", left, right)
}

func save(name string, ps ...*plot.Plot) {
	if err := plots.Save(imgdir.Path(name), 14*vg.Inch, 5*vg.Inch, ps...); err != nil {
		panic(err)
	}
}
