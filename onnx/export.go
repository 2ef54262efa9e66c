package onnx

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
	"github.com/gradgraph/gradgraph/ops"
)

// ExportOptions are the choices of ExportWith; the zero value is valid.
type ExportOptions struct {
	// Name is the graph's name ("gradgraph" when empty).
	Name string
	// OutputNames names the model's outputs, one per output node (the
	// nodes' names when nil).
	OutputNames []string
	// Producer is the model's producer_name ("gradgraph" when empty).
	Producer string
}

// Export writes the part of a graph that outputs need as an ONNX model
// (IR version 8, opset 17): inputs become graph inputs, parameters and
// constants initializers named as the nodes, and each op node the ONNX
// nodes that compute it. See ExportWith.
func Export(w io.Writer, outputs ...*graph.Node) error {
	return ExportWith(w, ExportOptions{}, outputs...)
}

// ExportWith is Export with options. The lecture's costs (QuadraticCost,
// CrossEntropy, BinaryCrossEntropy, SoftmaxCrossEntropy, one column per
// sample), which ONNX lacks, become nodes of domain Domain together with
// model-local functions that define them from ONNX ops: another runtime
// inlines the functions; Import maps the nodes back onto the same ops, so
// a round trip computes bit-identical values. An op that has neither an
// ONNX counterpart nor a function, or a float attribute that ONNX's
// float32 attributes cannot hold exactly, is an error naming the node.
func ExportWith(w io.Writer, opts ExportOptions, outputs ...*graph.Node) error {
	mp, err := exportModel(opts, outputs)
	if err != nil {
		return fmt.Errorf("onnx: export: %w", err)
	}
	data, err := proto.Marshal(mp)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

type exporter struct {
	gp    *pb.GraphProto
	names map[*graph.Node]string
	used  map[string]bool
	funcs map[string]*pb.FunctionProto
	tmp   int
	// fused maps a node to the one ONNX op that computes it from the
	// leaves of the pattern it ends (a normalisation layer, a dropout):
	// the nodes inside the pattern are not written unless something
	// else reads them.
	fused map[*graph.Node]*fusion
}

func exportModel(opts ExportOptions, outputs []*graph.Node) (*pb.ModelProto, error) {
	if len(outputs) == 0 {
		return nil, fmt.Errorf("no outputs")
	}
	g := outputs[0].Graph()
	if err := g.Err(); err != nil {
		return nil, err
	}
	for _, o := range outputs {
		if o == nil || o.Graph() != g {
			return nil, fmt.Errorf("the outputs are not nodes of one graph")
		}
	}
	if opts.OutputNames != nil && len(opts.OutputNames) != len(outputs) {
		return nil, fmt.Errorf("%d output names for %d outputs", len(opts.OutputNames), len(outputs))
	}
	name, producer := opts.Name, opts.Producer
	if name == "" {
		name = "gradgraph"
	}
	if producer == "" {
		producer = "gradgraph"
	}
	e := &exporter{gp: &pb.GraphProto{Name: proto.String(name)}, names: map[*graph.Node]string{},
		used: map[string]bool{}, funcs: map[string]*pb.FunctionProto{}, fused: map[*graph.Node]*fusion{}}
	for _, n := range g.Nodes() {
		if f := fuse(n); f != nil {
			e.fused[n] = f
		}
	}
	need := e.needed(outputs)
	for _, n := range g.Nodes() {
		if !need[n] {
			continue
		}
		if err := e.node(n); err != nil {
			return nil, fmt.Errorf("node %s: %w", n.Name(), err)
		}
	}
	for i, o := range outputs {
		vname := e.names[o]
		if opts.OutputNames != nil && opts.OutputNames[i] != vname {
			out := opts.OutputNames[i]
			if e.used[out] {
				return nil, fmt.Errorf("output name %q is already the name of another value", out)
			}
			e.used[out] = true
			e.emit("Identity", "", []string{vname}, out)
			vname = out
		}
		e.gp.Output = append(e.gp.Output, valueInfo(vname, o.DType(), o.Shape()))
	}
	mp := &pb.ModelProto{
		IrVersion:    proto.Int64(MaxIRVersion),
		ProducerName: proto.String(producer),
		Graph:        e.gp,
		OpsetImport:  []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
	}
	if len(e.funcs) > 0 {
		mp.OpsetImport = append(mp.OpsetImport, &pb.OperatorSetIdProto{Domain: proto.String(Domain), Version: proto.Int64(1)})
		for _, key := range sortedKeys(e.funcs) {
			mp.Functions = append(mp.Functions, e.funcs[key])
		}
	}
	return mp, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func valueInfo(name string, dt graph.DType, s graph.Shape) *pb.ValueInfoProto {
	dims := make([]*pb.TensorShapeProto_Dimension, len(s))
	for i, d := range s {
		dims[i] = &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}}
	}
	return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{
		TensorType: &pb.TypeProto_Tensor{ElemType: proto.Int32(int32(onnxType(dt))), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
}

// valueName gives n a unique ONNX value name: its own, or one made up.
func (e *exporter) valueName(n *graph.Node) string {
	name := n.Name()
	for e.used[name] {
		e.tmp++
		name = fmt.Sprintf("%s_%d", n.Name(), e.tmp)
	}
	e.used[name] = true
	e.names[n] = name
	return name
}

// temp returns a fresh value name for an intermediate value.
func (e *exporter) temp(base string) string {
	for {
		e.tmp++
		name := fmt.Sprintf("%s_%d", base, e.tmp)
		if !e.used[name] {
			e.used[name] = true
			return name
		}
	}
}

// needed returns the nodes the outputs need, reading a fused node's
// pattern leaves in place of its inputs.
func (e *exporter) needed(outputs []*graph.Node) map[*graph.Node]bool {
	need := map[*graph.Node]bool{}
	stack := append([]*graph.Node(nil), outputs...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if need[n] {
			continue
		}
		need[n] = true
		deps := n.Inputs()
		if f := e.fused[n]; f != nil {
			deps = f.inputs
		}
		stack = append(stack, deps...)
	}
	return need
}

// emit adds a node of the default domain (or of domain) and returns it.
func (e *exporter) emit(op, domain string, in []string, out string, attrs ...*pb.AttributeProto) *pb.NodeProto {
	return e.emitN(op, domain, in, []string{out}, attrs...)
}

// emitN adds a node with several outputs.
func (e *exporter) emitN(op, domain string, in []string, out []string, attrs ...*pb.AttributeProto) *pb.NodeProto {
	n := &pb.NodeProto{OpType: proto.String(op), Input: in, Output: out, Attribute: attrs}
	if domain != "" {
		n.Domain = proto.String(domain)
	}
	e.gp.Node = append(e.gp.Node, n)
	return n
}

// constant adds a Constant node holding v and returns its name.
// Constants are nodes, not initializers: Import makes float initializers
// trainable parameters.
func (e *exporter) constant(base string, v *graph.Value) string {
	name := e.temp(base)
	e.emitConstant(name, v)
	return name
}

func (e *exporter) emitConstant(name string, v *graph.Value) {
	e.emit("Constant", "", nil, name, &pb.AttributeProto{Name: proto.String("value"),
		Type: pb.AttributeProto_TENSOR.Enum(), T: tensorOf("", v)})
}

func (e *exporter) int64s(base string, xs []int) string {
	v := graph.NewValue(graph.Int64, graph.Shape{len(xs)})
	for i, x := range xs {
		v.I64[i] = int64(x)
	}
	return e.constant(base, v)
}

func (e *exporter) node(n *graph.Node) error {
	switch n.Kind() {
	case graph.KindInput:
		name := e.valueName(n)
		e.gp.Input = append(e.gp.Input, valueInfo(name, n.DType(), n.Shape()))
		return nil
	case graph.KindParam, graph.KindState:
		// State (a batch normalisation's running statistics) is an
		// initializer too: ONNX has no other kind of stored tensor.
		name := e.valueName(n)
		e.gp.Initializer = append(e.gp.Initializer, tensorOf(name, n.Storage()))
		return nil
	case graph.KindConst:
		e.emitConstant(e.valueName(n), n.Storage())
		return nil
	}
	if f := e.fused[n]; f != nil {
		in := make([]string, len(f.inputs))
		for i, x := range f.inputs {
			in[i] = e.names[x]
		}
		return f.emit(e, in, e.valueName(n))
	}
	in := make([]string, len(n.Inputs()))
	for i, x := range n.Inputs() {
		in[i] = e.names[x]
	}
	out := e.valueName(n)
	typ := n.Op().Type()
	attrs := ops.Attrs(n.Op())
	if f, ok := exportTable[typ]; ok {
		return f(e, n, in, out, attrs)
	}
	return fmt.Errorf("op %s has no ONNX form to export", typ)
}

// exportTable maps an op's Type() to the ONNX nodes that compute it.
var exportTable = map[string]func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error{}

func init() {
	same := func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
		pa, err := floatAttrs(attrs)
		if err != nil {
			return err
		}
		e.emit(n.Op().Type(), "", in, out, pa...)
		return nil
	}
	for _, op := range []string{"Abs", "Sign", "Neg", "Reciprocal", "Exp", "Log", "Sqrt", "Sin", "Cos", "Tan", "Asin", "Acos",
		"Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh", "Erf", "Floor", "Ceil", "Round", "Sigmoid", "HardSigmoid", "Tanh",
		"Relu", "LeakyRelu", "Elu", "Selu", "Celu", "Softplus", "Softsign", "HardSwish", "ThresholdedRelu", "Shrink", "Identity",
		"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual",
		"And", "Or", "Xor", "Not", "Where", "GlobalAveragePool", "GlobalMaxPool", "Size"} {
		exportTable[op] = same
	}
	exportTable["StopGradient"] = func(e *exporter, n *graph.Node, in []string, out string, _ map[string]any) error {
		e.emit("Identity", "", in, out)
		return nil
	}
	// Scale and Square are Mul by a constant and by itself: the same
	// product, rounded the same way.
	exportTable["Scale"] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
		c := graph.NewValue(n.DType(), graph.Shape{})
		c.SetAt(0, attrs["c"].(float64))
		if c.At(0) != attrs["c"].(float64) {
			return fmt.Errorf("the factor %v of a Scale, which %s does not hold", attrs["c"], n.DType())
		}
		e.emit("Mul", "", []string{in[0], e.constant("c", c)}, out)
		return nil
	}
	exportTable["Square"] = func(e *exporter, n *graph.Node, in []string, out string, _ map[string]any) error {
		e.emit("Mul", "", []string{in[0], in[0]}, out)
		return nil
	}
	exportTable["Clip"] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
		args := []string{in[0]}
		for _, b := range []string{"min", "max"} {
			x := attrs[b].(float64)
			if math.IsInf(x, 0) {
				args = append(args, "")
				continue
			}
			v := graph.NewValue(n.DType(), graph.Shape{})
			v.SetAt(0, x)
			args = append(args, e.constant(b, v))
		}
		for len(args) > 1 && args[len(args)-1] == "" {
			args = args[:len(args)-1]
		}
		e.emit("Clip", "", args, out)
		return nil
	}
	exportTable["Mod"] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
		e.emit("Mod", "", in, out, intAttr("fmod", boolInt(attrs["fmod"].(bool))))
		return nil
	}
	exportTable["MatMul"] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
		ta, tb := attrs["transA"].(bool), attrs["transB"].(bool)
		a, b := n.Inputs()[0], n.Inputs()[1]
		if !ta && !tb {
			e.emit("MatMul", "", in, out)
			return nil
		}
		if a.Shape().Rank() == 2 && b.Shape().Rank() == 2 {
			// Gemm without C imports as the same MatMul with flags.
			e.emit("Gemm", "", in, out, intAttr("transA", boolInt(ta)), intAttr("transB", boolInt(tb)))
			return nil
		}
		args := append([]string(nil), in...)
		for i, t := range []bool{ta, tb} {
			if !t {
				continue
			}
			r := n.Inputs()[i].Shape().Rank()
			perm := make([]int64, r)
			for k := range perm {
				perm[k] = int64(k)
			}
			perm[r-2], perm[r-1] = perm[r-1], perm[r-2]
			args[i] = e.temp(in[i] + "_T")
			e.emit("Transpose", "", []string{in[i]}, args[i], intsAttr("perm", perm))
		}
		e.emit("MatMul", "", args, out)
		return nil
	}
	reshape := func(e *exporter, n *graph.Node, in []string, out string, _ map[string]any) error {
		var attrs []*pb.AttributeProto
		for _, d := range n.Shape() {
			if d == 0 {
				return fmt.Errorf("a reshape to %s: ONNX reads a 0 in the shape as a copied axis", n.Shape())
			}
		}
		e.emit("Reshape", "", []string{in[0], e.int64s("shape", n.Shape())}, out, attrs...)
		return nil
	}
	for _, op := range []string{"Reshape", "Flatten", "Squeeze", "Unsqueeze"} {
		exportTable[op] = reshape
	}
	exportTable["Expand"] = func(e *exporter, n *graph.Node, in []string, out string, _ map[string]any) error {
		e.emit("Expand", "", []string{in[0], e.int64s("shape", n.Shape())}, out)
		return nil
	}
	exportTable["BroadcastTo"] = exportTable["Expand"]
	exportTable["Transpose"] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
		var pa []*pb.AttributeProto
		if perm := attrs["perm"].([]int); len(perm) > 0 {
			pa = append(pa, intsAttr("perm", toInt64s(perm)))
		}
		e.emit("Transpose", "", in, out, pa...)
		return nil
	}
	for _, op := range []string{"Softmax", "LogSoftmax", "Hardmax"} {
		exportTable[op] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
			e.emit(n.Op().Type(), "", in, out, intAttr("axis", int64(attrs["axis"].(int))))
			return nil
		}
	}
	for _, op := range []string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
		"ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"} {
		exportTable[op] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
			axes := attrs["axes"].([]int)
			keep := intAttr("keepdims", boolInt(attrs["keepdims"].(bool)))
			typ := n.Op().Type()
			switch {
			case typ == "ReduceSum" && len(axes) > 0:
				e.emit(typ, "", []string{in[0], e.int64s("axes", axes)}, out, keep)
			case len(axes) > 0:
				e.emit(typ, "", in, out, keep, intsAttr("axes", toInt64s(axes)))
			default:
				e.emit(typ, "", in, out, keep)
			}
			return nil
		}
	}
	for _, op := range []string{"ArgMax", "ArgMin"} {
		exportTable[op] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
			e.emit(n.Op().Type(), "", in, out, intAttr("axis", int64(attrs["axis"].(int))),
				intAttr("keepdims", boolInt(attrs["keepdims"].(bool))),
				intAttr("select_last_index", boolInt(attrs["select_last_index"].(bool))))
			return nil
		}
	}
	exportTable["CumSum"] = func(e *exporter, n *graph.Node, in []string, out string, attrs map[string]any) error {
		e.emit("CumSum", "", []string{in[0], e.int64s("axis", []int{attrs["axis"].(int)})}, out,
			intAttr("exclusive", boolInt(attrs["exclusive"].(bool))), intAttr("reverse", boolInt(attrs["reverse"].(bool))))
		return nil
	}
	exportTable["ZerosLike"] = func(e *exporter, n *graph.Node, in []string, out string, _ map[string]any) error {
		e.emit("Identity", "", []string{e.constant("zeros", graph.NewValue(n.DType(), n.Shape()))}, out)
		return nil
	}
	for name := range costBodies {
		exportTable[name] = func(e *exporter, n *graph.Node, in []string, out string, _ map[string]any) error {
			e.function(name)
			e.emit(name, Domain, in, out)
			return nil
		}
	}
}

