// Package graph holds the computation graph: nodes, their shapes and element
// types, the Op interface that concrete operations implement, and Compile,
// which turns the part of a graph that some outputs need into a Program that
// runs with buffers allocated once.
//
// Building a graph never needs an error check per line. The first error (a
// shape or dtype mismatch) is recorded on the Graph; every node built from a
// failed node is failed too and records nothing new; Err and Compile report
// the first error, which names the nodes and shapes involved:
//
//	h := ops.ReLU(ops.Add(ops.MatMul(w1, x, ops.TransA), b1))
//	y := ops.Softmax(ops.Add(ops.MatMul(w2, h, ops.TransA), b2), 0)
//	if err := g.Err(); err != nil { ... }
//
// The package knows no concrete op: those live in package ops.
package graph

import (
	"errors"
	"fmt"
	"math"

	"gorgonia.org/tensor"
)

// Op is one operation: its type and shape rule, its forward kernel, and its
// vector-Jacobian product expressed as new graph nodes.
type Op interface {
	// Type returns the op's name as shown in errors and pictures
	// ("MatMul"); for an op that ONNX defines, its ONNX name.
	Type() string
	// Infer returns the dtype and shape of the result for inputs of the
	// given dtypes and shapes, or an error saying why they do not fit the
	// op. Apply prefixes the error with the op and its inputs' names, so it
	// need only describe the problem: build it with ShapesError ("shapes
	// 3x4 and 5x1 do not broadcast") or as a plain sentence.
	Infer(in []Meta) (Meta, error)
	// Forward computes the value of out from the values of the inputs. It
	// must not allocate: it runs on every Program.Run.
	Forward(out *Value, in []*Value)
	// VJP returns, for each input i with need[i] set, the contribution of
	// n to that input's adjoint, given the adjoint of n (a node of n's
	// shape). The contributions are nodes built from ops, so a gradient can
	// itself be differentiated; each has its input's shape and dtype. need
	// is set only for float inputs that lead to the cost. An op that
	// cannot be differentiated with respect to an input returns nil there:
	// Grad then reports an error if that input needed a gradient. (An op
	// whose derivative is zero returns a zero node, not nil.)
	VJP(n, adjoint *Node, need []bool) []*Node
}

// ShapeOnly is implemented by an op that reads only the shape of some of
// its inputs, not their values: ops.SumLike sums to the shape of its
// second input, read at run time, so one compiled program serves any
// batch size. Such an input is not differentiated, and its value need not
// be kept for the op.
type ShapeOnly interface {
	ShapeOnly(i int) bool
}

// Workspacer is implemented by an op whose kernel needs temporary storage
// (the unfolded patches of a convolution, say). Compile allocates a Value
// of the returned dtype and shape for the op's node and hands it to
// Forward as out.Work.
type Workspacer interface {
	Workspace(in []Meta, out Meta) Meta
}

// Kind says where a node's value comes from.
type Kind uint8

// The kinds of node.
const (
	// KindInput is a value fed by the caller before each run (a batch).
	KindInput Kind = iota + 1
	// KindParam is a trainable value owned by the graph (weights, bias).
	KindParam
	// KindConst is a fixed value.
	KindConst
	// KindOp is computed by an Op from other nodes.
	KindOp
	// KindState is a value that persists from run to run and changes as a
	// side effect of an op's kernel, which reads it as an input and writes
	// it in place (the running statistics of a batch normalisation): not
	// trained, not fed, not differentiated.
	KindState
)

// String returns "input", "param", "const", "op" or "state".
func (k Kind) String() string {
	switch k {
	case KindInput:
		return "input"
	case KindParam:
		return "param"
	case KindConst:
		return "const"
	case KindOp:
		return "op"
	case KindState:
		return "state"
	}
	return "kind?"
}

// Graph is a set of nodes built by ops. Its methods are not safe for
// concurrent use.
type Graph struct {
	nodes []*Node
	names map[string]*Node
	err   error
}

// New returns an empty graph.
func New() *Graph { return &Graph{names: map[string]*Node{}} }

// Err returns the first error met while building the graph, or nil.
func (g *Graph) Err() error { return g.err }

// Nodes returns every node in creation order, which is a topological order.
func (g *Graph) Nodes() []*Node { return g.nodes }

// Node returns the node called name, or nil.
func (g *Graph) Node(name string) *Node { return g.names[name] }

