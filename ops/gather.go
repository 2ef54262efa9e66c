package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

// The Gather and Scatter families and OneHot read indices from a node
// (int32 or int64; ONNX has int64 only for GatherND and ScatterND). A
// negative index counts from the end of its axis; one outside [−n, n)
// fails the run, and Program.Err names it, its axis and the axis's length
// (the failed node's value is then undefined).

func init() {
	idx := "indices: int32 or int64, negative from the end"
	register(
		OpInfo{Go: "Gather", Type: "Gather", ONNX: "Gather", Shape: "data's shape with its axis replaced by indices' shape", Attrs: "axis (ONNX: 0); " + idx,
			Formula: "y[…, i…, …] = data[…, indices[i…], …]", VJP: "GatherGrad(g) to data", Differentiable: true},
		OpInfo{Go: "GatherGrad", Type: "GatherGrad", Shape: "the given shape (Gather's data's)", Attrs: "axis, shape; " + idx,
			Formula: "zeros with x's slices added at the gathered positions (Gather's adjoint)", VJP: "Gather(g) to x", Differentiable: true},
		OpInfo{Go: "GatherElements", Type: "GatherElements", ONNX: "GatherElements", Shape: "indices' shape (of data's rank, no longer along the other axes)", Attrs: "axis (ONNX: 0); " + idx,
			Formula: "y[i…] = data[i… with indices[i…] along axis]", VJP: "ScatterElements(0, indices, g, add) to data", Differentiable: true},
		OpInfo{Go: "GatherND", Type: "GatherND", ONNX: "GatherND", Shape: "indices' shape without its last axis k, then data's axes after batchDims + k", Attrs: "batchDims (ONNX: 0); " + idx,
			Formula: "y[b…, i…] = data[b…, indices[b…, i…], …]", VJP: "ScatterND(0, indices, g, add) to data", Differentiable: true},
		OpInfo{Go: "ScatterElements", Type: "ScatterElements", ONNX: "ScatterElements", Shape: "data's shape; updates' is indices'", Attrs: "axis (ONNX: 0), reduction (none, add, mul); " + idx,
			Formula: "data with updates[i…] written (added, multiplied) at i… with indices[i…] along axis",
			VJP:     "data: g zeroed where written (none), g (add), ScatterElements(g, indices, updates, mul) (mul); updates: GatherElements(g), of g·y over updates ≠ 0 (mul)", Differentiable: true},
		OpInfo{Go: "ScatterND", Type: "ScatterND", ONNX: "ScatterND", Shape: "data's shape; updates' is indices' without its last axis k, then data's after k", Attrs: "reduction (none, add, mul); " + idx,
			Formula: "data with the slices of updates written (added, multiplied) at the index tuples",
			VJP:     "data: g zeroed where written (none), g (add), ScatterND(g, indices, updates, mul) (mul); updates: GatherND(g), of g·y over updates ≠ 0 (mul)", Differentiable: true},
		OpInfo{Go: "OneHot", Type: "OneHot", ONNX: "OneHot", Shape: "indices' shape with an axis of length depth inserted at axis", Attrs: "depth, off and on values, dtype, axis (ONNX: −1); indices of any number dtype",
			Formula: "on where the new axis's index is the index (negative from the end), off elsewhere and for indices outside [−depth, depth)", VJP: "—"},
	)
}

// indexList reads an int32 or int64 index tensor as ints.
type indexList struct {
	i32 []int32
	i64 []int64
}

// indicesOf returns the index list of an int32 or int64 value.
func indicesOf(v *graph.Value) indexList { return indexList{i32: v.I32, i64: v.I64} }

// at returns index i; the branch on the dtype is the same every time, so
// the CPU predicts it.
func (l indexList) at(i int) int {
	if l.i64 != nil {
		return int(l.i64[i])
	}
	return int(l.i32[i])
}

// wrapIndex returns index k of an axis of length n as an offset in [0, n),
// a negative k counting from the end as ONNX does, and false when k is
// outside [−n, n).
func wrapIndex(k, n int) (int, bool) {
	if k < 0 {
		k += n
	}
	return k, k >= 0 && k < n
}

// indexError is the run-time error of an index out of range.
func indexError(k, axis, n int) error {
	return fmt.Errorf("index %d is out of range for axis %d of length %d", k, axis, n)
}

// wantIndices reports an error unless input i holds int32 or int64
// indices.
func wantIndices(in []graph.Meta, i int) error {
	if !in[i].DType.IsInt() {
		return fmt.Errorf("indices (input %d) have dtype %s, want int32 or int64", i, in[i].DType)
	}
	return nil
}