func toInt64s(xs []int) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func intAttr(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func intsAttr(name string, v []int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v}
}

func floatAttr(name string, v float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func stringAttr(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

// floatAttrs converts the float attributes of a unary op. ONNX stores them
// as float32: a value that float32 does not hold exactly is refused, as
// it would come back as another op.
func floatAttrs(attrs map[string]any) ([]*pb.AttributeProto, error) {
	var out []*pb.AttributeProto
	for _, name := range sortedKeys(attrs) {
		switch v := attrs[name].(type) {
		case float64:
			if float64(float32(v)) != v {
				return nil, fmt.Errorf("attribute %s = %v: ONNX's float attributes are float32, which does not hold it exactly", name, v)
			}
			out = append(out, floatAttr(name, float32(v)))
		case string:
			out = append(out, stringAttr(name, v))
		}
	}
	return out, nil
}

// costBodies defines the lecture's costs from ONNX ops, for the functions
// Export writes: a and y are n × M, one column per sample, and the cost is
// the mean over the M columns of a sum down each column.
var costBodies = map[string]string{
	// name: body, one node a line: "Op out = in, in [attr=value]".
	"SoftmaxCrossEntropy": `LogSoftmax l = a [axis=0]
Mul p = y, l
ReduceSum s = p, zero [keepdims=0]
ReduceMean m = s [keepdims=0]
Neg cost = m`,
	"CrossEntropy": `Log l = a
Mul p = y, l
ReduceSum s = p, zero [keepdims=0]
ReduceMean m = s [keepdims=0]
Neg cost = m`,
	"QuadraticCost": `Sub d = a, y
Mul d2 = d, d
ReduceSum s = d2, zero [keepdims=0]
ReduceMean m = s [keepdims=0]
CastLike half = half32, a
Mul cost = m, half`,
	"BinaryCrossEntropy": `CastLike one = one32, a
Log la = a
Sub na = one, a
Log lna = na
Sub ny = one, y
Mul p = y, la
Mul q = ny, lna
Add pq = p, q
ReduceSum s = pq, zero [keepdims=0]
ReduceMean m = s [keepdims=0]
Neg cost = m`,
}

// function adds the model-local function of a cost, once.
func (e *exporter) function(name string) {
	if _, ok := e.funcs[name]; ok {
		return
	}
	f := &pb.FunctionProto{Name: proto.String(name), Domain: proto.String(Domain),
		Input: []string{"a", "y"}, Output: []string{"cost"},
		OpsetImport: []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(Opset)}},
		DocString:   proto.String("gradgraph's " + name + ": the mean over the columns (samples) of the per-column cost."),
	}
	consts := []*pb.NodeProto{
		{OpType: proto.String("Constant"), Output: []string{"zero"}, Attribute: []*pb.AttributeProto{
			{Name: proto.String("value_ints"), Type: pb.AttributeProto_INTS.Enum(), Ints: []int64{0}}}},
		{OpType: proto.String("Constant"), Output: []string{"half32"}, Attribute: []*pb.AttributeProto{floatAttr("value_float", 0.5)}},
		{OpType: proto.String("Constant"), Output: []string{"one32"}, Attribute: []*pb.AttributeProto{floatAttr("value_float", 1)}},
	}
	body := costBodies[name]
	for _, c := range consts {
		if strings.Contains(body, c.Output[0]) {
			f.Node = append(f.Node, c)
		}
	}
	for _, line := range strings.Split(body, "\n") {
		op, rest, _ := strings.Cut(line, " ")
		out, rest, _ := strings.Cut(rest, " = ")
		args, attr, _ := strings.Cut(rest, " [")
		n := &pb.NodeProto{OpType: proto.String(op), Output: []string{out}, Input: strings.Split(args, ", ")}
		if attr != "" {
			k, v, _ := strings.Cut(strings.TrimSuffix(attr, "]"), "=")
			var x int64
			fmt.Sscan(v, &x)
			n.Attribute = append(n.Attribute, intAttr(k, x))
		}
		f.Node = append(f.Node, n)
	}
	e.funcs[name] = f
}
