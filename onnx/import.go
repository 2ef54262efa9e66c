package onnx

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"

	"google.golang.org/protobuf/proto"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
)

// The versions the importer reads.
const (
	// MaxIRVersion is the newest ONNX IR version read (ONNX 1.12's).
	MaxIRVersion = 8
	// MinOpset and MaxOpset bound the opsets of the default domain at
	// which the importer reads every op of its table. A model of an
	// older opset (from opset 1) is read op by op: a node is read when
	// its op's form and meaning at the model's opset are ones the table
	// reads — Squeeze's axes as an attribute before opset 13, Conv
	// without SAME padding before opset 11 — and is unsupported
	// otherwise (Softmax before opset 13, which flattened its input).
	MinOpset = 13
	MaxOpset = 17
	// Opset is the opset Export writes.
	Opset = 17
	// TrainingDomain is the domain of the training ops Adagrad, Momentum
	// and Adam (opset 1).
	TrainingDomain = "ai.onnx.preview.training"
	// Domain is the domain of the model-local functions Export writes for
	// the ops that ONNX lacks.
	Domain = "com.github.gradgraph"
)

// Model is an ONNX model read into a graph.
type Model struct {
	// Graph holds the model's nodes.
	Graph *graph.Graph
	// Inputs are the graph inputs that are not initializers, in the
	// file's order; each is a node of kind input named as in the file.
	Inputs []*graph.Node
	// Params are the float initializers, in the file's order: trainable
	// parameters named as in the file, holding the file's values.
	Params []*graph.Node
	// Outputs are the graph outputs in the file's order, and OutputNames
	// their names in the file (a node may be named otherwise when one
	// value is two outputs).
	Outputs     []*graph.Node
	OutputNames []string
	// Fixed names the inputs and float initializers whose values were
	// built into the graph because a node needs them at import (a
	// Reshape's shape, Dropout's ratio): setting such an input or
	// parameter later changes nothing.
	Fixed []string
	// IRVersion and Opset are the file's IR version and default-domain
	// opset; Producer is its producer_name.
	IRVersion, Opset int64
	Producer         string
	// random lists the ops whose outputs are random at each run
	// (Dropout in training mode): a backend test cannot compare them.
	random []string
}

// Options are the caller's choices for Import.
type Options struct {
	// Inputs gives values to graph inputs, by name. A given value fixes
	// the input's shape (needed where the file leaves a dimension
	// symbolic) and is copied into the input node. Its element type must
	// be the file's and its shape must fit the file's. A value given for
	// an initializer replaces the initializer's.
	Inputs map[string]*graph.Value
}

// NodeError is an error met on one node of a model: it names the node,
// its op and position.
type NodeError struct {
	Index  int    // position in the graph's node list
	Name   string // the node's name, possibly empty
	Op     string // its op_type
	Output string // its first output's name
	Err    error
}

// Error returns `node "conv1" (Conv): ...`, or `node 3 (Conv, output
// "y"): ...` for a node without a name.
func (e *NodeError) Error() string {
	op := e.Op
	if !isName(op) {
		op = strconv.Quote(op)
	}
	if e.Name != "" {
		return fmt.Sprintf("node %q (%s): %v", e.Name, op, e.Err)
	}
	return fmt.Sprintf("node %d (%s, output %q): %v", e.Index, op, e.Output, e.Err)
}

// isName reports whether s can be shown unquoted in a message: printable,
// without spaces.
func isName(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) < 0
}

// Unwrap returns the node's error.
func (e *NodeError) Unwrap() error { return e.Err }

// UnsupportedError reports something a valid model may hold that the
// importer does not compute: an op, an attribute value, an element type,
// an opset. Backend tests that meet one are skipped, not failed.
type UnsupportedError struct {
	What string // "op Gather", "attribute mode \"nesterov\" with beta 0.5"
}

// Error returns "unsupported " + What.
func (e *UnsupportedError) Error() string { return "unsupported " + e.What }

func unsupported(format string, a ...any) error {
	return &UnsupportedError{What: fmt.Sprintf(format, a...)}
}

// ImportFile reads the ONNX model in the file at path; see Import.
func ImportFile(path string, opts Options) (*Model, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ImportBytes(data, opts)
}

// Import reads an ONNX ModelProto from r into a new graph.
func Import(r io.Reader, opts Options) (*Model, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return ImportBytes(data, opts)
}

