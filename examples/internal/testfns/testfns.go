// Package testfns holds the 2-D test functions of the optimizer demos in
// docs/optimizers.md and docs/minibatch.md, built as graphs: a 2×1
// parameter θ = (x, y)ᵀ, the function f(θ) from ops, and its gradient from
// autodiff.Grad, compiled into one program. A solvers.Solver steps θ; the
// same program draws the contour lines, so the picture and the descent see
// the same function.
package testfns

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
)

// Surface is a function f(x, y) as a graph.
type Surface struct {
	Name  string
	Theta *graph.Node // the parameter θ = (x, y)ᵀ, 2×1
	F     *graph.Node // f(θ), a scalar
	Grad  *graph.Node // ∇f(θ), 2×1, added by autodiff.Grad
	prog  *graph.Program
}

// docs:begin new
// New builds the surface whose value build returns from the nodes x and y
// (each 1×1, picked out of θ by a product with a constant unit vector).
func New(name string, build func(g *graph.Graph, x, y *graph.Node) *graph.Node) (*Surface, error) {
	g := graph.New()
	theta := g.Param("theta", column(0, 0))
	x := ops.MatMul(g.Const("ex", column(1, 0)), theta, ops.TransA) // x = e₁ᵀθ
	y := ops.MatMul(g.Const("ey", column(0, 1)), theta, ops.TransA) // y = e₂ᵀθ
	f := ops.Sum(build(g, x, y)).Named("f")
	grads, err := autodiff.Grad(f, theta)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	prog, err := g.Compile(f, grads[0])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Surface{Name: name, Theta: theta, F: f, Grad: grads[0], prog: prog}, nil
}

// docs:end new

func column(a, b float64) *tensor.Dense {
	return tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{a, b}))
}

// c returns a scalar constant.
func c(g *graph.Graph, v float64) *graph.Node { return g.Scalar(v, graph.Float64) }

// docs:begin surfaces
// Bowl is the elongated bowl f = ½(a·x² + b·y²); with b ≫ a it is
// ill-conditioned: steep across the valley, flat along it.
func Bowl(a, b float64) (*Surface, error) {
	return New(fmt.Sprintf("bowl ½(%gx² + %gy²)", a, b), func(g *graph.Graph, x, y *graph.Node) *graph.Node {
		return ops.Scale(ops.Add(ops.Mul(c(g, a), ops.Square(x)), ops.Mul(c(g, b), ops.Square(y))), 0.5)
	})
}

// Rosenbrock is f = (1 − x)² + 100·(y − x²)², a curved valley with its
// minimum f = 0 at (1, 1).
func Rosenbrock() (*Surface, error) {
	return New("Rosenbrock", func(g *graph.Graph, x, y *graph.Node) *graph.Node {
		return ops.Add(ops.Square(ops.Sub(c(g, 1), x)), ops.Scale(ops.Square(ops.Sub(y, ops.Square(x))), 100))
	})
}

// SlopeBowl is a steep, locally convex bowl that opens onto a gentle slope:
//
//	f = 5·relu(−x)² + 2·y² − 0.2·x + relu(x − 5)²
//
// For x < 0 the walls are steep (|∂f/∂x| up to 20 at x = −2); for
// 0 < x < 5 only the slope −0.2·x remains; past x = 5 a wall stops the
// descent, with the minimum at (5.1, 0).
func SlopeBowl() (*Surface, error) {
	return New("slope with a steep bowl", func(g *graph.Graph, x, y *graph.Node) *graph.Node {
		bowl := ops.Add(ops.Scale(ops.Square(ops.ReLU(ops.Neg(x))), 5), ops.Scale(ops.Square(y), 2))
		slope := ops.Scale(x, -0.2)
		wall := ops.Square(ops.ReLU(ops.Sub(x, c(g, 5))))
		return ops.Add(ops.Add(bowl, slope), wall)
	})
}

// docs:end surfaces

// At returns f and ∇f at (x, y), leaving θ there.
func (s *Surface) At(x, y float64) (f, gx, gy float64) {
	th := s.Theta.Storage().F64
	th[0], th[1] = x, y
	s.prog.Run()
	g := s.Grad.Float64s()
	return s.F.Scalar(), g[0], g[1]
}

// Path is a trajectory: the points θ_0, θ_1, … and f at each.
type Path struct {
	Name    string
	X, Y, F []float64
	// Color is the path's colour; nil takes the next one of plots.Palette.
	Color color.Color
	// Width is the line's width; 0 makes earlier paths wider than later
	// ones, so that none hides another.
	Width vg.Length
}

// RuleColor returns the colour of a rule (its JSON name) in every figure
// of the docs: the rule's place in solvers.RuleNames, in plots.Palette.
// An unknown name gets black.
func RuleColor(rule string) color.Color {
	for i, n := range solvers.RuleNames() {
		if n == rule {
			return plots.Palette[i]
		}
	}
	return color.Black
}

func (p *Path) add(x, y, f float64) {
	p.X, p.Y, p.F = append(p.X, x), append(p.Y, y), append(p.F, f)
}

// docs:begin run
// Run starts θ at (x0, y0) and takes steps steps of the solver, returning
// the n+1 points visited.
func (s *Surface) Run(name string, sol *solvers.Solver, x0, y0 float64, steps int) (Path, error) {
	p := Path{Name: name, Color: RuleColor(sol.Rule().Name())}
	th := s.Theta.Storage().F64
	th[0], th[1] = x0, y0
	params, grads := []*graph.Node{s.Theta}, []*graph.Node{s.Grad}
	for range steps {
		s.prog.Run()
		p.add(th[0], th[1], s.F.Scalar())
		if err := sol.Step(params, grads); err != nil {
			return p, err
		}
	}
	s.prog.Run()
	p.add(th[0], th[1], s.F.Scalar())
	return p, nil
}