// ScatterReduction is how ScatterElements and ScatterND combine an update
// with the element it lands on: ScatterNone (ONNX's default, the zero
// value) replaces it, ScatterAdd adds to it, ScatterMul multiplies it.
type ScatterReduction uint8

// The reductions of the Scatter ops.
const (
	ScatterNone ScatterReduction = iota
	ScatterAdd
	ScatterMul
)

// String returns "none", "add" or "mul", ONNX's names.
func (r ScatterReduction) String() string {
	switch r {
	case ScatterAdd:
		return "add"
	case ScatterMul:
		return "mul"
	}
	return "none"
}

// Gather picks, along axis, the slices of data that indices name (ONNX
// Gather): the result has data's axes before axis, then indices' axes,
// then data's axes after axis. A negative index counts from the end; one
// out of range fails the run.
func Gather(data, indices *graph.Node, axis int) *graph.Node {
	return graph.ApplyOn(gatherOp{axis: axis}, data, indices)
}

// GatherGrad returns zeros of the given shape (Gather's data's) with each
// slice of g added at the position along axis that indices name: the
// adjoint of Gather, whose own adjoint is Gather. Repeated indices add up.
func GatherGrad(g, indices *graph.Node, shape graph.Shape, axis int) *graph.Node {
	return graph.ApplyOn(gatherOp{axis: axis, grad: true, shape: shape.Clone()}, g, indices)
}

// gatherOp is Gather, or with grad its adjoint GatherGrad, which reads g
// and writes a value of the given shape.
type gatherOp struct {
	axis  int
	grad  bool
	shape graph.Shape
}

func (o gatherOp) Type() string {
	if o.grad {
		return "GatherGrad"
	}
	return "Gather"
}

// gathered returns the shape of Gather(data, indices) along axis a.
func gathered(data, indices graph.Shape, a int) graph.Shape {
	s := append(graph.Shape{}, data[:a]...)
	s = append(s, indices...)
	return append(s, data[a+1:]...)
}

func (o gatherOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantIndices(in, 1); err != nil {
		return graph.Meta{}, err
	}
	data := in[0].Shape
	if o.grad {
		if err := wantNumber(in, 0); err != nil {
			return graph.Meta{}, err
		}
		data = o.gradShape(in[0].Shape, in[1].Shape)
	}
	a, ok := graph.Axis(o.axis, len(data))
	if !ok {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be gathered along axis %d", o.axis))
	}
	s := gathered(data, in[1].Shape, a)
	if !o.grad {
		return graph.Meta{DType: in[0].DType, Shape: s}, nil
	}
	if !s.Equal(in[0].Shape) {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("are not gathered from %s along axis %d (that is %s)", data, a, s))
	}
	return graph.Meta{DType: in[0].DType, Shape: data}, nil
}

// gradShape returns the shape GatherGrad writes given g's and the
// indices': the given data shape along the gathered axis, and g's lengths
// along the others (the batch among them), so that one op serves every
// batch of a program.
func (o gatherOp) gradShape(g, ind graph.Shape) graph.Shape {
	data := o.shape.Clone()
	a, ok := graph.Axis(o.axis, len(data))
	if !ok || len(g) != len(data)-1+len(ind) {
		return data
	}
	for i := 0; i < a; i++ {
		data[i] = g[i]
	}
	for i := a + 1; i < len(data); i++ {
		data[i] = g[i-1+len(ind)]
	}
	return data
}

func (o gatherOp) Forward(out *graph.Value, in []*graph.Value) {
	data := in[0]
	if o.grad {
		data = out
	}
	a, _ := graph.Axis(o.axis, len(data.Shape))
	outer, d, inner := split3(data.Shape, a)
	ix := indicesOf(in[1])
	n := len(in[1].I32) + len(in[1].I64)
	if err := checkIndices(ix, n, a, d); err != nil {
		out.Fail(err)
		return
	}
	if o.grad {
		switch out.DType() {
		case graph.Float32:
			gatherGradK(out.F32, in[0].F32, ix, n, outer, d, inner)
		case graph.Float64:
			gatherGradK(out.F64, in[0].F64, ix, n, outer, d, inner)
		case graph.Int32:
			gatherGradK(out.I32, in[0].I32, ix, n, outer, d, inner)
		case graph.Int64:
			gatherGradK(out.I64, in[0].I64, ix, n, outer, d, inner)
		}
		return
	}
	switch out.DType() {
	case graph.Float32:
		gatherK(out.F32, data.F32, ix, n, outer, d, inner)
	case graph.Float64:
		gatherK(out.F64, data.F64, ix, n, outer, d, inner)
	case graph.Int32:
		gatherK(out.I32, data.I32, ix, n, outer, d, inner)
	case graph.Int64:
		gatherK(out.I64, data.I64, ix, n, outer, d, inner)
	case graph.Bool:
		gatherK(out.B, data.B, ix, n, outer, d, inner)
	}
}

