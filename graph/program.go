package graph

import (
	"errors"
	"fmt"
	"sort"

	"gorgonia.org/tensor"
)

// Program runs the nodes that some outputs need, in topological order, with
// every buffer allocated by Compile: Run allocates nothing.
//
// Compile plans the memory. An intermediate value (one the outputs need
// but are not) lives in a buffer shared with other intermediates whose
// lifetimes do not overlap: its storage is reused once its last reader has
// run. An element-wise op may write over an input that nothing reads
// afterwards, and Reshape, Flatten, Squeeze and Unsqueeze are views of
// their input, with no copy. The outputs, and the inputs, params and
// consts, keep their own storage and stay readable after Run.
//
// A program compiled from a graph with a batched input (Node.Batched)
// runs at the batch its inputs hold, from 1 to the largest N: every
// value's shape follows the batch, which Compile checks is possible for
// every node.
type Program struct {
	g       *Graph
	outputs []*Node
	order   []*Node
	steps   []step
	slots   []slot
	slotOf  map[*Node]int
	batched []int // slots of the batched inputs
	batch   int   // the batch of the last run; 0 before the first
	arenas  [Bool + 1]arena
	bufs    []buffer // the plan, kept for Clone
	work    []int    // per step, the buffer of its workspace or -1
	err     error
}

type slotKind uint8

const (
	slotLeaf  slotKind = iota // an input, param, const or state: the node's storage
	slotKept                  // an output: the node's storage (a clone's own)
	slotArena                 // an intermediate in a shared buffer
	slotView                  // the storage of another slot, another shape
	slotShape                 // read only for its shape (graph.ShapeOnly): not computed
)

type slot struct {
	node *Node
	v    *Value
	kind slotKind
	buf  int      // arena slots and views: the buffer
	dims []affine // per axis, for a batched program
}

// affine is an axis length that follows the batch b: c0 + c1·b.
type affine struct{ c0, c1 int }

type step struct {
	op   Op
	node *Node
	out  *Value
	in   []*Value
	view bool // the output is a view of input 0: nothing to compute
}

// arena is the storage of one dtype's buffers.
type arena struct {
	size int    // elements
	v    *Value // the whole arena
}

// buffer is a stretch of an arena that planning gives to one or more
// values with disjoint lifetimes (or to a value and the views of it).
type buffer struct {
	dt           DType
	size         int // elements at the largest batch
	birth, death int // steps
	off          int
}

// CompileOptions tune Compile.
type CompileOptions struct {
	// KeepAll keeps every value readable after Run: no buffer is reused
	// and nothing is computed in place or as a view. For debugging and for
	// timing each node.
	KeepAll bool
}

// Compile returns a Program that computes outputs. It runs only the op nodes
// the outputs depend on, and allocates their storage now. Inputs, params and
// consts are read where they stand, so feeding a new input value (Node.Set)
// needs no recompilation.
func (g *Graph) Compile(outputs ...*Node) (*Program, error) {
	return g.CompileWith(CompileOptions{}, outputs...)
}

// CompileWith is Compile with options.
func (g *Graph) CompileWith(opts CompileOptions, outputs ...*Node) (*Program, error) {
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
	value, shape := g.needs(outputs)
	p := &Program{g: g, outputs: outputs, slotOf: map[*Node]int{}}
	keep := map[*Node]bool{}
	for _, o := range outputs {
		keep[o] = true
	}
	// Creation order is topological: a node's inputs exist before it.
	for _, n := range g.nodes {
		if value[n.id] || shape[n.id] {
			p.slotOf[n] = len(p.order)
			p.order = append(p.order, n)
		}
	}
	p.slots = make([]slot, len(p.order))
	for i, n := range p.order {
		s := &p.slots[i]
		s.node = n
		switch {
		case !value[n.id] && n.kind == KindOp:
			s.kind = slotShape
		case n.kind != KindOp:
			s.kind = slotLeaf
			if n.batchAxis >= 0 {
				p.batched = append(p.batched, i)
			}
		case keep[n] || opts.KeepAll:
			s.kind = slotKept
		default:
			s.kind = slotArena
		}
	}
	if err := p.followBatch(); err != nil {
		return nil, err
	}
	p.bufs, p.work = p.plan(opts)
	p.place(p.bufs)
	p.bind(p.bufs, p.work, nil)
	for i := range p.slots {
		n := p.slots[i].node
		switch p.slots[i].kind {
		case slotKept:
			n.kept = true
		case slotArena, slotView:
			n.planned = true
		}
	}
	return p, nil
}