// docs:end run

// RunLookahead is Run with Solver.StepLookahead, the exact Nesterov
// method: the gradient is taken at θ + δ·v and θ itself is recorded.
func (s *Surface) RunLookahead(name string, sol *solvers.Solver, x0, y0 float64, steps int) (Path, error) {
	p := Path{Name: name, Color: RuleColor(sol.Rule().Name())}
	th := s.Theta.Storage().F64
	th[0], th[1] = x0, y0
	params, grads := []*graph.Node{s.Theta}, []*graph.Node{s.Grad}
	eval := func() error { s.prog.Run(); return nil }
	for range steps {
		s.prog.Run()
		p.add(th[0], th[1], s.F.Scalar())
		if err := sol.StepLookahead(params, grads, eval); err != nil {
			return p, err
		}
	}
	s.prog.Run()
	p.add(th[0], th[1], s.F.Scalar())
	return p, nil
}

// grid is f sampled on a regular grid, for the contour plotter.
type grid struct {
	xs, ys []float64
	z      [][]float64 // z[row][col]
}

func (g grid) Dims() (c, r int)   { return len(g.xs), len(g.ys) }
func (g grid) Z(c, r int) float64 { return g.z[r][c] }
func (g grid) X(c int) float64    { return g.xs[c] }
func (g grid) Y(r int) float64    { return g.ys[r] }
func linspace(a, b float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	return v
}

// Window is the part of the plane a contour plot shows.
type Window struct{ XMin, XMax, YMin, YMax float64 }

// Contour returns a plot of the surface's contour lines at levels over w,
// in light grey, with the paths drawn over them in the colours of
// plots.Palette: each iterate a dot, joined by lines, and a ring at the
// start and a square at each end. min, if not nil, marks the minimum with a black cross.
func (s *Surface) Contour(title string, w Window, levels []float64, min []float64, paths ...Path) (*plot.Plot, error) {
	const n = 160
	gr := grid{xs: linspace(w.XMin, w.XMax, n), ys: linspace(w.YMin, w.YMax, n), z: make([][]float64, n)}
	saved := append([]float64(nil), s.Theta.Storage().F64...)
	for r, y := range gr.ys {
		gr.z[r] = make([]float64, n)
		for c, x := range gr.xs {
			gr.z[r][c], _, _ = s.At(x, y)
		}
	}
	copy(s.Theta.Storage().F64, saved)

	p := plots.New()
	p.Title.Text = title
	p.X.Label.Text = "x (first component of θ)"
	p.Y.Label.Text = "y (second component of θ)"
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = w.XMin, w.XMax, w.YMin, w.YMax
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(levelLines{g: gr, levels: levels, style: draw.LineStyle{Color: color.Gray{Y: 185}, Width: vg.Points(0.8)}})
	for i, path := range paths {
		xys := make(plotter.XYs, 0, len(path.X))
		for k := range path.X {
			x, y := path.X[k], path.Y[k]
			if math.IsNaN(x) || math.IsNaN(y) {
				break
			}
			xys = append(xys, plotter.XY{X: x, Y: y})
		}
		col := path.Color
		if col == nil {
			col = plots.Palette[i%len(plots.Palette)]
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, fmt.Errorf("path %q: %w", path.Name, err)
		}
		line.Color, line.Width = col, path.Width
		if line.Width == 0 {
			line.Width = vg.Points(max(2.8-0.4*float64(i), 1.2))
		}
		points.Color, points.Radius, points.Shape = col, vg.Points(1.6), draw.CircleGlyph{}
		if i%2 == 1 {
			line.Dashes = []vg.Length{vg.Points(5), vg.Points(2)}
		}
		p.Add(line, points)
		p.Legend.Add(path.Name, line, points)
		if len(xys) > 0 { // a square where the path ends
			end, _ := plotter.NewScatter(xys[len(xys)-1:])
			end.Shape, end.Radius, end.Color = draw.BoxGlyph{}, vg.Points(4), col
			p.Add(end)
		}
	}
	if len(paths) > 0 && len(paths[0].X) > 0 {
		start, _ := plotter.NewScatter(plotter.XYs{{X: paths[0].X[0], Y: paths[0].Y[0]}})
		start.Shape, start.Radius, start.Color = draw.RingGlyph{}, vg.Points(5), color.Black
		p.Add(start)
		p.Legend.Add("start", start)
	}
	if min != nil {
		m, _ := plotter.NewScatter(plotter.XYs{{X: min[0], Y: min[1]}})
		m.Shape, m.Radius, m.Color = draw.CrossGlyph{}, vg.Points(6), color.Black
		p.Add(m)
		p.Legend.Add("minimum", m)
	}
	return p, nil
}

// Levels returns n contour levels spaced geometrically from lo to hi, which
// shows both the floor of a valley and its walls.
func Levels(lo, hi float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = lo * math.Pow(hi/lo, float64(i)/float64(n-1))
	}
	return v
}

// Must panics on err; the examples are demonstrations, not libraries.
func Must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ByRule places each series at its rule's index in solvers.RuleNames, the
// other places left empty, so that plots.Lines (which colours series by
// index and skips empty ones) draws each rule in its RuleColor.
func ByRule(series map[string]plots.Series) []plots.Series {
	names := solvers.RuleNames()
	out := make([]plots.Series, len(names))
	for i, n := range names {
		out[i] = series[n]
	}
	return out
}
