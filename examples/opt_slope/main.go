// Command opt_slope shows why AdaGrad can stall where RMSProp goes on. The
// function is a steep, locally convex bowl that opens onto a gentle slope:
// f = 5·relu(−x)² + 2·y² − 0.2·x + relu(x − 5)². Starting on the steep
// wall, AdaGrad adds the large early gradients into r for good, and its
// steps on the slope shrink to almost nothing; RMSProp's r forgets them
// within a few dozen steps, and it walks down the slope to the minimum.
package main

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/examples/internal/testfns"
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

func main() {
	f := testfns.Must(testfns.SlopeBowl())
	const steps = 150
	// docs:begin run
	adagrad := testfns.Must(solvers.New(solvers.AdaGrad{Eta: 0.5, Delta: 1e-7}, solvers.Schedule{}))
	rmsprop := testfns.Must(solvers.New(solvers.RMSProp{Eta: 0.1, Delta: 1e-6, Rho: 0.9}, solvers.Schedule{}))
	paths := []testfns.Path{
		testfns.Must(f.Run("adagrad η=0.5", adagrad, -2, 1, steps)),
		testfns.Must(f.Run("rmsprop η=0.1 ρ=0.9", rmsprop, -2, 1, steps)),
	}
	for _, p := range paths {
		fmt.Printf("%-20s", p.Name)
		for _, n := range []int{0, 10, 50, 150} {
			fmt.Printf("  x_%d = %5.2f", n, p.X[n])
		}
		fmt.Println()
	}
	// docs:end run

	w := testfns.Window{XMin: -2.5, XMax: 6.5, YMin: -1.5, YMax: 1.5}
	levels := []float64{-0.9, -0.6, -0.3, 0, 0.5, 1, 2, 4, 8, 16}
	traj := testfns.Must(f.Contour("5·relu(−x)² + 2y² − 0.2x + relu(x−5)²: trajectories", w, levels, []float64{5.1, 0}, paths...))
	traj.Legend.Top = false

	steplen := map[string]plots.Series{}
	for i, p := range paths {
		s := plots.Series{Name: p.Name}
		for n := 1; n < len(p.X); n++ {
			s.X = append(s.X, float64(n))
			s.Y = append(s.Y, math.Hypot(p.X[n]-p.X[n-1], p.Y[n]-p.Y[n-1]))
		}
		steplen[[]string{"adagrad", "rmsprop"}[i]] = s
	}
	lengths := testfns.Must(plots.Lines("step length: AdaGrad's steps vanish, RMSProp's recover", "step n", "‖θ_n − θ_{n−1}‖ (log scale)", true, testfns.ByRule(steplen)...))
	if err := plots.Save(imgdir.Path("opt_slope.png"), 14*vg.Inch, 4.5*vg.Inch, traj, lengths); err != nil {
		panic(err)
	}
}
