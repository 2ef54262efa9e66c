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

// Op is one operation: its shape rule, its forward kernel, and its
// vector-Jacobian product expressed as new graph nodes.
type Op interface {
	// Type returns the op's name as shown in errors and pictures ("MatMul").
	Type() string
	// Shape returns the shape of the result for the given inputs, which
	// already share one dtype, or an error describing the mismatch. Use
	// ShapeError so that the message names the nodes and their shapes.
	Shape(inputs []*Node) (Shape, error)
	// Forward computes the value of out from the values of the inputs. It
	// must not allocate: it runs on every Program.Run.
	Forward(out *Value, inputs []*Value)
	// VJP returns, for each input i with need[i] set, the contribution of
	// n to that input's adjoint, given the adjoint of n (a node of n's
	// shape); nil where need[i] is false or where the input receives none.
	// The contributions are nodes built from ops, so a gradient can itself
	// be differentiated.
	VJP(n, adjoint *Node, need []bool) []*Node
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
)

// String returns "input", "param", "const" or "op".
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
	}
	return "kind?"
}

// Value is the storage of one node: exactly one of F32 and F64 is set,
// holding Shape.Size() elements in row-major order. Kernels work on these
// slices directly.
type Value struct {
	Shape Shape
	F32   []float32
	F64   []float64
}

func newValue(dt DType, s Shape) *Value {
	v := &Value{Shape: s}
	if dt == Float32 {
		v.F32 = make([]float32, s.Size())
	} else {
		v.F64 = make([]float64, s.Size())
	}
	return v
}

// DType returns the element type of v.
func (v *Value) DType() DType {
	if v.F32 != nil {
		return Float32
	}
	return Float64
}

