package graph

import (
	"errors"
	"fmt"
)

// Program runs the nodes that some outputs need, in topological order, with
// every buffer allocated by Compile: Run allocates nothing.
type Program struct {
	g       *Graph
	outputs []*Node
	order   []*Node
	steps   []step
	err     error
}

type step struct {
	op   Op
	node *Node
	out  *Value
	in   []*Value
}

// Compile returns a Program that computes outputs. It runs only the op nodes
// the outputs depend on, and allocates their storage now. Inputs, params and
// consts are read where they stand, so feeding a new input value (Node.Set)
// needs no recompilation.
func (g *Graph) Compile(outputs ...*Node) (*Program, error) {
	if g.err != nil {
		return nil, g.err
	}
	if len(outputs) == 0 {
		return nil, errors.New("graph: compile: no outputs")
	}
	for _, o := range outputs {
		if o == nil || o.g != g {
			return nil, fmt.Errorf("graph: compile: output %v is not a node of this graph", o)
		}
	}
	need := g.Ancestors(outputs...)
	p := &Program{g: g, outputs: outputs}
	// Creation order is topological: a node's inputs exist before it.
	for _, n := range g.nodes {
		if !need[n.id] {
			continue
		}
		p.order = append(p.order, n)
		if n.kind != KindOp {
			continue
		}
		s := step{op: n.op, node: n, out: n.Storage(), in: make([]*Value, len(n.inputs))}
		for i, in := range n.inputs {
			s.in[i] = in.Storage()
		}
		if w, ok := n.op.(Workspacer); ok && s.out.Work == nil {
			metas := make([]Meta, len(n.inputs))
			for i, in := range n.inputs {
				metas[i] = Meta{DType: in.dtype, Shape: in.shape}
			}
			m := w.Workspace(metas, Meta{DType: n.dtype, Shape: n.shape})
			if err := checkMeta(m.DType, m.Shape); err != nil {
				return nil, fmt.Errorf("graph: compile: workspace of %s: %w", n.Name(), err)
			}
			s.out.Work = NewValue(m.DType, m.Shape)
		}
		n.compiled = true
		p.steps = append(p.steps, s)
	}
	return p, nil
}

// Ancestors returns, indexed by node ID, whether each node of g is one of
// nodes or an input (directly or not) of one of them. Creation order is
// topological, so one sweep from the newest node down finds them all.
func (g *Graph) Ancestors(nodes ...*Node) []bool {
	in := make([]bool, len(g.nodes))
	for _, n := range nodes {
		in[n.id] = true
	}
	for i := len(g.nodes) - 1; i >= 0; i-- {
		if in[i] {
			for _, x := range g.nodes[i].inputs {
				in[x.id] = true
			}
		}
	}
	return in
}

// Run computes every op node of the program from the current values of its
// inputs, params and consts. If a kernel meets values it cannot compute
// (an index out of range), Run stops there and Err says why.
func (p *Program) Run() {
	p.err = nil
	for i := range p.steps {
		s := &p.steps[i]
		s.op.Forward(s.out, s.in)
		if s.out.err != nil {
			p.err = &RunError{Node: s.node, Err: s.out.err}
			s.out.err = nil
			return
		}
	}
}

// Err returns the error that stopped the last Run, or nil: a *RunError
// naming the node whose kernel failed.
func (p *Program) Err() error { return p.err }

// RunError is a kernel's failure during Program.Run.
type RunError struct {
	Node *Node
	Err  error
}

// Error returns "Gather#7 (Gather): index 5 is out of range for axis 0 of
// length 4".
func (e *RunError) Error() string {
	kind := e.Node.kind.String()
	if e.Node.op != nil {
		kind = e.Node.op.Type()
	}
	return fmt.Sprintf("%s (%s): %v", e.Node.Name(), kind, e.Err)
}

// Unwrap returns the kernel's error.
func (e *RunError) Unwrap() error { return e.Err }

// Outputs returns the nodes the program was compiled for.
func (p *Program) Outputs() []*Node { return p.outputs }

// Nodes returns the nodes the program reads or computes, in run order.
func (p *Program) Nodes() []*Node { return p.order }

// CheckFinite returns a *NonFiniteError naming the first node, in run order,
// whose value holds a NaN or an infinity; nil if every value is finite. Call
// it after Run when a cost turns out non-finite, to find where it started.
func (p *Program) CheckFinite() error {
	for _, n := range p.order {
		if i, x, bad := firstNonFinite(n.Storage()); bad {
			return &NonFiniteError{Node: n, Index: i, Value: x}
		}
	}
	return nil
}