// Node is one vertex of a graph: an input, a parameter, a constant or the
// result of an op.
type Node struct {
	g         *Graph
	id        int
	name      string
	kind      Kind
	op        Op
	inputs    []*Node
	shape     Shape
	dtype     DType
	val       *Value
	dense     *tensor.Dense
	adjointOf *Node
	backward  bool
	failed    bool
	kept      bool // a compiled program keeps its value readable
	planned   bool // a compiled program reuses its storage
	batchAxis int  // of a batched input: the axis whose length varies; else -1
}

// Graph returns the graph that n belongs to.
func (n *Node) Graph() *Graph { return n.g }

// ID returns the creation index of n, unique in its graph.
func (n *Node) ID() int { return n.id }

// Name returns the node's name: the one given, or the op type and ID.
func (n *Node) Name() string {
	if n.name != "" {
		return n.name
	}
	if n.op != nil {
		return fmt.Sprintf("%s#%d", n.op.Type(), n.id)
	}
	return fmt.Sprintf("%s#%d", n.kind, n.id)
}

// HasName reports whether n was given a name with Named.
func (n *Node) HasName() bool { return n.name != "" }

// Named gives n a name (for errors, pictures and Graph.Node) and returns n.
// Naming two nodes alike is a build error.
func (n *Node) Named(name string) *Node {
	if n.failed {
		return n
	}
	if other, ok := n.g.names[name]; ok && other != n {
		n.g.fail(fmt.Errorf("graph: name %q is already used by node #%d", name, other.id))
		return n
	}
	if n.name != "" {
		delete(n.g.names, n.name)
	}
	n.name = name
	n.g.names[name] = n
	return n
}

// Kind returns where the node's value comes from.
func (n *Node) Kind() Kind { return n.kind }

// Op returns the op that computes n, or nil for inputs, params and consts.
func (n *Node) Op() Op { return n.op }

// Inputs returns the nodes the op of n reads.
func (n *Node) Inputs() []*Node { return n.inputs }

// Shape returns the shape of n's value.
func (n *Node) Shape() Shape { return n.shape }

// DType returns the element type of n's value.
func (n *Node) DType() DType { return n.dtype }

// Failed reports whether n could not be built; Graph.Err says why.
func (n *Node) Failed() bool { return n.failed }

// AdjointOf returns the node whose adjoint n is, or nil.
func (n *Node) AdjointOf() *Node { return n.adjointOf }

// Compiled reports whether n's value is computed by a program and kept
// readable: true for an op node that some program has as an output, and
// for inputs, params and consts, whose values are there to be read. An op
// node that no program keeps holds zeros or another node's data, which a
// solver must not mistake for a gradient.
func (n *Node) Compiled() bool { return n.kind != KindOp || n.kept }

// Batched marks axis of an input (negative counts from the end) as its
// batch axis: its length in the graph, N, is the largest batch, and Set,
// SetFloat64s or SetBatch may feed any batch of 1 to N along it. Every
// program compiled from the graph then runs at the batch of its inputs,
// with no allocation and no recompilation (see Compile). A graph may have
// several batched inputs; their batches must agree at each run.
func (n *Node) Batched(axis int) *Node {
	if n.failed {
		return n
	}
	a, ok := Axis(axis, len(n.shape))
	switch {
	case n.kind != KindInput:
		n.g.fail(fmt.Errorf("graph: batched %s: only an input has a batch axis, not a %s", n.Name(), n.kind))
	case !ok:
		n.g.fail(fmt.Errorf("graph: batched %s: shape %s has no axis %d", n.Name(), n.shape, axis))
	case n.shape[a] < 1:
		n.g.fail(fmt.Errorf("graph: batched %s: axis %d of shape %s is empty", n.Name(), axis, n.shape))
	default:
		n.batchAxis = a
		return n
	}
	n.failed = true
	return n
}

// BatchAxis returns the batch axis of a batched input, or -1.
func (n *Node) BatchAxis() int { return n.batchAxis }

// SetBatch sets the batch of a batched input to b (1 ≤ b ≤ N), keeping
// the first values of its storage: write the batch into Float64s or
// Float32s after it.
func (n *Node) SetBatch(b int) error {
	if n.batchAxis < 0 {
		return fmt.Errorf("graph: set batch of %s: it has no batch axis", n.Name())
	}
	if max := n.shape[n.batchAxis]; b < 1 || b > max {
		return fmt.Errorf("graph: set batch of %s: %d is outside 1 … %d", n.Name(), b, max)
	}
	s := n.Storage().Shape
	s[n.batchAxis] = b
	n.val.resize(s)
	return nil
}