// needs returns, by node ID, which nodes the outputs need the values of,
// and which they need only the shapes of: the reference of a like op
// (graph.ShapeOnly), and everything that only such a node reads. A node
// needed for its shape alone is not computed.
func (g *Graph) needs(outputs []*Node) (value, shape []bool) {
	value, shape = make([]bool, len(g.nodes)), make([]bool, len(g.nodes))
	for _, o := range outputs {
		value[o.id] = true
	}
	for i := len(g.nodes) - 1; i >= 0; i-- {
		n := g.nodes[i]
		if !value[i] && !shape[i] {
			continue
		}
		so, _ := n.op.(ShapeOnly)
		for k, x := range n.inputs {
			if value[i] && (so == nil || !so.ShapeOnly(k)) {
				value[x.id] = true
			} else {
				shape[x.id] = true
			}
		}
	}
	return value, shape
}

// followBatch works out, for a program with batched inputs, how the length
// of every axis of every value follows the batch b: it infers the shapes
// again at b = 1 and b = 2 and checks that each length is c0 + c1·b, which
// the graph's own shapes (at b = N) must agree with.
func (p *Program) followBatch() error {
	if len(p.batched) == 0 {
		return nil
	}
	first := p.slots[p.batched[0]].node
	maxB := first.shape[first.batchAxis]
	for _, i := range p.batched[1:] {
		n := p.slots[i].node
		if b := n.shape[n.batchAxis]; b != maxB {
			return fmt.Errorf("graph: compile: batched inputs %s and %s differ in their largest batch (%d and %d)", first.Name(), n.Name(), maxB, b)
		}
	}
	at := func(b int) ([]Shape, error) {
		shapes := make([]Shape, len(p.slots))
		for i := range p.slots {
			n := p.slots[i].node
			if n.kind != KindOp {
				s := n.shape.Clone()
				if n.batchAxis >= 0 {
					s[n.batchAxis] = b
				}
				shapes[i] = s
				continue
			}
			in := make([]Meta, len(n.inputs))
			for k, x := range n.inputs {
				in[k] = Meta{DType: x.dtype, Shape: shapes[p.slotOf[x]]}
			}
			m, err := infer(n.op, in)
			if err != nil {
				return nil, fmt.Errorf("graph: compile: %s (%s) cannot run a batch of %d: %v", n.Name(), n.op.Type(), b, err)
			}
			if len(m.Shape) != len(n.shape) {
				return nil, fmt.Errorf("graph: compile: %s (%s) changes rank with the batch", n.Name(), n.op.Type())
			}
			shapes[i] = m.Shape
		}
		return shapes, nil
	}
	s1, err := at(1)
	if err != nil {
		return err
	}
	s2 := s1
	if maxB > 1 {
		if s2, err = at(2); err != nil {
			return err
		}
	}
	for i := range p.slots {
		s := &p.slots[i]
		s.dims = make([]affine, len(s.node.shape))
		for a, d := range s.node.shape {
			c1 := s2[i][a] - s1[i][a]
			c0 := s1[i][a] - c1
			if c1 < 0 || c0+c1*maxB != d || c0+c1 < 0 {
				return fmt.Errorf("graph: compile: %s: its shape %s does not follow the batch (it is %s at a batch of 1)",
					s.node.Name(), s.node.shape, s1[i])
			}
			s.dims[a] = affine{c0, c1}
		}
	}
	p.batch = maxB
	return nil
}

