// Command opt_nesterov runs Nesterov's method in its two forms on the
// elongated bowl f = ½(x² + 25·y²): the exact form (Solver.StepLookahead),
// which evaluates the gradient at θ + δ·v and stores θ, and the simplified
// form of Bengio et al. (Solver.Step with the nesterov rule), which stores
// the look-ahead point Θ itself. From v = 0 they are the same method:
// Θ_n = θ_n + δ·v_n at every step.
package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/examples/internal/testfns"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

func main() {
	bowl := testfns.Must(testfns.Bowl(1, 25))
	const steps, eta, delta = 40, 0.02, 0.8
	// docs:begin run
	rule := solvers.Nesterov{Eta: eta, Momentum: delta}
	exact := testfns.Must(bowl.RunLookahead("exact θ_n", testfns.Must(solvers.New(rule, solvers.Schedule{})), -4.5, 1, steps))
	simple := testfns.Must(bowl.Run("simplified Θ_n", testfns.Must(solvers.New(rule, solvers.Schedule{})), -4.5, 1, steps))

	// The look-ahead point of the exact run: Θ_n = θ_n + δ·v_n, v_n = θ_n − θ_{n−1}.
	ahead := testfns.Path{Name: "exact θ_n + δ·v_n"}
	worst := 0.0
	for n := range exact.X {
		x, y := exact.X[n], exact.Y[n]
		if n > 0 {
			x += delta * (exact.X[n] - exact.X[n-1])
			y += delta * (exact.Y[n] - exact.Y[n-1])
		}
		ahead.X, ahead.Y = append(ahead.X, x), append(ahead.Y, y)
		worst = max(worst, math.Abs(x-simple.X[n]), math.Abs(y-simple.Y[n]))
		if n < 4 || n == steps {
			fmt.Printf("n=%2d  exact θ_n = (%7.4f, %7.4f)  θ_n + δv_n = (%7.4f, %7.4f)  simplified Θ_n = (%7.4f, %7.4f)\n",
				n, exact.X[n], exact.Y[n], x, y, simple.X[n], simple.Y[n])
		}
	}
	fmt.Printf("largest |θ_n + δv_n − Θ_n| over %d steps below 1e-12: %v\n", steps, worst < 1e-12)
	// docs:end run

	simple.Color, simple.Width = color.Gray{Y: 60}, vg.Points(5)
	ahead.Color, ahead.Width = plots.Palette[1], vg.Points(1.5)
	exact.Color, exact.Width = plots.Palette[0], vg.Points(1.5)
	w := testfns.Window{XMin: -5, XMax: 1.5, YMin: -1.6, YMax: 1.6}
	p := testfns.Must(bowl.Contour("Nesterov on ½(x² + 25y²), η = 0.02, δ = 0.8: exact and simplified", w,
		testfns.Levels(0.05, 60, 12), []float64{0, 0}, simple, ahead, exact))
	if err := plots.Save(imgdir.Path("opt_nesterov.png"), 10*vg.Inch, 5*vg.Inch, p); err != nil {
		panic(err)
	}
}