// ImportBytes reads a serialized ONNX ModelProto into a new graph.
func ImportBytes(data []byte, opts Options) (*Model, error) {
	var mp pb.ModelProto
	if err := proto.Unmarshal(data, &mp); err != nil {
		return nil, fmt.Errorf("onnx: not an ONNX model: %v", err)
	}
	if mp.Graph == nil {
		return nil, errors.New("onnx: not an ONNX model: no graph")
	}
	m, err := importModel(&mp, opts)
	if err != nil {
		return nil, fmt.Errorf("onnx: %w", err)
	}
	return m, nil
}

// importer is the state of one Import.
type importer struct {
	g      *graph.Graph
	vals   map[string]*graph.Node // ONNX value name → node
	given  map[string]*graph.Value
	fixed  map[string]bool
	opsets map[string]int64
	funcs  map[[2]string]*pb.FunctionProto
	m      *Model
	// missing holds the outputs a node names but its converter does not
	// compute (BatchNormalization's saved statistics, say), with why: an
	// error only when a later node or the graph's outputs use them.
	missing map[string]error
}

func importModel(mp *pb.ModelProto, opts Options) (*Model, error) {
	m := &Model{Graph: graph.New(), IRVersion: mp.GetIrVersion(), Producer: mp.GetProducerName()}
	if v := mp.GetIrVersion(); v > MaxIRVersion || v < 3 {
		return nil, unsupported("IR version %d (want 3 to %d)", v, MaxIRVersion)
	}
	imp := &importer{g: m.Graph, vals: map[string]*graph.Node{}, given: opts.Inputs, fixed: map[string]bool{},
		opsets: map[string]int64{}, funcs: map[[2]string]*pb.FunctionProto{}, m: m, missing: map[string]error{}}
	for _, o := range mp.GetOpsetImport() {
		d := o.GetDomain()
		if d == "ai.onnx" {
			d = ""
		}
		imp.opsets[d] = o.GetVersion()
	}
	if v, ok := imp.opsets[""]; ok {
		if v < 1 || v > MaxOpset {
			return nil, unsupported("opset %d (want 1 to %d)", v, MaxOpset)
		}
		m.Opset = v
	}
	for _, f := range mp.GetFunctions() {
		imp.funcs[[2]string{f.GetDomain(), f.GetName()}] = f
	}
	gp := mp.Graph
	if err := imp.leaves(gp); err != nil {
		return nil, err
	}
	for i, n := range gp.GetNode() {
		if err := imp.node(i, n); err != nil {
			out := ""
			if len(n.GetOutput()) > 0 {
				out = n.GetOutput()[0]
			}
			return nil, &NodeError{Index: i, Name: n.GetName(), Op: n.GetOpType(), Output: out, Err: err}
		}
	}
	for _, o := range gp.GetOutput() {
		n, ok := imp.vals[o.GetName()]
		if err := imp.missing[o.GetName()]; err != nil {
			return nil, fmt.Errorf("graph output %q: %w", o.GetName(), err)
		}
		if !ok {
			return nil, fmt.Errorf("graph output %q is computed by no node", o.GetName())
		}
		if err := checkDeclared(n, o); err != nil {
			return nil, fmt.Errorf("graph output %q: %w", o.GetName(), err)
		}
		m.Outputs = append(m.Outputs, n)
		m.OutputNames = append(m.OutputNames, o.GetName())
	}
	if len(m.Outputs) == 0 {
		return nil, errors.New("the graph has no outputs")
	}
	for name := range imp.fixed {
		m.Fixed = append(m.Fixed, name)
	}
	if err := m.Graph.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

// leaves adds the initializers and the graph inputs.
func (imp *importer) leaves(gp *pb.GraphProto) error {
	if len(gp.GetSparseInitializer()) > 0 {
		return unsupported("sparse initializers")
	}
	inits := map[string]bool{}
	for _, t := range gp.GetInitializer() {
		name := t.GetName()
		if name == "" {
			return errors.New("an initializer has no name")
		}
		if inits[name] {
			return fmt.Errorf("initializer %q is defined twice", name)
		}
		inits[name] = true
		v, err := valueOf(t)
		if err != nil {
			return fmt.Errorf("initializer %q: %w", name, err)
		}
		if gv, ok := imp.given[name]; ok {
			if gv.DType() != v.DType() || !gv.Shape.Equal(v.Shape) {
				return fmt.Errorf("input %q: got %s %s, want the initializer's %s %s", name, gv.DType(), gv.Shape, v.DType(), v.Shape)
			}
			v = gv
		}
		kind := graph.KindConst
		if v.DType().IsFloat() {
			kind = graph.KindParam
		}
		n := imp.leaf(kind, name, v)
		if kind == graph.KindParam {
			imp.m.Params = append(imp.m.Params, n)
		}
		imp.vals[name] = n
	}
	for _, in := range gp.GetInput() {
		name := in.GetName()
		if inits[name] {
			continue // an initializer listed as an input too (IR < 4 style)
		}
		if _, ok := imp.vals[name]; ok || name == "" {
			return fmt.Errorf("graph input %q is declared twice or has no name", name)
		}
		dt, dims, err := declared(in)
		if err != nil {
			return fmt.Errorf("graph input %q: %w", name, err)
		}
		shape := make(graph.Shape, len(dims))
		gv, have := imp.given[name]
		if have {
			if gv.DType() != dt {
				return fmt.Errorf("input %q: got %s, want %s", name, gv.DType(), dt)
			}
			if dims != nil && !fits(gv.Shape, dims) {
				return fmt.Errorf("input %q: got shape %s, want %s", name, gv.Shape, dimsText(dims))
			}
			shape = gv.Shape
		} else {
			if dims == nil {
				return fmt.Errorf("input %q has no shape in the file: give its value", name)
			}
			for i, d := range dims {
				if d.GetDimParam() != "" || !hasValue(d) {
					return fmt.Errorf("input %q: dimension %d is %q in the file: give the input's value", name, i, d.GetDimParam())
				}
				if d.GetDimValue() < 0 || d.GetDimValue() > maxElements {
					return fmt.Errorf("input %q: dimension %d is %d", name, i, d.GetDimValue())
				}
				shape[i] = int(d.GetDimValue())
			}
		}
		n := imp.g.Input(name, dt, shape...)
		if err := imp.g.Err(); err != nil {
			return err
		}
		if have {
			copyInto(n.Storage(), gv)
		}
		imp.m.Inputs = append(imp.m.Inputs, n)
		imp.vals[name] = n
	}
	for name := range imp.given {
		if _, ok := imp.vals[name]; !ok {
			return fmt.Errorf("input %q: the model has no such input", name)
		}
	}
	return nil
}

// leaf adds a named parameter or constant holding a copy of v.
func (imp *importer) leaf(kind graph.Kind, name string, v *graph.Value) *graph.Node {
	return constLike(imp.g, kind, name, v)
}

// declared returns the element type and dims a ValueInfo declares; dims is
// nil when the file gives no shape.
func declared(vi *pb.ValueInfoProto) (graph.DType, []*pb.TensorShapeProto_Dimension, error) {
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return 0, nil, unsupported("value type (not a tensor)")
	}
	dt, err := dtypeOf(tt.GetElemType())
	if err != nil {
		return 0, nil, err
	}
	if tt.Shape == nil {
		return dt, nil, nil
	}
	dims := tt.GetShape().GetDim()
	if dims == nil {
		dims = []*pb.TensorShapeProto_Dimension{}
	}
	if len(dims) > graph.MaxRank {
		return 0, nil, fmt.Errorf("rank %d is above %d", len(dims), graph.MaxRank)
	}
	return dt, dims, nil
}