// plan decides where each value lives: views and in-place outputs share
// their input's buffer, and every arena buffer gets the steps from its
// first write to its last read. It returns the buffers and, per step, the
// buffer of its workspace (or -1).
func (p *Program) plan(opts CompileOptions) ([]buffer, []int) {
	step := make([]int, len(p.slots)) // the step that computes each op slot
	ns := 0
	for i := range p.slots {
		if p.computed(i) {
			step[i] = ns
			ns++
		}
	}
	// Last readers, views first resolved to their base slot.
	last := make([]int, len(p.slots))
	for i := range last {
		last[i] = step[i]
	}
	base := make([]int, len(p.slots))
	for i := range p.slots {
		base[i] = i
		s := &p.slots[i]
		n := s.node
		if s.kind != slotArena || opts.KeepAll {
			continue
		}
		if v, ok := n.op.(Viewer); ok && v.IsView() && len(n.inputs) > 0 && n.inputs[0].dtype == n.dtype {
			s.kind = slotView
			base[i] = base[p.slotOf[n.inputs[0]]]
		}
	}
	for i := range p.slots {
		n := p.slots[i].node
		if !p.computed(i) {
			continue
		}
		so, _ := n.op.(ShapeOnly)
		for k, x := range n.inputs {
			if so != nil && so.ShapeOnly(k) {
				continue
			}
			j := base[p.slotOf[x]]
			last[j] = max(last[j], step[i])
		}
	}
	end := ns
	for i := range p.slots {
		if p.slots[i].kind == slotKept {
			last[base[i]] = end
		}
	}
	// A view keeps its base alive as long as itself.
	for i := len(p.slots) - 1; i >= 0; i-- {
		if b := base[i]; b != i {
			last[b] = max(last[b], last[i])
		}
	}
	var bufs []buffer
	bufOf := make([]int, len(p.slots))
	for i := range p.slots {
		s := &p.slots[i]
		n := s.node
		bufOf[i] = -1
		switch s.kind {
		case slotView:
			bufOf[i] = bufOf[base[i]]
			s.buf = bufOf[i]
			continue
		case slotArena:
		default:
			continue
		}
		// In place: an input whose buffer nothing reads after this step.
		if ip, ok := n.op.(InPlacer); ok && !opts.KeepAll {
			for k, x := range n.inputs {
				j := base[p.slotOf[x]]
				if !ip.InPlace(k) || p.slots[j].kind != slotArena || bufOf[j] < 0 ||
					x.dtype != n.dtype || !p.sameShape(p.slotOf[x], i) || bufs[bufOf[j]].death != step[i] {
					continue
				}
				if p.aliasedElsewhere(n, k, base, bufOf, bufOf[j]) {
					continue
				}
				bufOf[i] = bufOf[j]
				bufs[bufOf[i]].death = max(last[i], step[i])
				break
			}
		}
		if bufOf[i] < 0 {
			bufOf[i] = len(bufs)
			bufs = append(bufs, buffer{dt: n.dtype, size: n.shape.Size(), birth: step[i], death: max(last[i], step[i])})
		}
		s.buf = bufOf[i]
	}
	work := make([]int, ns)
	for i := range p.slots {
		n := p.slots[i].node
		if !p.computed(i) {
			continue
		}
		work[step[i]] = -1
		if w, ok := n.op.(Workspacer); ok {
			in := make([]Meta, len(n.inputs))
			for k, x := range n.inputs {
				in[k] = Meta{DType: x.dtype, Shape: x.shape}
			}
			m := w.Workspace(in, Meta{DType: n.dtype, Shape: n.shape})
			if !m.DType.Valid() {
				continue // no workspace
			}
			work[step[i]] = len(bufs)
			bufs = append(bufs, buffer{dt: m.DType, size: m.Shape.Size(), birth: step[i], death: step[i]})
		}
	}
	return bufs, work
}