// At returns element i as a float64.
func (v *Value) At(i int) float64 {
	if v.F32 != nil {
		return float64(v.F32[i])
	}
	return v.F64[i]
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

// IsBackward reports whether n was added by differentiation.
func (n *Node) IsBackward() bool { return n.backward }

// MarkAdjoint records that n is the adjoint of x, for pictures; autodiff
// calls it.
func (n *Node) MarkAdjoint(x *Node) { n.adjointOf = x }

// MarkBackward records that n belongs to the backward pass; autodiff calls it.
func (n *Node) MarkBackward() { n.backward = true }

// Storage returns the raw storage of n's value, allocating it on first use.
func (n *Node) Storage() *Value {
	if n.val == nil {
		n.val = newValue(n.dtype, n.shape)
	}
	return n.val
}

// Value returns n's current value as a tensor that shares n's storage: it
// reflects every later run, and writing it changes the node.
func (n *Node) Value() *tensor.Dense {
	if n.dense == nil {
		v := n.Storage()
		var backing any = v.F64
		if v.F32 != nil {
			backing = v.F32
		}
		n.dense = tensor.New(tensor.WithShape([]int(n.shape)...), tensor.WithBacking(backing))
	}
	return n.dense
}

// Float64s returns n's storage when its dtype is float64, else nil.
func (n *Node) Float64s() []float64 { return n.Storage().F64 }

// Float32s returns n's storage when its dtype is float32, else nil.
func (n *Node) Float32s() []float32 { return n.Storage().F32 }

// Set copies t into n's storage: the way to feed a new batch into an input
// without rebuilding. t must have n's shape (a vector of n's size is
// accepted for a matrix or a column) and n's dtype.
func (n *Node) Set(t *tensor.Dense) error {
	if !Shape(t.Shape()).Equal(n.shape) && t.Shape().TotalSize() != n.shape.Size() {
		return fmt.Errorf("graph: set %s: got shape %s, want %s", n.Name(), Shape(t.Shape()), n.shape)
	}
	v := n.Storage()
	switch t.Dtype() {
	case tensor.Float64:
		if v.F64 == nil {
			return fmt.Errorf("graph: set %s: got float64, want %s", n.Name(), n.dtype)
		}
		copy(v.F64, t.Float64s())
	case tensor.Float32:
		if v.F32 == nil {
			return fmt.Errorf("graph: set %s: got float32, want %s", n.Name(), n.dtype)
		}
		copy(v.F32, t.Float32s())
	default:
		return fmt.Errorf("graph: set %s: unsupported dtype %s", n.Name(), t.Dtype())
	}
	return nil
}

// SetFloat64s copies xs into n's storage, converting to n's dtype. It is
// meant for tests and small inputs; len(xs) must be n's size.
func (n *Node) SetFloat64s(xs []float64) error {
	if len(xs) != n.shape.Size() {
		return fmt.Errorf("graph: set %s: got %d values, want %d (shape %s)", n.Name(), len(xs), n.shape.Size(), n.shape)
	}
	v := n.Storage()
	if v.F64 != nil {
		copy(v.F64, xs)
		return nil
	}
	for i, x := range xs {
		v.F32[i] = float32(x)
	}
	return nil
}

// Scalar returns the value of a one-element node as a float64.
func (n *Node) Scalar() float64 { return n.Storage().At(0) }

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

func (g *Graph) leaf(kind Kind, name string, dt DType, s Shape) *Node {
	n := g.add(&Node{kind: kind, shape: s.Clone(), dtype: dt})
	if dt != Float32 && dt != Float64 {
		n.failed = true
		g.fail(fmt.Errorf("graph: %s %q: unsupported dtype %s", kind, name, dt))
		return n
	}
	if len(s) > 2 {
		n.failed = true
		g.fail(fmt.Errorf("graph: %s %q: shape %s has rank %d, want at most 2", kind, name, s, len(s)))
		return n
	}
	for _, d := range s {
		if d <= 0 {
			n.failed = true
			g.fail(fmt.Errorf("graph: %s %q: shape %s has an empty axis", kind, name, s))
			return n
		}
	}
	if name != "" {
		n.Named(name)
	}
	return n
}

// Input adds a node whose value the caller sets before each run (with
// Node.Set or by writing Float64s/Float32s). It starts at zero.
func (g *Graph) Input(name string, dt DType, shape ...int) *Node {
	return g.leaf(KindInput, name, dt, Shape(shape))
}

// Param adds a trainable parameter holding a copy of t.
func (g *Graph) Param(name string, t *tensor.Dense) *Node {
	return g.fromTensor(KindParam, name, t)
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

// Scalar adds an unnamed scalar constant of dtype dt.
func (g *Graph) Scalar(x float64, dt DType) *Node {
	n := g.leaf(KindConst, "", dt, Shape{})
	if !n.failed {
		_ = n.SetFloat64s([]float64{x})
	}
	return n
}

// Zeros adds an unnamed constant of the given shape filled with zeros.
func (g *Graph) Zeros(dt DType, shape Shape) *Node {
	return g.leaf(KindConst, "", dt, shape)
}

func (g *Graph) fromTensor(kind Kind, name string, t *tensor.Dense) *Node {
	var dt DType
	switch t.Dtype() {
	case tensor.Float32:
		dt = Float32
	case tensor.Float64:
		dt = Float64
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

// Apply adds the node op(inputs...). Inputs must belong to g and share one
// dtype, and op.Shape must accept them; otherwise the error is recorded on
// the graph (see Err) and a failed node is returned, so that building can
// go on without a check per line.
func (g *Graph) Apply(op Op, inputs ...*Node) *Node {
	n := &Node{kind: KindOp, op: op, inputs: inputs}
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
	if len(inputs) > 0 {
		n.dtype = inputs[0].dtype
		for _, in := range inputs[1:] {
			if in.dtype != n.dtype {
				n.failed = true
				g.fail(fmt.Errorf("%s(%s, %s): dtypes differ: %s is %s, %s is %s",
					op.Type(), inputs[0].Name(), in.Name(), inputs[0].Name(), inputs[0].dtype, in.Name(), in.dtype))
				return g.add(n)
			}
		}
	}
	s, err := op.Shape(inputs)
	if err != nil {
		n.failed = true
		g.fail(err)
		return g.add(n)
	}
	n.shape = s
	return g.add(n)
}

// ApplyOn is Apply on the graph of the first input; it lets ops build nodes
// without being handed the graph.
func ApplyOn(op Op, inputs ...*Node) *Node {
	if len(inputs) == 0 || inputs[0] == nil {
		panic("graph: ApplyOn needs a non-nil first input")
	}
	return inputs[0].g.Apply(op, inputs...)
}

// ShapeError returns the error for inputs whose shapes do not fit op, in the
// one style used across gradgraph:
//
//	Add(zeta1, beta2): shapes 3x4 and 5x1 do not broadcast
//
// reason completes the sentence after the shapes.
func ShapeError(op Op, inputs []*Node, reason string) error {
	names := ""
	shapes := ""
	for i, in := range inputs {
		if i > 0 {
			names += ", "
			if i == len(inputs)-1 {
				shapes += " and "
			} else {
				shapes += ", "
			}
		}
		names += in.Name()
		shapes += in.shape.String()
	}
	label := "shape"
	if len(inputs) > 1 {
		label = "shapes"
	}
	return &BuildError{Op: op.Type(), msg: fmt.Sprintf("%s(%s): %s %s %s", op.Type(), names, label, shapes, reason)}
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

func firstNonFinite(v *Value) (int, float64, bool) {
	if v.F64 != nil {
		for i, x := range v.F64 {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return i, x, true
			}
		}
		return 0, 0, false
	}
	for i, x := range v.F32 {
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return i, f, true
		}
	}
	return 0, 0, false
}