// fits reports whether shape s matches the declared dims (a symbolic dim
// matches any length).
func fits(s graph.Shape, dims []*pb.TensorShapeProto_Dimension) bool {
	if len(s) != len(dims) {
		return false
	}
	for i, d := range dims {
		if hasValue(d) && d.GetDimValue() != int64(s[i]) {
			return false
		}
	}
	return true
}

func dimsText(dims []*pb.TensorShapeProto_Dimension) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		switch {
		case hasValue(d):
			parts[i] = fmt.Sprint(d.GetDimValue())
		case d.GetDimParam() != "":
			parts[i] = dimParamText(d.GetDimParam())
		default:
			parts[i] = "?"
		}
	}
	if len(parts) == 0 {
		return "()"
	}
	return strings.Join(parts, "x")
}

// dimParamText shows a symbolic dimension's name as it is when it is an
// identifier, and quoted otherwise, so that a name from the file cannot
// break an error message over lines.
func dimParamText(p string) string {
	for _, r := range p {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return strconv.Quote(p)
		}
	}
	return p
}

// checkDeclared compares a graph output with what the file declares.
func checkDeclared(n *graph.Node, vi *pb.ValueInfoProto) error {
	tt := vi.GetType().GetTensorType()
	if tt == nil || tt.GetElemType() == 0 {
		return nil
	}
	dt, err := dtypeOf(tt.GetElemType())
	if err != nil {
		return err
	}
	if dt != n.DType() {
		return fmt.Errorf("computed as %s, the file declares %s", n.DType(), dt)
	}
	if tt.Shape != nil && !fits(n.Shape(), tt.GetShape().GetDim()) {
		return fmt.Errorf("computed with shape %s, the file declares %s", n.Shape(), dimsText(tt.GetShape().GetDim()))
	}
	return nil
}