// aliasedElsewhere reports whether an input of n other than input k reads
// buffer b too (through a view): writing over it in place would then
// change what that input reads.
func (p *Program) aliasedElsewhere(n *Node, k int, base, bufOf []int, b int) bool {
	for k2, x := range n.inputs {
		if k2 != k && bufOf[base[p.slotOf[x]]] == b {
			return true
		}
	}
	return false
}

// computed reports whether slot i is a value the program computes.
func (p *Program) computed(i int) bool {
	k := p.slots[i].kind
	return p.slots[i].node.kind == KindOp && k != slotShape
}

// sameShape reports whether slots i and j have the same shape at every
// batch.
func (p *Program) sameShape(i, j int) bool {
	a, b := p.slots[i], p.slots[j]
	if !a.node.shape.Equal(b.node.shape) {
		return false
	}
	for k := range a.dims {
		if a.dims[k] != b.dims[k] {
			return false
		}
	}
	return true
}

// place gives each buffer an offset in its dtype's arena: largest first,
// at the lowest offset free over its whole lifetime.
func (p *Program) place(bufs []buffer) {
	idx := make([]int, len(bufs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		x, y := bufs[idx[a]], bufs[idx[b]]
		if x.size != y.size {
			return x.size > y.size
		}
		return x.birth < y.birth
	})
	var placed []int
	for _, i := range idx {
		b := &bufs[i]
		// The placed buffers alive at the same time, by offset.
		var clash []int
		for _, j := range placed {
			c := bufs[j]
			if c.dt == b.dt && c.birth <= b.death && b.birth <= c.death {
				clash = append(clash, j)
			}
		}
		sort.Slice(clash, func(x, y int) bool { return bufs[clash[x]].off < bufs[clash[y]].off })
		off := 0
		for _, j := range clash {
			c := bufs[j]
			if off+b.size <= c.off {
				break
			}
			off = max(off, c.off+c.size)
		}
		b.off = off
		placed = append(placed, i)
		a := &p.arenas[b.dt]
		a.size = max(a.size, off+b.size)
	}
}

// bind makes the values: the arenas (unless shared from another program's
// plan), each slot's value and each step's. With from set, the program is
// a clone of from: it has its own arenas, outputs and inputs, and shares
// params and consts.
func (p *Program) bind(bufs []buffer, work []int, from *Program) {
	for _, b := range bufs {
		// Every dtype a buffer has gets an arena, even an empty one: a
		// value of no elements still has its dtype's (empty) slice.
		if a := &p.arenas[b.dt]; a.v == nil {
			a.v = NewValue(b.dt, Shape{a.size})
		}
	}
	window := func(dt DType, off, size int) *Value {
		w := &Value{dtype: dt}
		a := p.arenas[dt].v
		switch dt {
		case Float32:
			w.F32 = a.F32[off : off+size : off+size]
		case Float64:
			w.F64 = a.F64[off : off+size : off+size]
		case Int32:
			w.I32 = a.I32[off : off+size : off+size]
		case Int64:
			w.I64 = a.I64[off : off+size : off+size]
		case Bool:
			w.B = a.B[off : off+size : off+size]
		}
		return w
	}
	for i := range p.slots {
		s := &p.slots[i]
		n := s.node
		switch s.kind {
		case slotLeaf:
			if from != nil && n.kind == KindInput {
				s.v = cloneValue(from.slots[i].v)
			} else {
				s.v = n.Storage()
			}
		case slotKept:
			if from != nil {
				s.v = NewValue(n.dtype, n.shape)
			} else {
				if n.val == nil {
					n.val = NewValue(n.dtype, n.shape)
				}
				s.v = n.val
			}
		case slotArena:
			b := bufs[s.buf]
			s.v = window(n.dtype, b.off, b.size)
			s.v.Shape = n.shape.Clone()
			s.v.resize(s.v.Shape)
		case slotShape:
			s.v = &Value{dtype: n.dtype, Shape: n.shape.Clone()}
		case slotView:
			src := p.slots[p.slotOf[n.inputs[0]]].v
			s.v = &Value{dtype: n.dtype, F32: src.F32[:cap(src.F32)], F64: src.F64[:cap(src.F64)], I32: src.I32[:cap(src.I32)],
				I64: src.I64[:cap(src.I64)], B: src.B[:cap(src.B)], Shape: n.shape.Clone()}
			s.v.resize(s.v.Shape)
		}
	}
	p.steps = p.steps[:0]
	for i := range p.slots {
		s := &p.slots[i]
		n := s.node
		if !p.computed(i) {
			continue
		}
		st := step{op: n.op, node: n, out: s.v, in: make([]*Value, len(n.inputs)), view: s.kind == slotView}
		for k, x := range n.inputs {
			st.in[k] = p.slots[p.slotOf[x]].v
		}
		if w := work[len(p.steps)]; w >= 0 {
			b := bufs[w]
			st.out.Work = window(b.dt, b.off, b.size)
			st.out.Work.Shape = Shape{b.size}
		}
		p.steps = append(p.steps, st)
	}
}

