// Command opt_schedule runs mini-batch SGD (M = 4) on the line fit of
// docs/minibatch.md with a constant learning rate and with the inverse and
// exponential decay schedules, and plots η_k and the full-batch cost: with
// a constant η the noise of the batches keeps θ bouncing around the
// optimum; a decaying η lets it settle.
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
	const n, m, steps, eta0 = 1024, 4, 600, 0.15
	data := datasets.Sine(n, 0.1, 1)
	full := testfns.Must(testfns.NewLinReg(data, n))
	full.FeedAll()
	mom := testfns.Must(solvers.New(solvers.Momentum{Eta: 0.1, Momentum: 0.9}, solvers.Schedule{}))
	best := testfns.Must(full.Run("", mom, 0, 0, 500)).F[500]
	model := testfns.Must(testfns.NewLinReg(data, m))

	// docs:begin run
	schedules := []solvers.Schedule{
		solvers.ConstantSchedule(),
		solvers.InverseSchedule(0.05),     // η_k = η₀/(1 + 0.05·k)
		solvers.ExponentialSchedule(0.01), // η_k = η₀·exp(−0.01·k)
	}
	var rates, costs []plots.Series
	for _, sched := range schedules {
		sgd := testfns.Must(solvers.New(solvers.SGD{Eta: eta0}, sched))
		p := testfns.Must(model.Descend(sched.String(), sgd, full, -1, 1, steps, 7))
		mean := 0.0
		for _, f := range p.F[steps-100:] {
			mean += (f - best) / 100
		}
		fmt.Printf("%-18s η_%d = %.4f   mean C(θ_n) − C(θ*) over the last 100 steps: %.1e\n",
			sched, steps-1, sched.Rate(eta0, steps-1), mean)
		r, c := plots.Series{Name: sched.String()}, plots.Series{Name: sched.String()}
		for k := range steps {
			r.X, r.Y = append(r.X, float64(k)), append(r.Y, sched.Rate(eta0, k))
			c.X, c.Y = append(c.X, float64(k)), append(c.Y, p.F[k+1]-best)
		}
		rates, costs = append(rates, r), append(costs, c)
	}
	// docs:end run

	left := testfns.Must(plots.Lines("learning rate η_k, η₀ = 0.15", "step k", "η_k (log scale)", true, rates...))
	right := testfns.Must(plots.Lines("SGD, M = 4: full-batch cost above its minimum", "step n", "C(θ_n) − C(θ*) (log scale)", true, costs...))
	right.Y.Min = 1e-7
	if err := plots.Save(imgdir.Path("opt_schedule.png"), 14*vg.Inch, 5*vg.Inch, left, right); err != nil {
		panic(err)
	}
}
