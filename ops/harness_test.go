package ops_test

// The shared test machinery of package ops. Each family of ops (element-
// wise, binary, reductions, shapes, …) registers, from its own test file:
//
//   - VJP cases (addVJP): a function of a random source returning cases
//     named "GoName/…"; TestVJPAgainstFiniteDifferences checks each to
//     first and second order against central differences in float64;
//   - forward cases (addForward): inputs and the expected output computed
//     by hand or by an independent implementation, never by this code;
//   - an alloc builder (addAlloc): nodes that use the family's ops, all
//     compiled into one program whose Run must not allocate.
//
// TestCatalogIsCovered then checks that every op of ops.Catalog has a
// forward case, every differentiable one a VJP case, and every op type a
// node in the alloc program.

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// Tolerance for the VJP checks. Central differences with step eps = 1e-6 in
// float64 err by about eps²·|f”'|/6 ≈ 1e-12 (truncation) plus
// ulp(cost)/eps ≈ 2e-16·|cost|/1e-6 ≈ 1e-9 for the O(1)–O(10) costs built
// here (rounding). Inputs stay away from singularities and kinks, so f”'
// is O(1). 1e-7, relative to max(1, |g|), leaves two orders of margin over
// those estimates yet is far below any real mistake (a wrong factor, sign
// or transpose shows up at 1e-2 or more).
const (
	eps = 1e-6
	tol = 1e-7
)

// domain is the interval input values are drawn from; values within 0.1
// of a kink are moved off it, and with signed the interval is the
// magnitude and the sign is random.
type domain struct {
	lo, hi float64
	kinks  []float64
	signed bool
}

var (
	anyReal  = domain{lo: -2, hi: 2, kinks: []float64{0}}
	positive = domain{lo: 0.5, hi: 2}
	prob     = domain{lo: 0.1, hi: 0.9}
	unitOpen = domain{lo: -0.8, hi: 0.8}
	aboveOne = domain{lo: 1.3, hi: 3}
	awayZero = domain{lo: 0.5, hi: 2, signed: true}
)

// at moves x off the kinks of d by at least 0.1.
func (d domain) at(x float64) float64 {
	for _, k := range d.kinks {
		if math.Abs(x-k) < 0.1 {
			if x < k {
				x = k - 0.1 - (k - x)
			} else {
				x = k + 0.1 + (x - k)
			}
		}
	}
	return x
}

func randVals(r *rand.Rand, n int, d domain) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = d.at(d.lo + (d.hi-d.lo)*r.Float64())
		if d.signed && r.IntN(2) == 0 {
			v[i] = -v[i]
		}
	}
	return v
}

func randTensor(r *rand.Rand, s graph.Shape, d domain) *tensor.Dense {
	return tensor.New(tensor.WithShape([]int(s)...), tensor.WithBacking(randVals(r, s.Size(), d)))
}

// intTensor returns an int64 tensor of the given shape.
func intTensor(v []int64, shape ...int) *tensor.Dense {
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(v))
}

// randShape returns a shape of rank r with axes of length 1 to maxDim.
func randShape(r *rand.Rand, rank, maxDim int) graph.Shape {
	s := make(graph.Shape, rank)
	for i := range s {
		s[i] = 1 + r.IntN(maxDim)
	}
	return s
}

// broadcastPairs returns pairs of shapes that broadcast, of ranks 0 to 4:
// equal shapes, a missing leading axis, axes of length 1 on either side
// (a column, a row, an outer product), and scalars.
func broadcastPairs(r *rand.Rand) [][2]graph.Shape {
	R, C := 1+r.IntN(3)+1, 1+r.IntN(3)+1 // ≥ 2, so broadcasting is visible
	A, B := 2, 1+r.IntN(2)+1
	return [][2]graph.Shape{
		{{R, C}, {R, C}},             // same shape
		{{R, C}, {C}},                // vector as a row
		{{R, C}, {R, 1}},             // column: the bias of ζ = Ωᵀα + β
		{{R, C}, {}},                 // scalar
		{{C}, {R, C}},                // broadcast on the left
		{{R, 1}, {1, C}},             // outer: both stretch
		{{}, {}},                     // scalars
		{{A, R, C}, {R, C}},          // rank 3 against rank 2
		{{A, 1, C}, {R, 1}},          // rank 3, both stretch
		{{A, B, R, C}, {B, 1, C}},    // rank 4 against rank 3
		{{A, 1, R, 1}, {1, B, 1, C}}, // rank 4, alternating
		{{1, B, R, C}, {A, 1, 1, 1}}, // rank 4 against a per-batch scalar
		{{A, B, R, C}, {A, B, R, C}}, // rank 4, same shape
		{{A, B, 1, C}, {}},           // rank 4 and a scalar
		{{1, 1, 1, 1}, {A, B, R, C}}, // all ones against rank 4
	}
}