// cloneValue returns a copy of v with its own storage of v's capacity.
func cloneValue(v *Value) *Value {
	dt := v.DType()
	c := &Value{dtype: dt, Shape: v.Shape.Clone()}
	switch dt {
	case Float32:
		c.F32 = append(make([]float32, 0, cap(v.F32)), v.F32[:cap(v.F32)]...)[:len(v.F32)]
	case Float64:
		c.F64 = append(make([]float64, 0, cap(v.F64)), v.F64[:cap(v.F64)]...)[:len(v.F64)]
	case Int32:
		c.I32 = append(make([]int32, 0, cap(v.I32)), v.I32[:cap(v.I32)]...)[:len(v.I32)]
	case Int64:
		c.I64 = append(make([]int64, 0, cap(v.I64)), v.I64[:cap(v.I64)]...)[:len(v.I64)]
	case Bool:
		c.B = append(make([]bool, 0, cap(v.B)), v.B[:cap(v.B)]...)[:len(v.B)]
	}
	return c
}

// Viewer is implemented by an op whose output can be its first input's
// elements, in the same order, under another shape (Reshape, Squeeze, …):
// when IsView reports true a program makes the output a view of the
// input, with no copy. Forward must still compute it (a copy) for
// programs that keep the output.
type Viewer interface {
	IsView() bool
}

// InPlacer is implemented by an element-wise op whose kernel may write its
// output over input i when the two have the same dtype and shape (each
// element read before it is written): a program then does so when nothing
// reads that input afterwards.
type InPlacer interface {
	InPlace(i int) bool
}

// Clone returns a program that computes the same outputs with its own
// buffers, inputs and outputs, sharing only the params and consts: one
// clone per goroutine runs one compiled model concurrently. Feed a clone's
// inputs with Set and read its outputs with Value; the nodes' own
// accessors (Node.Set, Node.Float64s) are the original program's. The
// params must not change while clones run; ops with state (Dropout's
// random stream) must run in inference mode.
func (p *Program) Clone() *Program {
	c := &Program{g: p.g, outputs: p.outputs, order: p.order, slotOf: p.slotOf, batched: p.batched, batch: p.batch,
		bufs: p.bufs, work: p.work}
	c.slots = make([]slot, len(p.slots))
	copy(c.slots, p.slots)
	for dt := range p.arenas {
		c.arenas[dt].size = p.arenas[dt].size
	}
	c.bind(c.bufs, c.work, p)
	if len(c.batched) > 0 {
		c.batch = -1 // bind made every value at the largest batch
		c.resize()
	}
	return c
}

// PlannedBytes returns the bytes of the buffers Compile planned for the
// program's intermediate values and kernels' workspaces; outputs, inputs,
// params and consts are not included.
func (p *Program) PlannedBytes() int64 {
	var n int64
	for dt, a := range p.arenas {
		n += int64(a.size) * int64(elemSize(DType(dt)))
	}
	return n
}