// VJP: Gather and GatherGrad are each other's adjoints; indices have none.
func (o gatherOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	idx := n.Inputs()[1]
	if o.grad {
		return []*graph.Node{Gather(g, idx, o.axis), nil}
	}
	return []*graph.Node{GatherGrad(g, idx, n.Inputs()[0].Shape(), o.axis), nil}
}

// checkIndices returns the error of the first of the n indices that is
// out of range for an axis a of length d.
func checkIndices(ix indexList, n, a, d int) error {
	if ix.i64 != nil {
		return checkIndicesK(ix.i64[:n], a, d)
	}
	return checkIndicesK(ix.i32[:n], a, d)
}

func checkIndicesK[I int32 | int64](ind []I, a, d int) error {
	for _, k := range ind {
		if int(k) < -d || int(k) >= d {
			return indexError(int(k), a, d)
		}
	}
	return nil
}

// gatherK copies, for each of the outer blocks of x (outer × d × inner)
// and each index, the inner elements the index names.
func gatherK[T any](o, x []T, ix indexList, n, outer, d, inner int) {
	for p := 0; p < outer; p++ {
		xb, ob := x[p*d*inner:(p+1)*d*inner], o[p*n*inner:(p+1)*n*inner]
		if inner == 1 {
			for i := range ob {
				k, _ := wrapIndex(ix.at(i), d)
				ob[i] = xb[k]
			}
			continue
		}
		for i := 0; i < n; i++ {
			k, _ := wrapIndex(ix.at(i), d)
			copy(ob[i*inner:(i+1)*inner], xb[k*inner:(k+1)*inner])
		}
	}
}

// gatherGradK is gatherK's transpose: o (outer × d × inner) collects g.
func gatherGradK[T graph.Number](o, g []T, ix indexList, n, outer, d, inner int) {
	clear(o)
	for p := 0; p < outer; p++ {
		ob, gb := o[p*d*inner:(p+1)*d*inner], g[p*n*inner:(p+1)*n*inner]
		for i := 0; i < n; i++ {
			k, _ := wrapIndex(ix.at(i), d)
			dst := ob[k*inner : (k+1)*inner]
			for j, v := range gb[i*inner : (i+1)*inner] {
				dst[j] += v
			}
		}
	}
}

// GatherElements picks one element of data for each element of indices
// (ONNX GatherElements; PyTorch's gather): y[i₀, …] is data at the same
// coordinates but for axis, where it is indices[i₀, …]. indices has
// data's rank and is no longer than data along the other axes.
func GatherElements(data, indices *graph.Node, axis int) *graph.Node {
	return graph.ApplyOn(gatherElementsOp{axis}, data, indices)
}

type gatherElementsOp struct{ axis int }

func (gatherElementsOp) Type() string { return "GatherElements" }

// elementsShapes checks the shapes of GatherElements and ScatterElements:
// indices of data's rank, no longer than data but along axis.
func elementsShapes(in []graph.Meta, axis int) (int, error) {
	data, ind := in[0].Shape, in[1].Shape
	a, ok := graph.Axis(axis, len(data))
	if !ok {
		return 0, graph.ShapesError(in, fmt.Sprintf("have no axis %d", axis))
	}
	if len(ind) != len(data) {
		return 0, graph.ShapesError(in, "differ in rank")
	}
	for i, d := range ind {
		if i != a && d > data[i] {
			return 0, graph.ShapesError(in, fmt.Sprintf("have indices longer than data along axis %d", i))
		}
	}
	return a, nil
}

func (o gatherElementsOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantIndices(in, 1); err != nil {
		return graph.Meta{}, err
	}
	if _, err := elementsShapes(in, o.axis); err != nil {
		return graph.Meta{}, err
	}
	return graph.Meta{DType: in[0].DType, Shape: in[1].Shape}, nil
}