// node converts one NodeProto.
func (imp *importer) node(i int, np *pb.NodeProto) error {
	domain := np.GetDomain()
	if domain == "ai.onnx" {
		domain = ""
	}
	if !isName(np.GetOpType()) || !isName(domain) || np.GetOpType() == "" {
		return fmt.Errorf("op_type %q of domain %q is not a name", np.GetOpType(), domain)
	}
	if _, ok := imp.opsets[domain]; !ok {
		return fmt.Errorf("domain %q is not among the model's opset imports", domain)
	}
	row, ok := lookup(domain, np.GetOpType())
	if !ok {
		if f := imp.funcs[[2]string{np.GetDomain(), np.GetOpType()}]; f != nil {
			return unsupported("model-local function %s.%s", np.GetDomain(), np.GetOpType())
		}
		if domain != "" {
			return unsupported("op %s.%s", domain, np.GetOpType())
		}
		return unsupported("op %s", np.GetOpType())
	}
	if domain == TrainingDomain && imp.opsets[domain] != 1 {
		return unsupported("opset %d of %s", imp.opsets[domain], domain)
	}
	if v := imp.opsets[""]; domain == "" && v < row.since {
		return unsupported("op %s at opset %d (read from opset %d on: its form or meaning differed before)", np.GetOpType(), v, row.since)
	}
	c := &nodeCtx{imp: imp, np: np, attrs: map[string]*pb.AttributeProto{}, used: map[string]bool{}}
	for _, a := range np.GetAttribute() {
		if a.GetRefAttrName() != "" {
			return fmt.Errorf("attribute %q refers to a function attribute outside a function", a.GetName())
		}
		c.attrs[a.GetName()] = a
	}
	names := np.GetInput()
	if len(names) < row.minIn || (row.maxIn >= 0 && len(names) > row.maxIn) {
		return fmt.Errorf("has %d inputs, want %s", len(names), countText(row.minIn, row.maxIn))
	}
	if len(np.GetOutput()) == 0 {
		return fmt.Errorf("has no outputs, want at least 1") // every ONNX operator has one
	}
	if maxOut := max(row.maxOut, 1); len(np.GetOutput()) > maxOut && row.maxOut >= 0 {
		return fmt.Errorf("has %d outputs, want at most %d", len(np.GetOutput()), maxOut)
	}
	c.in = make([]*graph.Node, len(names))
	for k, name := range names {
		if name == "" {
			if k < row.minIn {
				return fmt.Errorf("input %d is required", k)
			}
			continue
		}
		if err := imp.missing[name]; err != nil {
			return fmt.Errorf("input %q: %w", name, err)
		}
		n, ok := imp.vals[name]
		if !ok {
			return fmt.Errorf("input %q is defined by no earlier node, initializer or graph input", name)
		}
		c.in[k] = n
	}
	if row.dtypes != nil && c.in[0] != nil && !row.dtypes(c.in[0].DType()) {
		return unsupported("op %s on %s", np.GetOpType(), c.in[0].DType())
	}
	outs, err := row.conv(c)
	if err == nil {
		err = c.unusedAttr()
	}
	if err == nil {
		err = imp.g.Err()
	}
	if err != nil {
		return err
	}
	want := np.GetOutput()
	for k, name := range want {
		if name == "" {
			continue
		}
		if k >= len(outs) || outs[k] == nil {
			why := c.why[k]
			if why == nil {
				why = unsupported("output %d (%q) of %s", k, name, np.GetOpType())
			}
			if _, dup := imp.vals[name]; dup || imp.missing[name] != nil {
				return fmt.Errorf("output %q is defined twice", name)
			}
			imp.missing[name] = why
		}
	}
	if foldable(c.in) && !c.noFold {
		for k := range outs {
			if k < len(want) && want[k] != "" && outs[k] != nil {
				if outs[k], err = fold(imp.g, outs[k]); err != nil {
					return err
				}
			}
		}
	}
	for k, name := range want {
		if name == "" || k >= len(outs) || outs[k] == nil {
			continue
		}
		if _, dup := imp.vals[name]; dup || imp.missing[name] != nil {
			return fmt.Errorf("output %q is defined twice", name)
		}
		n := outs[k]
		if !n.HasName() && imp.g.Node(name) == nil {
			n.Named(name)
		}
		imp.vals[name] = n
	}
	return imp.g.Err()
}