// IsBackward reports whether n was added by differentiation.
func (n *Node) IsBackward() bool { return n.backward }

// MarkAdjoint records that n is the adjoint of x, for pictures. It is
// exported for differentiators outside this package — autodiff, or a
// user's own — which add nodes through Apply like any op.
func (n *Node) MarkAdjoint(x *Node) { n.adjointOf = x }

// MarkBackward records that n belongs to a backward pass, for pictures;
// exported for the same reason as MarkAdjoint.
func (n *Node) MarkBackward() { n.backward = true }

// Storage returns the raw storage of n's value, allocating it on first use.
// For a batched input (and every value computed from one) it holds the
// current batch: Value.Shape and the slice's length follow it.
//
// Storage panics for an op node whose storage a compiled program reuses
// for other values (an intermediate that is not one of its outputs):
// reading it would give another node's data. Compile the node as an
// output to read it.
func (n *Node) Storage() *Value {
	if n.val == nil {
		if n.planned {
			panic(fmt.Sprintf("graph: the value of %s is not kept: its program reuses the storage; compile %s as an output to read it", n.Name(), n.Name()))
		}
		n.val = NewValue(n.dtype, n.shape)
	}
	return n.val
}

// Value returns n's current value as a tensor that shares n's storage: it
// reflects every later run, and writing it changes the node.
func (n *Node) Value() *tensor.Dense {
	if n.dense != nil && !Shape(n.dense.Shape()).Equal(n.Storage().Shape) {
		n.dense = nil // the batch changed
	}
	if n.dense == nil {
		v := n.Storage()
		var backing any
		switch n.dtype {
		case Float32:
			backing = v.F32
		case Float64:
			backing = v.F64
		case Int32:
			backing = v.I32
		case Int64:
			backing = v.I64
		default:
			backing = v.B
		}
		n.dense = tensor.New(tensor.WithShape([]int(v.Shape.Clone())...), tensor.WithBacking(backing))
	}
	return n.dense
}

// Float64s returns n's storage when its dtype is float64, else nil.
func (n *Node) Float64s() []float64 { return n.Storage().F64 }

// Float32s returns n's storage when its dtype is float32, else nil.
func (n *Node) Float32s() []float32 { return n.Storage().F32 }

// Int64s returns n's storage when its dtype is int64, else nil.
func (n *Node) Int64s() []int64 { return n.Storage().I64 }

// Int32s returns n's storage when its dtype is int32, else nil.
func (n *Node) Int32s() []int32 { return n.Storage().I32 }

// Bools returns n's storage when its dtype is bool, else nil.
func (n *Node) Bools() []bool { return n.Storage().B }

// sameLayout reports whether a tensor of shape t can be copied into a node
// of shape s with one meaning only: the shapes are equal, or equal once
// their axes of length 1 are dropped (a vector of n entries into an n×1
// column, say). A 4×3 tensor does not fit a 3×4 node.
func sameLayout(s, t Shape) bool {
	if s.Equal(t) {
		return true
	}
	var a, b Shape
	for _, d := range s {
		if d != 1 {
			a = append(a, d)
		}
	}
	for _, d := range t {
		if d != 1 {
			b = append(b, d)
		}
	}
	return a.Equal(b)
}

// Set copies t into n's storage: the way to feed a new batch into an input
// without rebuilding. t must have n's shape (or the same shape but for
// axes of length 1, like a vector for a column; for a batched input, any
// batch of 1 to N along its batch axis) and n's dtype; a Go int tensor is
// accepted for an int64 or int32 node. t may be a view (a transpose or a
// slice): its elements are read in its own logical order.
func (n *Node) Set(t *tensor.Dense) error { return n.setInto(n.Storage(), t) }