func (o gatherElementsOp) Forward(out *graph.Value, in []*graph.Value) {
	data, ind := in[0], in[1]
	a, _ := graph.Axis(o.axis, len(data.Shape))
	e := newElementsWalk(data.Shape, ind.Shape, a)
	ix := indicesOf(ind)
	bad := -1
	switch out.DType() {
	case graph.Float32:
		bad = gatherElementsK(out.F32, data.F32, ix, &e)
	case graph.Float64:
		bad = gatherElementsK(out.F64, data.F64, ix, &e)
	case graph.Int32:
		bad = gatherElementsK(out.I32, data.I32, ix, &e)
	case graph.Int64:
		bad = gatherElementsK(out.I64, data.I64, ix, &e)
	case graph.Bool:
		bad = gatherElementsK(out.B, data.B, ix, &e)
	}
	if bad >= 0 {
		out.Fail(indexError(ix.at(bad), a, e.d))
	}
}

// VJP: g added into zeros at the gathered positions.
func (o gatherElementsOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	data, idx := n.Inputs()[0], n.Inputs()[1]
	return []*graph.Node{ScatterElements(ZerosLike(data), idx, g, o.axis, ScatterAdd), nil}
}

// elementsWalk visits the elements of an indices tensor in order, row by
// row along its last axis, keeping the offset in data of the element with
// the same coordinates but along the axis, where the index decides.
type elementsWalk struct {
	rank, n int
	dims    [graph.MaxRank]int // indices' shape
	st      [graph.MaxRank]int // data's strides, 0 along the axis
	axisSt  int                // data's stride along the axis
	d       int                // data's length along the axis
}

func newElementsWalk(data, ind graph.Shape, a int) elementsWalk {
	e := elementsWalk{rank: len(ind), n: ind.Size(), d: data[a]}
	stridesOf(data, &e.st)
	copy(e.dims[:], ind)
	e.axisSt, e.st[a] = e.st[a], 0
	return e
}

// row returns the length of a row and data's stride along it.
func (e *elementsWalk) row() (int, int) { return e.dims[e.rank-1], e.st[e.rank-1] }

// nextRow moves the coordinates idx of a row's start to the next row's,
// and base to the offset in data of those coordinates, with 0 along the
// axis.
func (e *elementsWalk) nextRow(idx *[graph.MaxRank]int, base *int) {
	for k := e.rank - 2; k >= 0; k-- {
		idx[k]++
		*base += e.st[k]
		if idx[k] < e.dims[k] {
			return
		}
		*base -= e.st[k] * e.dims[k]
		idx[k] = 0
	}
}

// gatherElementsK gathers x into o and returns −1, or the position of
// the first index out of range, where it stopped. (Checking as it goes
// saves a pass over the indices; the result of a failed run is undefined.)
func gatherElementsK[T any](o, x []T, ix indexList, e *elementsWalk) int {
	if ix.i64 != nil {
		return gatherElementsRows(o, x, ix.i64, e)
	}
	return gatherElementsRows(o, x, ix.i32, e)
}

func gatherElementsRows[T any, I int32 | int64](o, x []T, ind []I, e *elementsWalk) int {
	var idx [graph.MaxRank]int
	n, s := e.row()
	base := 0
	for i := 0; i < e.n; i += n {
		if j := gatherElementsRow(o[i:i+n], x, ind[i:i+n], base, s, e.axisSt, e.d); j >= 0 {
			return i + j
		}
		e.nextRow(&idx, &base)
	}
	return -1
}

// gatherElementsRow reads o[j] from x at base + j·s + (the index)·ast,
// for an axis of length d; it returns −1, or where it met an index out of
// range.
func gatherElementsRow[T any, I int32 | int64](o, x []T, ind []I, base, s, ast, d int) int {
	ind = ind[:len(o)]
	for j, k := range ind {
		i := int(k)
		if i < 0 {
			i += d
		}
		if uint(i) >= uint(d) {
			return j
		}
		o[j] = x[base+j*s+i*ast]
	}
	return -1
}

// ScatterElements returns a copy of data in which each element of updates
// is written to (with ScatterAdd added to, with ScatterMul multiplied into)
// the element of data at its own coordinates but along axis, where it is
// the matching element of indices (ONNX ScatterElements; PyTorch's
// scatter). updates has the shape of indices, which has data's rank and is
// no longer than data along the other axes. With ScatterNone, indices
// should not repeat (ONNX leaves the result undefined; here the last
// update wins, and the gradient with respect to the others is wrong).
// The gradient of ScatterMul with respect to updates divides by them: it
// assumes no update is 0.
func ScatterElements(data, indices, updates *graph.Node, axis int, reduction ScatterReduction) *graph.Node {
	return graph.ApplyOn(scatterElementsOp{axis, reduction}, data, indices, updates)
}