// vjpCase is one VJP check: inputs of the given shapes drawn from dom (per
// input; the last entry repeats), and the op applied to them. The name
// starts with the op's constructor: "Add/3x4_4".
type vjpCase struct {
	name   string
	shapes []graph.Shape
	dom    []domain
	build  func(in []*graph.Node) *graph.Node
	// noSecond skips the second-order check (ops whose first derivative
	// has kinks at the sampled points).
	noSecond bool
}

// forwardCase is one forward check: inputs and the expected output. The
// name starts with the op's constructor. Float64 cases run again in
// float32 unless only64 is set.
type forwardCase struct {
	name   string
	in     []val
	build  func(in []*graph.Node) *graph.Node
	want   val
	only64 bool
	// rtol is the relative tolerance in float64 (default 1e-13); float32
	// runs use max(rtol, 2e-6).
	rtol float64
}

// val is a tensor by its dtype, shape and values.
type val struct {
	dt    graph.DType
	shape graph.Shape
	v     []float64
}

func f64(shape graph.Shape, v ...float64) val { return val{graph.Float64, shape, v} }
func i64(shape graph.Shape, v ...float64) val { return val{graph.Int64, shape, v} }
func bools(shape graph.Shape, v ...bool) val {
	f := make([]float64, len(v))
	for i, b := range v {
		if b {
			f[i] = 1
		}
	}
	return val{graph.Bool, shape, f}
}

var (
	vjpFamilies  []func(r *rand.Rand) []vjpCase
	forwardCases []forwardCase
	allocFamily  []func(g *graph.Graph, dt graph.DType) []*graph.Node
)

func addVJP(f func(r *rand.Rand) []vjpCase) { vjpFamilies = append(vjpFamilies, f) }
func addForward(cs ...forwardCase)          { forwardCases = append(forwardCases, cs...) }
func addAlloc(f func(g *graph.Graph, dt graph.DType) []*graph.Node) {
	allocFamily = append(allocFamily, f)
}

// allVJPCases returns the cases of every family for one seed.
func allVJPCases(r *rand.Rand) []vjpCase {
	var cs []vjpCase
	for _, f := range vjpFamilies {
		cs = append(cs, f(r)...)
	}
	return cs
}

// TestVJPAgainstFiniteDifferences checks, for every op, its broadcasting
// patterns, ranks and several seeds, that the adjoints autodiff builds from
// the op's VJP equal central finite differences, to first and second order.
// The op's output is contracted with a random tensor R, so the adjoint fed
// into the VJP is R and not a special all-ones direction; the second order
// contracts the gradients with another random tensor and differentiates
// again (Hessian-vector products).
func TestVJPAgainstFiniteDifferences(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		r := rand.New(rand.NewPCG(seed, 99))
		for _, c := range allVJPCases(r) {
			t.Run(fmt.Sprintf("seed%d/%s", seed, c.name), func(t *testing.T) {
				checkVJP(t, r, c)
			})
		}
	}
}

func checkVJP(t *testing.T, r *rand.Rand, c vjpCase) {
	t.Helper()
	g := graph.New()
	in := make([]*graph.Node, len(c.shapes))
	for i, s := range c.shapes {
		d := c.dom[min(i, len(c.dom)-1)]
		in[i] = g.Param(fmt.Sprintf("x%d", i), randTensor(r, s, d))
	}
	out := c.build(in)
	require.NoError(t, g.Err())
	require.True(t, out.DType().IsFloat(), "the op's output must be float to differentiate")
	weights := g.Const("R", randTensor(r, out.Shape(), anyReal))
	cost := ops.Sum(ops.Mul(out, weights))

	diffs, err := autodiff.Check(cost, in, eps)
	require.NoError(t, err)
	for _, d := range diffs {
		require.LessOrEqualf(t, d.MaxRel, tol, "first order, d/d%s: max abs diff %g", d.Node.Name(), d.MaxAbs)
	}
	if c.noSecond {
		return
	}
	grads, err := autodiff.Grad(cost, in...)
	require.NoError(t, err)
	var cost2 *graph.Node
	for i, gr := range grads {
		v := g.Const(fmt.Sprintf("V%d", i), randTensor(r, gr.Shape(), anyReal))
		term := ops.Sum(ops.Mul(gr, v))
		if cost2 == nil {
			cost2 = term
		} else {
			cost2 = ops.Add(cost2, term)
		}
	}
	diffs, err = autodiff.Check(cost2, in, eps)
	require.NoError(t, err)
	for _, d := range diffs {
		require.LessOrEqualf(t, d.MaxRel, tol, "second order, d/d%s: max abs diff %g", d.Node.Name(), d.MaxAbs)
	}
}

// TestForwardAgainstHandValues runs every forward case in float64 and,
// where the case allows, again in float32.
func TestForwardAgainstHandValues(t *testing.T) {
	for _, c := range forwardCases {
		dts := []graph.DType{graph.Float64, graph.Float32}
		if c.only64 {
			dts = dts[:1]
		}
		for _, dt := range dts {
			t.Run(c.name+"/"+dt.String(), func(t *testing.T) {
				checkForward(t, c, dt)
			})
		}
	}
}