// setInto is Set into v, n's storage or a cloned program's copy of it.
func (n *Node) setInto(v *Value, t *tensor.Dense) error {
	if t == nil {
		return fmt.Errorf("graph: set %s: nil tensor", n.Name())
	}
	if n.batchAxis >= 0 {
		if err := n.batchOf(v, Shape(t.Shape())); err != nil {
			return err
		}
	} else if !sameLayout(n.shape, Shape(t.Shape())) {
		return fmt.Errorf("graph: set %s: got shape %s, want %s", n.Name(), Shape(t.Shape()), n.shape)
	}
	if t.IsMaterializable() {
		m, ok := t.Materialize().(*tensor.Dense)
		if !ok {
			return fmt.Errorf("graph: set %s: cannot read the view", n.Name())
		}
		t = m
	}
	bad := func() error {
		return fmt.Errorf("graph: set %s: got %s, want %s", n.Name(), t.Dtype(), n.dtype)
	}
	switch t.Dtype() {
	case tensor.Float64:
		if n.dtype != Float64 {
			return bad()
		}
		copy(v.F64, t.Float64s())
	case tensor.Float32:
		if n.dtype != Float32 {
			return bad()
		}
		copy(v.F32, t.Float32s())
	case tensor.Int64:
		if n.dtype != Int64 {
			return bad()
		}
		copy(v.I64, t.Int64s())
	case tensor.Int32:
		if n.dtype != Int32 {
			return bad()
		}
		copy(v.I32, t.Int32s())
	case tensor.Int:
		xs := t.Ints()
		switch n.dtype {
		case Int64:
			for i, x := range xs {
				v.I64[i] = int64(x)
			}
		case Int32:
			for i, x := range xs {
				if x != int(int32(x)) {
					return fmt.Errorf("graph: set %s: element %d (%d) does not fit int32", n.Name(), i, x)
				}
				v.I32[i] = int32(x)
			}
		default:
			return bad()
		}
	case tensor.Bool:
		if n.dtype != Bool {
			return bad()
		}
		copy(v.B, t.Bools())
	default:
		return fmt.Errorf("graph: set %s: unsupported dtype %s", n.Name(), t.Dtype())
	}
	return nil
}

// batchOf sets the batch of v, the storage of a batched input, from the
// shape of the tensor about to be copied in, which must be n's but for
// the batch axis.
func (n *Node) batchOf(v *Value, t Shape) error {
	a := n.batchAxis
	ok := len(t) == len(n.shape) && t[a] >= 1 && t[a] <= n.shape[a]
	for i := range t {
		ok = ok && (i == a || t[i] == n.shape[i])
	}
	if !ok {
		want := n.shape.Clone()
		return fmt.Errorf("graph: set %s: got shape %s, want %s with 1 … %d along axis %d", n.Name(), t, want, want[a], a)
	}
	v.Shape[a] = t[a]
	v.resize(v.Shape)
	return nil
}

// SetFloat64s copies xs into n's storage, converting to n's dtype
// (integers must be whole numbers; bools are x ≠ 0). It is meant for tests
// and small inputs; len(xs) must be n's size (for a batched input, the
// size of a batch of 1 to N, which sets the batch).
func (n *Node) SetFloat64s(xs []float64) error {
	if n.batchAxis >= 0 {
		per := n.shape.Size() / max(1, n.shape[n.batchAxis])
		if per > 0 && len(xs)%per == 0 {
			if err := n.SetBatch(len(xs) / per); err != nil {
				return err
			}
		}
	}
	if len(xs) != n.Storage().Len() {
		return fmt.Errorf("graph: set %s: got %d values, want %d (shape %s)", n.Name(), len(xs), n.Storage().Len(), n.Storage().Shape)
	}
	v := n.Storage()
	if v.F64 != nil {
		copy(v.F64, xs)
		return nil
	}
	if n.dtype.IsInt() {
		for i, x := range xs {
			if x != math.Trunc(x) || math.Abs(x) > 1<<62 {
				return fmt.Errorf("graph: set %s: element %d (%g) is not an integer", n.Name(), i, x)
			}
		}
	}
	for i, x := range xs {
		v.SetAt(i, x)
	}
	return nil
}

// SetInt64s copies xs into the storage of an integer node; len(xs) must be
// n's size.
func (n *Node) SetInt64s(xs []int64) error {
	if len(xs) != n.shape.Size() {
		return fmt.Errorf("graph: set %s: got %d values, want %d (shape %s)", n.Name(), len(xs), n.shape.Size(), n.shape)
	}
	v := n.Storage()
	switch n.dtype {
	case Int64:
		copy(v.I64, xs)
	case Int32:
		for i, x := range xs {
			if x != int64(int32(x)) {
				return fmt.Errorf("graph: set %s: element %d (%d) does not fit int32", n.Name(), i, x)
			}
			v.I32[i] = int32(x)
		}
	default:
		return fmt.Errorf("graph: set %s: got int64 values, want %s", n.Name(), n.dtype)
	}
	return nil
}