type scatterElementsOp struct {
	axis int
	red  ScatterReduction
}

func (scatterElementsOp) Type() string { return "ScatterElements" }

// scatterDTypes checks the dtypes of data, indices and updates.
func scatterDTypes(in []graph.Meta, red ScatterReduction) error {
	if err := wantIndices(in, 1); err != nil {
		return err
	}
	if err := sameDType(in, 0, 2); err != nil {
		return err
	}
	if red > ScatterMul {
		return fmt.Errorf("unknown reduction %d", red)
	}
	if red != ScatterNone && in[0].DType == graph.Bool {
		return fmt.Errorf("cannot %s bools", red)
	}
	return nil
}

func (o scatterElementsOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := scatterDTypes(in, o.red); err != nil {
		return graph.Meta{}, err
	}
	if _, err := elementsShapes(in, o.axis); err != nil {
		return graph.Meta{}, err
	}
	if !in[2].Shape.Equal(in[1].Shape) {
		return graph.Meta{}, graph.ShapesError(in, "have updates and indices of different shapes")
	}
	return in[0], nil
}

func (o scatterElementsOp) Forward(out *graph.Value, in []*graph.Value) {
	data, ind, upd := in[0], in[1], in[2]
	a, _ := graph.Axis(o.axis, len(data.Shape))
	e := newElementsWalk(data.Shape, ind.Shape, a)
	ix := indicesOf(ind)
	copyValue(out, data)
	bad := -1
	switch out.DType() {
	case graph.Float32:
		bad = scatterElementsK(out.F32, upd.F32, ix, &e, o.red)
	case graph.Float64:
		bad = scatterElementsK(out.F64, upd.F64, ix, &e, o.red)
	case graph.Int32:
		bad = scatterElementsK(out.I32, upd.I32, ix, &e, o.red)
	case graph.Int64:
		bad = scatterElementsK(out.I64, upd.I64, ix, &e, o.red)
	case graph.Bool:
		bad = scatterElementsBoolK(out.B, upd.B, ix, &e)
	}
	if bad >= 0 {
		out.Fail(indexError(ix.at(bad), a, e.d))
	}
}

// VJP: see ScatterElements; y = data ⊙ Πupdates at the written positions
// for ScatterMul, so ∂y/∂update = g·y/update there.
func (o scatterElementsOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	idx, upd := n.Inputs()[1], n.Inputs()[2]
	var dd, du *graph.Node
	if need[0] {
		switch o.red {
		case ScatterNone:
			dd = ScatterElements(g, idx, ZerosLike(upd), o.axis, ScatterNone)
		case ScatterAdd:
			dd = g
		case ScatterMul:
			dd = ScatterElements(g, idx, upd, o.axis, ScatterMul)
		}
	}
	if need[2] {
		if o.red == ScatterMul {
			du = Div(GatherElements(Mul(g, n), idx, o.axis), upd)
		} else {
			du = GatherElements(g, idx, o.axis)
		}
	}
	return []*graph.Node{dd, nil, du}
}

// scatterElementsK combines u into o and returns −1, or the position of
// the first index out of range, where it stopped.
func scatterElementsK[T graph.Number](o, u []T, ix indexList, e *elementsWalk, red ScatterReduction) int {
	if ix.i64 != nil {
		return scatterElementsRows(o, u, ix.i64, e, red)
	}
	return scatterElementsRows(o, u, ix.i32, e, red)
}

func scatterElementsRows[T graph.Number, I int32 | int64](o, u []T, ind []I, e *elementsWalk, red ScatterReduction) int {
	var idx [graph.MaxRank]int
	n, s := e.row()
	base := 0
	for i := 0; i < e.n; i += n {
		if j := scatterElementsRow(o, u[i:i+n], ind[i:i+n], base, s, e.axisSt, e.d, red); j >= 0 {
			return i + j
		}
		e.nextRow(&idx, &base)
	}
	return -1
}

// scatterElementsRow combines u[j] into o at base + j·s + (the
// index)·ast, for an axis of length d; it returns −1, or where it met an
// index out of range. The reduction is chosen once per row.
func scatterElementsRow[T graph.Number, I int32 | int64](o, u []T, ind []I, base, s, ast, d int, red ScatterReduction) int {
	ind = ind[:len(u)]
	at := func(j int) (int, bool) {
		i := int(ind[j])
		if i < 0 {
			i += d
		}
		return base + j*s + i*ast, uint(i) < uint(d)
	}
	for j, v := range u {
		p, ok := at(j)
		if !ok {
			return j
		}
		switch red {
		case ScatterNone:
			o[p] = v
		case ScatterAdd:
			o[p] += v
		case ScatterMul:
			o[p] *= v
		}
	}
	return -1
}