func elemSize(dt DType) int {
	switch dt {
	case Float64, Int64:
		return 8
	case Float32, Int32:
		return 4
	}
	return 1
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
// (an index out of range), or the batched inputs disagree on the batch,
// Run stops and Err says why.
func (p *Program) Run() {
	p.err = nil
	if len(p.batched) > 0 && !p.resize() {
		return
	}
	for i := range p.steps {
		s := &p.steps[i]
		if s.view {
			continue
		}
		s.op.Forward(s.out, s.in)
		if s.out.err != nil {
			p.err = &RunError{Node: s.node, Err: s.out.err}
			s.out.err = nil
			return
		}
	}
}

// resize gives every value the shape of the current batch. The arena
// values change only with the batch; the outputs, shared with other
// programs compiled from the graph, are set at every run.
func (p *Program) resize() bool {
	first := p.slots[p.batched[0]]
	b := first.v.Shape[first.node.batchAxis]
	for _, i := range p.batched[1:] {
		s := p.slots[i]
		if c := s.v.Shape[s.node.batchAxis]; c != b {
			p.err = fmt.Errorf("graph: run: batched inputs %s and %s hold batches of %d and %d", first.node.Name(), s.node.Name(), b, c)
			return false
		}
	}
	var buf [MaxRank]int
	for i := range p.slots {
		s := &p.slots[i]
		if s.kind == slotLeaf || (b == p.batch && s.kind != slotKept) {
			continue
		}
		sh := Shape(buf[:len(s.dims)])
		for a, d := range s.dims {
			sh[a] = d.c0 + d.c1*b
		}
		if s.kind == slotShape {
			copy(s.v.Shape, sh)
			continue
		}
		s.v.resize(sh)
	}
	p.batch = b
	return true
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

// Value returns the program's value of n: an input, param or const, or an
// output (for a clone, its own). The value of an intermediate that the
// program reuses is not readable: Value then returns an error, as for a
// node that is not in the program.
func (p *Program) Value(n *Node) (*Value, error) {
	i, ok := p.slotOf[n]
	if !ok {
		return nil, fmt.Errorf("graph: %s is not part of the program", n.Name())
	}
	s := p.slots[i]
	if s.kind != slotLeaf && s.kind != slotKept {
		return nil, fmt.Errorf("graph: the value of %s is not kept: the program reuses its storage; compile it as an output to read it", n.Name())
	}
	return s.v, nil
}

// Set copies t into the program's value of the input n: for the program
// Compile returned, the same as n.Set; for a clone, into the clone's own.
func (p *Program) Set(n *Node, t *tensor.Dense) error {
	i, ok := p.slotOf[n]
	if !ok || n.kind != KindInput {
		return fmt.Errorf("graph: set %s: not an input of the program", n.Name())
	}
	return n.setInto(p.slots[i].v, t)
}

// CheckFinite returns a *NonFiniteError naming the first value, in run
// order, that holds a NaN or an infinity; nil if every value is finite.
// Because the program reuses storage, it runs the program again, checking
// each value as it is computed: call it after a Run whose outputs turned
// out non-finite, to find where the trouble started.
func (p *Program) CheckFinite() error {
	for i := range p.slots {
		s := &p.slots[i]
		if s.kind != slotLeaf {
			continue
		}
		if k, x, bad := firstNonFinite(s.v); bad {
			return &NonFiniteError{Node: s.node, Index: k, Value: x}
		}
	}
	if len(p.batched) > 0 && !p.resize() {
		return p.err
	}
	for i := range p.steps {
		st := &p.steps[i]
		if !st.view {
			st.op.Forward(st.out, st.in)
			if st.out.err != nil {
				st.out.err = nil
			}
		}
		if k, x, bad := firstNonFinite(st.out); bad {
			return &NonFiniteError{Node: st.node, Index: k, Value: x}
		}
	}
	return nil
}