// Scalar returns the value of a one-element node as a float64. It panics
// when n holds more or fewer than one element, as reflect does for a
// misused Value: reading the first of many would be a silent wrong answer.
func (n *Node) Scalar() float64 {
	if n.shape.Size() != 1 {
		panic(fmt.Sprintf("graph: Scalar of %s: shape %s holds %d elements, want 1", n.Name(), n.shape, n.shape.Size()))
	}
	return n.Storage().At(0)
}

func (g *Graph) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}

func (g *Graph) add(n *Node) *Node {
	n.g = g
	n.id = len(g.nodes)
	g.nodes = append(g.nodes, n)
	return n
}

// checkMeta returns why a value of dtype dt and shape s cannot exist, or nil.
func checkMeta(dt DType, s Shape) error {
	if !dt.Valid() {
		return fmt.Errorf("unsupported dtype %s", dt)
	}
	if len(s) > MaxRank {
		return fmt.Errorf("shape %s has rank %d, want at most %d", s, len(s), MaxRank)
	}
	size := 1
	for _, d := range s {
		if d < 0 {
			return fmt.Errorf("shape %s has a negative axis", s)
		}
		if d > 0 && size > maxElements/d {
			return fmt.Errorf("shape %s has more than %d elements", s, maxElements)
		}
		size *= d
	}
	return nil
}

// maxElements bounds the number of elements of one value (2^40, 4 TiB of
// float32): a size beyond any machine's memory is a build error, not a
// runtime out-of-memory crash or an overflowed product.
const maxElements = 1 << 40

func (g *Graph) leaf(kind Kind, name string, dt DType, s Shape) *Node {
	n := g.add(&Node{kind: kind, shape: s.Clone(), dtype: dt, batchAxis: -1})
	if err := checkMeta(dt, s); err != nil {
		n.failed = true
		g.fail(fmt.Errorf("graph: %s %q: %w", kind, name, err))
		return n
	}
	if name != "" {
		n.Named(name)
	}
	return n
}

// Input adds a node whose value the caller sets before each run (with
// Node.Set or by writing its storage). It starts at zero.
func (g *Graph) Input(name string, dt DType, shape ...int) *Node {
	return g.leaf(KindInput, name, dt, Shape(shape))
}

// Param adds a trainable parameter holding a copy of t, which must be
// float32 or float64.
func (g *Graph) Param(name string, t *tensor.Dense) *Node {
	n := g.fromTensor(KindParam, name, t)
	if !n.failed && !n.dtype.IsFloat() {
		n.failed = true
		g.fail(fmt.Errorf("graph: param %q: dtype %s, want float32 or float64", name, n.dtype))
	}
	return n
}

// SharedParam adds a parameter that shares p's storage: writing one writes
// both. Two graphs of one network for different batch sizes share their
// weights this way.
func (g *Graph) SharedParam(name string, p *Node) *Node {
	n := g.leaf(KindParam, name, p.dtype, p.shape)
	if !n.failed {
		n.val = p.Storage()
	}
	return n
}

// Const adds a constant holding a copy of t.
func (g *Graph) Const(name string, t *tensor.Dense) *Node {
	return g.fromTensor(KindConst, name, t)
}

// State adds a node of state (KindState) of dtype dt and the given shape,
// filled with v.
func (g *Graph) State(name string, dt DType, v float64, shape ...int) *Node {
	n := g.leaf(KindState, name, dt, Shape(shape))
	if !n.failed {
		st := n.Storage()
		for i := 0; i < st.Len(); i++ {
			st.SetAt(i, v)
		}
	}
	return n
}

// Scalar adds an unnamed scalar constant of dtype dt.
func (g *Graph) Scalar(x float64, dt DType) *Node {
	n := g.leaf(KindConst, "", dt, Shape{})
	if !n.failed {
		n.Storage().SetAt(0, x)
	}
	return n
}

// Zeros adds an unnamed constant of the given shape filled with zeros.
func (g *Graph) Zeros(dt DType, shape Shape) *Node {
	return g.leaf(KindConst, "", dt, shape)
}

// DTypeOf returns the DType of a gorgonia tensor dtype, and false for the
// dtypes a graph cannot hold. Go's int maps to Int64.
func DTypeOf(t tensor.Dtype) (DType, bool) {
	switch t {
	case tensor.Float32:
		return Float32, true
	case tensor.Float64:
		return Float64, true
	case tensor.Int32:
		return Int32, true
	case tensor.Int64, tensor.Int:
		return Int64, true
	case tensor.Bool:
		return Bool, true
	}
	return 0, false
}