func scatterElementsBoolK(o, u []bool, ix indexList, e *elementsWalk) int {
	var idx [graph.MaxRank]int
	n, s := e.row()
	base := 0
	for i := 0; i < e.n; i += n {
		for j, v := range u[i : i+n] {
			k, ok := wrapIndex(ix.at(i+j), e.d)
			if !ok {
				return i + j
			}
			o[base+j*s+k*e.axisSt] = v
		}
		e.nextRow(&idx, &base)
	}
	return -1
}

// GatherND picks slices of data by tuples of indices (ONNX GatherND): the
// last axis of indices, of length k, holds tuples that index data's axes
// batchDims … batchDims+k−1; the first batchDims axes of data and indices
// are batch axes they share. The result has indices' axes but the last,
// then data's axes after batchDims + k.
func GatherND(data, indices *graph.Node, batchDims int) *graph.Node {
	return graph.ApplyOn(gatherNDOp{batchDims}, data, indices)
}

type gatherNDOp struct{ batch int }

func (gatherNDOp) Type() string { return "GatherND" }

// ndPlan is GatherND's and ScatterND's view of their operands: B batches;
// in each, m index tuples of k entries, each naming a slice of s elements
// of data's batch block of blk elements, entry j stepping st[j] elements
// along axis b+j of length dims[j].
type ndPlan struct {
	b, k, m, batches, s, blk int
	dims, st                 [graph.MaxRank]int
}

func newNDPlan(data, ind graph.Shape, b int) (p ndPlan, err error) {
	r, q := len(data), len(ind)
	switch {
	case r < 1 || q < 1:
		return p, fmt.Errorf("have rank 0")
	case b < 0 || b >= min(q, r):
		return p, fmt.Errorf("cannot have %d batch axes", b)
	}
	for i := 0; i < b; i++ {
		if data[i] != ind[i] {
			return p, fmt.Errorf("differ along batch axis %d", i)
		}
	}
	k := ind[q-1]
	if k < 1 || k > r-b {
		return p, fmt.Errorf("have index tuples of %d entries, want 1 to %d", k, r-b)
	}
	p.b, p.k = b, k
	p.batches = graph.Shape(data[:b]).Size()
	p.m = graph.Shape(ind[b : q-1]).Size()
	p.s = graph.Shape(data[b+k:]).Size()
	p.blk = graph.Shape(data[b:]).Size()
	n := p.s
	for j := k - 1; j >= 0; j-- {
		p.dims[j], p.st[j] = data[b+j], n
		n *= data[b+j]
	}
	return p, nil
}

// ndShape returns the shape of GatherND's result and ScatterND's updates.
func ndShape(data, ind graph.Shape, p *ndPlan) graph.Shape {
	s := append(graph.Shape{}, ind[:len(ind)-1]...)
	return append(s, data[p.b+p.k:]...)
}

// check checks every index tuple and reports the first index out of
// range.
func (p *ndPlan) check(ix indexList) error {
	for t := 0; t < p.batches*p.m; t++ {
		for j := 0; j < p.k; j++ {
			if k, d := ix.at(t*p.k+j), p.dims[j]; k < -d || k >= d {
				return indexError(k, p.b+j, d)
			}
		}
	}
	return nil
}

// offset returns where, in data, the slice of tuple t starts.
func (p *ndPlan) offset(ix indexList, t int) int {
	off := (t / p.m) * p.blk
	for j := 0; j < p.k; j++ {
		i, _ := wrapIndex(ix.at(t*p.k+j), p.dims[j])
		off += i * p.st[j]
	}
	return off
}

func (o gatherNDOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := wantIndices(in, 1); err != nil {
		return graph.Meta{}, err
	}
	p, err := newNDPlan(in[0].Shape, in[1].Shape, o.batch)
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, err.Error())
	}
	return graph.Meta{DType: in[0].DType, Shape: ndShape(in[0].Shape, in[1].Shape, &p)}, nil
}