func countText(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d", lo)
	case lo == hi:
		return fmt.Sprint(lo)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// foldable reports whether every present input is a constant, so that the
// node's outputs can be computed now (a node with no inputs is Constant's
// business).
func foldable(in []*graph.Node) bool {
	any := false
	for _, n := range in {
		if n == nil {
			continue
		}
		if n.Kind() != graph.KindConst {
			return false
		}
		any = true
	}
	return any
}

// fold computes n now and returns a constant holding its value; n itself
// stays in the graph, unused.
func fold(g *graph.Graph, n *graph.Node) (*graph.Node, error) {
	if n.Kind() == graph.KindConst {
		return n, nil
	}
	p, err := g.Compile(n)
	if err != nil {
		return nil, err
	}
	p.Run()
	if err := p.Err(); err != nil {
		return nil, err
	}
	return constLike(g, graph.KindConst, "", n.Storage()), nil
}

// constLike adds a leaf of the given kind (param or const) holding a copy
// of v. A parameter is made to share the storage of an unnamed constant
// that nothing reads: graph.Param wants a gorgonia tensor, which a value
// need not become.
func constLike(g *graph.Graph, kind graph.Kind, name string, v *graph.Value) *graph.Node {
	n := g.Zeros(v.DType(), v.Shape)
	if n.Failed() {
		return n
	}
	copyInto(n.Storage(), v)
	if kind == graph.KindParam {
		return g.SharedParam(name, n)
	}
	if name != "" {
		n.Named(name)
	}
	return n
}

// copyInto copies src's elements into dst, of the same dtype and size.
func copyInto(dst, src *graph.Value) {
	copy(dst.F32, src.F32)
	copy(dst.F64, src.F64)
	copy(dst.I32, src.I32)
	copy(dst.I64, src.I64)
	copy(dst.B, src.B)
}

// hasValue reports whether a dimension has a fixed length.
func hasValue(d *pb.TensorShapeProto_Dimension) bool {
	_, ok := d.GetValue().(*pb.TensorShapeProto_Dimension_DimValue)
	return ok
}

// modelInfo is what a caller may want to know of a model before importing
// it: its graph inputs that are not initializers, and its op types.
type modelInfo struct {
	inputs []string
	ops    []string
}

func inspect(data []byte) (*modelInfo, error) {
	var mp pb.ModelProto
	if err := proto.Unmarshal(data, &mp); err != nil {
		return nil, fmt.Errorf("onnx: not an ONNX model: %v", err)
	}
	info := &modelInfo{}
	inits := map[string]bool{}
	for _, t := range mp.GetGraph().GetInitializer() {
		inits[t.GetName()] = true
	}
	for _, in := range mp.GetGraph().GetInput() {
		if !inits[in.GetName()] {
			if in.GetType().GetTensorType() == nil {
				return nil, unsupported("graph input %q that is not a tensor", in.GetName())
			}
			info.inputs = append(info.inputs, in.GetName())
		}
	}
	seen := map[string]bool{}
	for _, n := range mp.GetGraph().GetNode() {
		op := n.GetOpType()
		if d := n.GetDomain(); d != "" && d != "ai.onnx" {
			op = d + "." + op
		}
		if !seen[op] {
			seen[op] = true
			info.ops = append(info.ops, op)
		}
	}
	return info, nil
}