func checkForward(t *testing.T, c forwardCase, dt graph.DType) {
	t.Helper()
	g := graph.New()
	in := make([]*graph.Node, len(c.in))
	for i, v := range c.in {
		d := v.dt
		if d.IsFloat() {
			d = dt
		}
		in[i] = g.Input(fmt.Sprintf("x%d", i), d, v.shape...)
		require.NoError(t, in[i].SetFloat64s(v.v))
	}
	out := c.build(in)
	require.NoError(t, g.Err())
	want := c.want.dt
	if want.IsFloat() {
		want = dt
	}
	require.Equal(t, want, out.DType(), "dtype")
	require.Truef(t, c.want.shape.Equal(out.Shape()), "shape %s, want %s", out.Shape(), c.want.shape)
	p, err := g.Compile(out)
	require.NoError(t, err)
	p.Run()
	rtol := c.rtol
	if rtol == 0 {
		rtol = 1e-13
	}
	if dt == graph.Float32 {
		rtol = max(rtol, 2e-6)
	}
	v := out.Storage()
	require.Equal(t, len(c.want.v), v.Len(), "number of values")
	for i, w := range c.want.v {
		got := v.At(i)
		switch {
		case math.IsNaN(w):
			assert.True(t, math.IsNaN(got), "element %d: got %g, want NaN", i, got)
		case math.IsInf(w, 0) || !want.IsFloat():
			assert.Equal(t, w, got, "element %d", i)
		default:
			assert.InDelta(t, w, got, rtol*max(1, math.Abs(w)), "element %d", i)
		}
	}
}

// TestRunOfEveryOpAllocatesNothing builds one graph with every family's
// nodes and their gradients, in float32 and float64, and checks that a
// Run allocates nothing.
func TestRunOfEveryOpAllocatesNothing(t *testing.T) {
	for _, dt := range []graph.DType{graph.Float32, graph.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			g, outs := allocGraph(t, dt)
			p, err := g.Compile(outs...)
			require.NoError(t, err)
			p.Run()
			assert.Equal(t, 0.0, testing.AllocsPerRun(20, p.Run))
		})
	}
}

// allocGraph returns the graph of every alloc family, with the gradients
// of the sum of its float outputs with respect to its params.
func allocGraph(t *testing.T, dt graph.DType) (*graph.Graph, []*graph.Node) {
	t.Helper()
	g := graph.New()
	var outs []*graph.Node
	for _, f := range allocFamily {
		outs = append(outs, f(g, dt)...)
	}
	require.NoError(t, g.Err())
	var cost *graph.Node
	for _, o := range outs {
		if !o.DType().IsFloat() {
			continue
		}
		s := ops.Sum(o)
		if cost == nil {
			cost = s
		} else {
			cost = ops.Add(cost, s)
		}
	}
	var params []*graph.Node
	for _, n := range g.Nodes() {
		if n.Kind() == graph.KindParam {
			params = append(params, n)
		}
	}
	grads, err := autodiff.Grad(cost, params...)
	require.NoError(t, err)
	return g, append(append(outs, cost), grads...)
}

// param returns a param of dtype dt and shape s with values in dom.
func param(g *graph.Graph, name string, dt graph.DType, dom domain, s ...int) *graph.Node {
	r := rand.New(rand.NewPCG(uint64(len(g.Nodes())), 7))
	v := randVals(r, graph.Shape(s).Size(), dom)
	var tt *tensor.Dense
	if dt == graph.Float32 {
		f := make([]float32, len(v))
		for i, x := range v {
			f[i] = float32(x)
		}
		tt = tensor.New(tensor.WithShape(s...), tensor.WithBacking(f))
	} else {
		tt = tensor.New(tensor.WithShape(s...), tensor.WithBacking(v))
	}
	return g.Param(name, tt)
}

// TestCatalogIsCovered: every op in ops.Catalog has a forward case, every
// differentiable op a VJP case, and every op type a node in the alloc
// graph.
func TestCatalogIsCovered(t *testing.T) {
	fwd, vjp := map[string]bool{}, map[string]bool{}
	for _, c := range forwardCases {
		fwd[prefix(c.name)] = true
	}
	for _, c := range allVJPCases(rand.New(rand.NewPCG(1, 1))) {
		vjp[prefix(c.name)] = true
	}
	types := map[string]bool{}
	g, _ := allocGraph(t, graph.Float64)
	for _, n := range g.Nodes() {
		if n.Op() != nil {
			types[n.Op().Type()] = true
		}
	}
	var missing []string
	for _, op := range ops.Catalog() {
		if !fwd[op.Go] {
			missing = append(missing, op.Go+": no forward case")
		}
		if op.Differentiable && !vjp[op.Go] {
			missing = append(missing, op.Go+": no VJP case")
		}
		if op.Type != "" && !types[op.Type] {
			missing = append(missing, op.Go+": type "+op.Type+" not in the alloc graph")
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing)
}

func prefix(name string) string {
	if i := strings.IndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return name
}