func (o gatherNDOp) Forward(out *graph.Value, in []*graph.Value) {
	p, _ := newNDPlan(in[0].Shape, in[1].Shape, o.batch)
	ix := indicesOf(in[1])
	if err := p.check(ix); err != nil {
		out.Fail(err)
		return
	}
	switch out.DType() {
	case graph.Float32:
		gatherNDK(out.F32, in[0].F32, ix, &p)
	case graph.Float64:
		gatherNDK(out.F64, in[0].F64, ix, &p)
	case graph.Int32:
		gatherNDK(out.I32, in[0].I32, ix, &p)
	case graph.Int64:
		gatherNDK(out.I64, in[0].I64, ix, &p)
	case graph.Bool:
		gatherNDK(out.B, in[0].B, ix, &p)
	}
}

// VJP: g added into zeros at the gathered slices (a ScatterND that keeps
// the batch axes).
func (o gatherNDOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	data, idx := n.Inputs()[0], n.Inputs()[1]
	return []*graph.Node{graph.ApplyOn(scatterNDOp{ScatterAdd, o.batch}, ZerosLike(data), idx, g), nil}
}

func gatherNDK[T any](o, x []T, ix indexList, p *ndPlan) {
	for t := 0; t < p.batches*p.m; t++ {
		off := p.offset(ix, t)
		copy(o[t*p.s:(t+1)*p.s], x[off:off+p.s])
	}
}

// ScatterND returns a copy of data in which the slices of updates are
// written to (added to, multiplied into) the slices of data that the index
// tuples name (ONNX ScatterND): indices' last axis, of length k, holds
// tuples indexing data's first k axes, and updates has indices' shape but
// the last axis, then data's axes after k. With ScatterNone, tuples should
// not repeat (the last wins); the gradient of ScatterMul with respect to
// updates assumes no update is 0.
func ScatterND(data, indices, updates *graph.Node, reduction ScatterReduction) *graph.Node {
	return graph.ApplyOn(scatterNDOp{red: reduction}, data, indices, updates)
}

// scatterNDOp is ScatterND; with batch axes, which ONNX's ScatterND does
// not have, it is the adjoint of GatherND with them.
type scatterNDOp struct {
	red   ScatterReduction
	batch int
}

func (scatterNDOp) Type() string { return "ScatterND" }

func (o scatterNDOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if err := scatterDTypes(in, o.red); err != nil {
		return graph.Meta{}, err
	}
	p, err := newNDPlan(in[0].Shape, in[1].Shape, o.batch)
	if err != nil {
		return graph.Meta{}, graph.ShapesError(in, err.Error())
	}
	if want := ndShape(in[0].Shape, in[1].Shape, &p); !want.Equal(in[2].Shape) {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("need updates of shape %s", want))
	}
	return in[0], nil
}

func (o scatterNDOp) Forward(out *graph.Value, in []*graph.Value) {
	p, _ := newNDPlan(in[0].Shape, in[1].Shape, o.batch)
	ix := indicesOf(in[1])
	if err := p.check(ix); err != nil {
		out.Fail(err)
		return
	}
	copyValue(out, in[0])
	u := in[2]
	switch out.DType() {
	case graph.Float32:
		scatterNDK(out.F32, u.F32, ix, &p, o.red)
	case graph.Float64:
		scatterNDK(out.F64, u.F64, ix, &p, o.red)
	case graph.Int32:
		scatterNDK(out.I32, u.I32, ix, &p, o.red)
	case graph.Int64:
		scatterNDK(out.I64, u.I64, ix, &p, o.red)
	case graph.Bool:
		for t := 0; t < p.batches*p.m; t++ {
			off := p.offset(ix, t)
			copy(out.B[off:off+p.s], u.B[t*p.s:(t+1)*p.s])
		}
	}
}

// VJP: as ScatterElements', with GatherND for GatherElements.
func (o scatterNDOp) VJP(n, g *graph.Node, need []bool) []*graph.Node {
	idx, upd := n.Inputs()[1], n.Inputs()[2]
	scatter := func(d, u *graph.Node, red ScatterReduction) *graph.Node {
		return graph.ApplyOn(scatterNDOp{red, o.batch}, d, idx, u)
	}
	var dd, du *graph.Node
	if need[0] {
		switch o.red {
		case ScatterNone:
			dd = scatter(g, ZerosLike(upd), ScatterNone)
		case ScatterAdd:
			dd = g
		case ScatterMul:
			dd = scatter(g, upd, ScatterMul)
		}
	}
	if need[2] {
		if o.red == ScatterMul {
			du = Div(GatherND(Mul(g, n), idx, o.batch), upd)
		} else {
			du = GatherND(g, idx, o.batch)
		}
	}
	return []*graph.Node{dd, nil, du}
}