func (g *Graph) fromTensor(kind Kind, name string, t *tensor.Dense) *Node {
	if t == nil {
		n := g.add(&Node{kind: kind, failed: true, batchAxis: -1})
		g.fail(fmt.Errorf("graph: %s %q: nil tensor", kind, name))
		return n
	}
	dt, ok := DTypeOf(t.Dtype())
	if !ok {
		n := g.add(&Node{kind: kind, failed: true, batchAxis: -1})
		g.fail(fmt.Errorf("graph: %s %q: unsupported dtype %s", kind, name, t.Dtype()))
		return n
	}
	n := g.leaf(kind, name, dt, Shape(t.Shape()))
	if !n.failed {
		if err := n.Set(t); err != nil {
			n.failed = true
			g.fail(err)
		}
	}
	return n
}

// Apply adds the node op(inputs...). Inputs must belong to g and op.Infer
// must accept them; otherwise the error is recorded on the graph (see Err)
// and a failed node is returned, so that building can go on without a
// check per line. A node built from a failed node fails too, silently: the
// first error is the one worth reading.
func (g *Graph) Apply(op Op, inputs ...*Node) *Node {
	n := &Node{kind: KindOp, op: op, inputs: inputs, batchAxis: -1}
	for _, in := range inputs {
		if in == nil {
			n.failed = true
			g.fail(fmt.Errorf("graph: %s: nil input", op.Type()))
			return g.add(n)
		}
		if in.g != g {
			n.failed = true
			g.fail(fmt.Errorf("graph: %s: input %s belongs to another graph", op.Type(), in.Name()))
			return g.add(n)
		}
		if in.failed {
			n.failed = true
			return g.add(n)
		}
	}
	metas := make([]Meta, len(inputs))
	for i, in := range inputs {
		metas[i] = Meta{DType: in.dtype, Shape: in.shape}
	}
	m, err := infer(op, metas)
	if err == nil {
		err = checkMeta(m.DType, m.Shape)
	}
	if err != nil {
		n.failed = true
		g.fail(&BuildError{Op: op.Type(), msg: fmt.Sprintf("%s(%s): %v", op.Type(), names(inputs), err)})
		return g.add(n)
	}
	n.dtype, n.shape = m.DType, m.Shape.Clone()
	return g.add(n)
}

// infer runs op.Infer, turning a panic in it (an op's bug) into an error,
// so that a bad model file cannot crash a program that builds graphs.
func infer(op Op, in []Meta) (m Meta, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error inferring the shape: %v", r)
		}
	}()
	return op.Infer(in)
}

func names(inputs []*Node) string {
	s := ""
	for i, in := range inputs {
		if i > 0 {
			s += ", "
		}
		s += in.Name()
	}
	return s
}

// ApplyOn is Apply on the graph of the first input; it lets ops build nodes
// without being handed the graph.
func ApplyOn(op Op, inputs ...*Node) *Node {
	if len(inputs) == 0 || inputs[0] == nil {
		panic("graph: ApplyOn needs a non-nil first input")
	}
	return inputs[0].g.Apply(op, inputs...)
}

// DTypesError returns the error an op's Infer reports when its inputs'
// dtypes do not fit it: "dtypes float64 and float32 differ", or "dtype
// int64 is not float32 or float64" for one input.
func DTypesError(in []Meta, reason string) error {
	s := "dtypes "
	if len(in) == 1 {
		s = "dtype "
	}
	for i, m := range in {
		if i > 0 {
			if i == len(in)-1 {
				s += " and "
			} else {
				s += ", "
			}
		}
		s += m.DType.String()
	}
	return reasonError(s + " " + reason)
}

// BuildError is an error met while building a graph.
type BuildError struct {
	Op  string
	msg string
}

// Error returns the one-line message.
func (e *BuildError) Error() string { return e.msg }

// ErrNonFinite is wrapped by the error Program.CheckFinite returns.
var ErrNonFinite = errors.New("non-finite value")

// NonFiniteError names the first node, in run order, whose value holds a NaN
// or an infinity.
type NonFiniteError struct {
	Node  *Node
	Index int
	Value float64
}

// Error returns "node zeta2 (Add) produced NaN at index 3".
func (e *NonFiniteError) Error() string {
	kind := e.Node.kind.String()
	if e.Node.op != nil {
		kind = e.Node.op.Type()
	}
	return fmt.Sprintf("node %s (%s) produced %v at index %d", e.Node.Name(), kind, e.Value, e.Index)
}

// Unwrap returns ErrNonFinite.
func (e *NonFiniteError) Unwrap() error { return ErrNonFinite }