func scatterNDK[T graph.Number](o, u []T, ix indexList, p *ndPlan, red ScatterReduction) {
	for t := 0; t < p.batches*p.m; t++ {
		off := p.offset(ix, t)
		dst, src := o[off:off+p.s], u[t*p.s:(t+1)*p.s]
		switch red {
		case ScatterNone:
			copy(dst, src)
		case ScatterAdd:
			for i, v := range src {
				dst[i] += v
			}
		case ScatterMul:
			for i, v := range src {
				dst[i] *= v
			}
		}
	}
}

// OneHot returns the one-hot encoding of indices (ONNX OneHot with values
// [off, on]): a value of dtype dt with an axis of length depth inserted at
// axis (−1, ONNX's default, appends it; negative counts in the result's
// rank), holding on where that axis's index equals the index and off
// elsewhere. A negative index counts from depth; an index outside [−depth,
// depth) gives a row of off, as ONNX says. Float indices are truncated
// toward zero, as onnxruntime does. off and on must fit dt.
func OneHot(indices *graph.Node, depth int, off, on float64, dt graph.DType, axis int) *graph.Node {
	return graph.ApplyOn(oneHotOp{depth: depth, axis: axis, off: off, on: on, dt: dt}, indices)
}

type oneHotOp struct {
	depth, axis int
	off, on     float64
	dt          graph.DType
}

func (oneHotOp) Type() string { return "OneHot" }

func (o oneHotOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if in[0].DType == graph.Bool {
		return graph.Meta{}, graph.DTypesError(in, "is not a number")
	}
	if !o.dt.Valid() {
		return graph.Meta{}, fmt.Errorf("unsupported dtype %s", o.dt)
	}
	for _, v := range []float64{o.off, o.on} {
		if err := fitsDType(v, o.dt); err != nil {
			return graph.Meta{}, fmt.Errorf("cannot make %s one-hot values: %v", o.dt, err)
		}
	}
	xs := in[0].Shape
	a, ok := graph.Axis(o.axis, len(xs)+1)
	if !ok {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot take a one-hot axis at %d", o.axis))
	}
	if o.depth < 1 {
		return graph.Meta{}, graph.ShapesError(in, fmt.Sprintf("cannot be one-hot encoded with depth %d", o.depth))
	}
	s := append(graph.Shape{}, xs[:a]...)
	s = append(s, o.depth)
	return graph.Meta{DType: o.dt, Shape: append(s, xs[a:]...)}, nil
}

func (o oneHotOp) Forward(out *graph.Value, in []*graph.Value) {
	xs := in[0].Shape
	a, _ := graph.Axis(o.axis, len(xs)+1)
	outer, inner := graph.Shape(xs[:a]).Size(), graph.Shape(xs[a:]).Size()
	on := o.on
	switch out.DType() {
	case graph.Float32:
		oneHotK(out.F32, in[0], outer, o.depth, inner, float32(o.off), float32(on))
	case graph.Float64:
		oneHotK(out.F64, in[0], outer, o.depth, inner, o.off, on)
	case graph.Int32:
		oneHotK(out.I32, in[0], outer, o.depth, inner, int32(o.off), int32(on))
	case graph.Int64:
		oneHotK(out.I64, in[0], outer, o.depth, inner, int64(o.off), int64(on))
	case graph.Bool:
		oneHotK(out.B, in[0], outer, o.depth, inner, o.off != 0, on != 0)
	}
}

func (oneHotOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }

func oneHotK[T any](o []T, ind *graph.Value, outer, depth, inner int, off, on T) {
	fill(o, off)
	for p := 0; p < outer; p++ {
		for i := 0; i < inner; i++ {
			k, ok := intAt(ind, p*inner+i)
			if !ok || k < -depth || k >= depth {
				continue
			}
			if k < 0 {
				k += depth
			}
			o[(p*depth+k)*inner+i] = on
		}
	}
}

// intAt returns element i of a number value as an int, a float truncated
// toward zero; false for a NaN or a float beyond the ints.
func intAt(v *graph.Value, i int) (int, bool) {
	switch v.DType() {
	case graph.Int32:
		return int(v.I32[i]), true
	case graph.Int64:
		return int(v.I64[i]), true
	}
	f := math.Trunc(v.At(i))
	if !(f >= math.MinInt64 && f < math.MaxInt64) {
		return 0, false
	}
	return int(f), true
}
