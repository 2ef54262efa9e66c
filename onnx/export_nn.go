package onnx

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
)

// The export of the indexing, convolution, pooling, normalisation, loss
// and recurrent ops. Most have an ONNX op of the same name. The composite
// layers of package ops are graphs of smaller ops; where such a graph is
// an ONNX op (LayerNormalization, InstanceNormalization,
// BatchNormalization, LRN, Dropout) Export writes that op (fuse), and the
// importer maps it back onto the same composite. The private pieces of
// the composites (a normalisation's InvStdDev and ShiftScale, the
// recurrent ops' Narrow and Stack, the class losses' PickLabel) are
// written as the ONNX ops that compute the same values otherwise. The
// recurrent ops are therefore written unrolled, as the graph the
// constructors build, not as ONNX's RNN, GRU and LSTM.

func init() {
	exportTable["Conv"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("Conv", "", in, out, exportSpatial(a)...)
		return nil
	}
	exportTable["ConvTranspose"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		attrs := exportSpatial(a)
		attrs = append(attrs, optInts(a, "output_padding")...)
		attrs = append(attrs, optInts(a, "output_shape")...)
		e.emit("ConvTranspose", "", in, out, attrs...)
		return nil
	}
	exportTable["MaxPool"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("MaxPool", "", in, out, exportPool(a)...)
		return nil
	}
	exportTable["MaxPoolIndices"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		attrs := append(exportPool(a), intAttr("storage_order", int64(a["storage_order"].(int))))
		e.emitN("MaxPool", "", in, []string{e.temp(out + "_values"), out}, attrs...)
		return nil
	}
	exportTable["AveragePool"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		attrs := append(exportPool(a), intAttr("count_include_pad", boolInt(a["count_include_pad"].(bool))))
		e.emit("AveragePool", "", in, out, attrs...)
		return nil
	}
	for _, op := range []string{"Gather", "GatherElements"} {
		exportTable[op] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
			e.emit(n.Op().Type(), "", in, out, intAttr("axis", int64(a["axis"].(int))))
			return nil
		}
	}
	exportTable["GatherND"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("GatherND", "", in, out, intAttr("batch_dims", int64(a["batch_dims"].(int))))
		return nil
	}
	exportTable["ScatterElements"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("ScatterElements", "", in, out, intAttr("axis", int64(a["axis"].(int))), stringAttr("reduction", a["reduction"].(string)))
		return nil
	}
	exportTable["ScatterND"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("ScatterND", "", in, out, stringAttr("reduction", a["reduction"].(string)))
		return nil
	}
	exportTable["OneHot"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		depth := graph.NewValue(graph.Int64, graph.Shape{})
		depth.I64[0] = int64(a["depth"].(int))
		vals, err := exactValue(a["dtype"].(graph.DType), "OneHot's values", a["values"].([]float64)...)
		if err != nil {
			return err
		}
		e.emit("OneHot", "", []string{in[0], e.constant("depth", depth), e.constant("values", vals)}, out,
			intAttr("axis", int64(a["axis"].(int))))
		return nil
	}
	exportTable["Slice"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		starts, ends, axes, steps := a["starts"].([]int), a["ends"].([]int), a["axes"].([]int), a["steps"].([]int)
		if axes == nil && steps != nil {
			axes = make([]int, len(starts))
			for i := range axes {
				axes[i] = i
			}
		}
		e.slice(in[0], out, starts, ends, axes, steps)
		return nil
	}
	exportTable["Concat"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("Concat", "", in, out, intAttr("axis", int64(a["axis"].(int))))
		return nil
	}
	// One output of Split is a Slice: a node has one output here.
	exportTable["Split"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		x := n.Inputs()[0]
		axis, _ := graph.Axis(a["axis"].(int), x.Shape().Rank())
		size, part := n.Shape()[axis], a["part"].(int)
		start := part * size
		if sizes := a["split"].([]int); sizes != nil {
			start = 0
			for _, s := range sizes[:part] {
				start += s
			}
		}
		e.slice(in[0], out, []int{start}, []int{start + size}, []int{axis}, nil)
		return nil
	}
	exportTable["Tile"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("Tile", "", []string{in[0], e.int64s("repeats", a["repeats"].([]int))}, out)
		return nil
	}
	exportTable["Pad"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		args := []string{in[0], e.int64s("pads", a["pads"].([]int))}
		mode := a["mode"].(string)
		if v := a["value"].(float64); mode == "constant" && v != 0 {
			c, err := exactValue(n.DType(), "Pad's value", v)
			if err != nil {
				return err
			}
			c.Shape = graph.Shape{}
			args = append(args, e.constant("value", c))
		}
		e.emit("Pad", "", args, out, stringAttr("mode", mode))
		return nil
	}
	exportTable["Cast"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("Cast", "", in, out, intAttr("to", int64(onnxType(a["to"].(graph.DType)))))
		return nil
	}
	exportTable["Shape"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		r := n.Inputs()[0].Shape().Rank()
		var attrs []*pb.AttributeProto
		if s := a["start"].(int); s != 0 {
			attrs = append(attrs, intAttr("start", int64(s)))
		}
		if end := a["end"].(int); end < r {
			attrs = append(attrs, intAttr("end", int64(end)))
		}
		e.emit("Shape", "", in, out, attrs...)
		return nil
	}
	exportTable["Range"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		var args []string
		for _, k := range []string{"start", "limit", "delta"} {
			v, err := exactValue(a["dtype"].(graph.DType), "Range's "+k, a[k].(float64))
			if err != nil {
				return err
			}
			v.Shape = graph.Shape{}
			args = append(args, e.constant(k, v))
		}
		e.emit("Range", "", args, out)
		return nil
	}
	exportTable["ConstantOfShape"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		v, err := exactValue(a["dtype"].(graph.DType), "ConstantOfShape's value", a["value"].(float64))
		if err != nil {
			return err
		}
		e.emit("ConstantOfShape", "", []string{e.int64s("shape", n.Shape())}, out,
			&pb.AttributeProto{Name: proto.String("value"), Type: pb.AttributeProto_TENSOR.Enum(), T: tensorOf("", v)})
		return nil
	}
	for _, op := range []string{"DepthToSpace", "SpaceToDepth"} {
		exportTable[op] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
			attrs := []*pb.AttributeProto{intAttr("blocksize", int64(a["blocksize"].(int)))}
			if m, ok := a["mode"].(string); ok {
				attrs = append(attrs, stringAttr("mode", m))
			}
			e.emit(n.Op().Type(), "", in, out, attrs...)
			return nil
		}
	}

	// Shapes are static: the ops that take a shape from a reference
	// value are written with the node's shape.
	exportTable["BroadcastLike"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.emit("Expand", "", []string{in[0], e.int64s("shape", n.Shape())}, out)
		return nil
	}
	exportTable["ReshapeLike"] = exportTable["Reshape"]
	sumTo := func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.sumTo(in[0], n.Inputs()[0].Shape(), n.Shape(), out)
		return nil
	}
	exportTable["SumLike"], exportTable["SumTo"] = sumTo, sumTo
	exportTable["DivByCount"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		ref := n.Inputs()[1].Shape()
		count := 1
		if axes := a["axes"].([]int); len(axes) == 0 {
			count = ref.Size()
		} else {
			for _, ax := range axes {
				k, _ := graph.Axis(ax, ref.Rank())
				count *= ref[k]
			}
		}
		c := graph.NewValue(n.DType(), graph.Shape{})
		c.SetAt(0, float64(count))
		e.emit("Div", "", []string{in[0], e.constant("count", c)}, out)
		return nil
	}

	// The pieces of the composites.
	exportTable["InvStdDev"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		x, m := n.Inputs()[0], n.Inputs()[1]
		return e.invStd(in[0], in[1], x.Shape(), m.Shape(), n.DType(), a["epsilon"].(float64), out)
	}
	exportTable["ShiftScale"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		// (x − m)·a, times s, plus b
		steps := [][2]string{{"Sub", in[1]}, {"Mul", in[2]}}
		k := 3
		if a["has_scale"].(bool) {
			steps, k = append(steps, [2]string{"Mul", in[k]}), k+1
		}
		if a["has_bias"].(bool) {
			steps = append(steps, [2]string{"Add", in[k]})
		}
		y := in[0]
		for i, st := range steps {
			t := out
			if i < len(steps)-1 {
				t = e.temp(out + "_" + st[0])
			}
			e.emit(st[0], "", []string{y, st[1]}, t)
			y = t
		}
		return nil
	}
	exportTable["BatchMean"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		x := n.Inputs()[0]
		if a["training"].(bool) {
			e.emit("ReduceMean", "", in[:1], out, intsAttr("axes", toInt64s(notChannel(x.Shape().Rank()))), intAttr("keepdims", 1))
			return nil
		}
		e.emit("Reshape", "", []string{in[1], e.int64s("shape", n.Shape())}, out)
		return nil
	}
	exportTable["BatchInvStdDev"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		x, m := n.Inputs()[0], n.Inputs()[1]
		eps := a["epsilon"].(float64)
		if a["training"].(bool) {
			return e.invStd(in[0], in[1], x.Shape(), m.Shape(), n.DType(), eps, out)
		}
		v := e.temp(out + "_var")
		e.emit("Reshape", "", []string{in[3], e.int64s("shape", n.Shape())}, v)
		return e.recipSqrt(v, n.DType(), eps, out)
	}
	exportTable["DropoutMask"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		ones := graph.NewValue(n.DType(), n.Shape())
		for i := 0; i < ones.Len(); i++ {
			ones.SetAt(i, 1)
		}
		ratio := a["ratio"].(float64)
		if !a["training"].(bool) || ratio == 0 {
			e.emitConstant(out, ones)
			return nil
		}
		// Dropout of ones is the scaled mask: 0, or 1/(1 − ratio).
		args, err := e.dropoutArgs(e.constant("ones", ones), n.DType(), ratio)
		if err != nil {
			return err
		}
		e.emit("Dropout", "", args, out)
		return nil
	}
	exportTable["PickLabel"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		var attrs []*pb.AttributeProto
		ii, ignore := a["ignore_index"].(int64)
		if ignore {
			attrs = append(attrs, intAttr("ignore_index", ii))
		}
		x, labels := n.Inputs()[0], n.Inputs()[1]
		if x.Shape().Rank() > 1 {
			// −NegativeLogLikelihoodLoss(x, labels) without reduction:
			// x[n, label, …], 0 where the label is ignored.
			nll := e.temp(out + "_nll")
			e.emit("NegativeLogLikelihoodLoss", "", in, nll, append(attrs, stringAttr("reduction", "none"))...)
			e.emit("Neg", "", []string{nll}, out)
			return nil
		}
		// A vector of class weights: weights[label], 0 where ignored.
		if !ignore {
			e.emit("Gather", "", in, out)
			return nil
		}
		iv := graph.NewValue(labels.DType(), graph.Shape{})
		iv.SetAt(0, float64(ii))
		if labels.DType() == graph.Int64 {
			iv.I64[0] = ii
		}
		isIgnored, safe, picked := e.temp(out+"_ignored"), e.temp(out+"_labels"), e.temp(out+"_picked")
		e.emit("Equal", "", []string{in[1], e.constant("ignore_index", iv)}, isIgnored)
		e.emit("Where", "", []string{isIgnored, e.constant("zero", graph.NewValue(labels.DType(), graph.Shape{})), in[1]}, safe)
		e.emit("Gather", "", []string{in[0], safe}, picked)
		e.emit("Where", "", []string{isIgnored, e.constant("zero", graph.NewValue(x.DType(), graph.Shape{})), picked}, out)
		return nil
	}
	exportTable["Narrow"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		axis, start, length := a["axis"].(int), a["start"].(int), a["length"].(int)
		if !a["drop"].(bool) {
			e.slice(in[0], out, []int{start}, []int{start + length}, []int{axis}, nil)
			return nil
		}
		s := e.temp(out + "_slice")
		e.slice(in[0], s, []int{start}, []int{start + length}, []int{axis}, nil)
		e.emit("Squeeze", "", []string{s, e.int64s("axes", []int{axis})}, out)
		return nil
	}
	exportTable["NarrowGrad"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		e.place(in[0], n.Inputs()[0].Shape(), n.Shape(), a["axis"].(int), a["start"].(int), a["drop"].(bool), out)
		return nil
	}
	// NarrowGradSum, the sum of NarrowGrads that autodiff gathers into one
	// node, is their Sum. Its last input, like NarrowGrad's second, only
	// gives the shape that n already has.
	exportTable["NarrowGradSum"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		parts := make([]string, len(in)-1)
		for i, g := range in[:len(in)-1] {
			parts[i] = e.temp(out + "_part")
			e.place(g, n.Inputs()[i].Shape(), n.Shape(), a["axis"].(int), a["starts"].([]int)[i], a["drops"].([]bool)[i], parts[i])
		}
		e.emit("Sum", "", parts, out)
		return nil
	}
	exportTable["Stack"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		axis := a["axis"].(int)
		parts := make([]string, len(in))
		axes := e.int64s("axes", []int{axis})
		for i, x := range in {
			parts[i] = e.temp(out + "_part")
			e.emit("Unsqueeze", "", []string{x, axes}, parts[i])
		}
		e.emit("Concat", "", parts, out, intAttr("axis", int64(axis)))
		return nil
	}
	exportTable["SequenceMask"] = func(e *exporter, n *graph.Node, in []string, out string, a map[string]any) error {
		// Step t lies within a sequence of length l when t < l.
		lens := n.Inputs()[0]
		t := graph.NewValue(lens.DType(), graph.Shape{})
		t.SetAt(0, float64(a["t"].(int)))
		less := e.temp(out + "_within")
		e.emit("Less", "", []string{e.constant("t", t), in[0]}, less)
		e.emit("Unsqueeze", "", []string{less, e.int64s("axes", []int{1})}, out)
		return nil
	}
}

// place emits zeros of shape full with g (of shape gs, which lacks the
// axis when drop is set) placed at start along axis: a Pad.
func (e *exporter) place(g string, gs, full graph.Shape, axis, start int, drop bool, out string) {
	length := 1
	if drop {
		u := e.temp(out + "_unsqueezed")
		e.emit("Unsqueeze", "", []string{g, e.int64s("axes", []int{axis})}, u)
		g = u
	} else {
		length = gs[axis]
	}
	r := full.Rank()
	pads := make([]int, 2*r)
	pads[axis], pads[r+axis] = start, full[axis]-start-length
	e.emit("Pad", "", []string{g, e.int64s("pads", pads)}, out, stringAttr("mode", "constant"))
}

// notChannel lists the axes of a rank-r value but 1.
func notChannel(r int) []int {
	axes := []int{0}
	for i := 2; i < r; i++ {
		axes = append(axes, i)
	}
	return axes
}

// slice emits Slice(x, starts, ends[, axes[, steps]]).
func (e *exporter) slice(x, out string, starts, ends, axes, steps []int) {
	args := []string{x, e.int64s("starts", starts), e.int64s("ends", ends)}
	if axes != nil {
		args = append(args, e.int64s("axes", axes))
	}
	if steps != nil {
		args = append(args, e.int64s("steps", steps))
	}
	e.emit("Slice", "", args, out)
}

// sumTo emits x (of shape from) summed to shape to, which broadcasts to
// from: a ReduceSum over the broadcast axes, then a Reshape.
func (e *exporter) sumTo(x string, from, to graph.Shape, out string) {
	var axes []int
	lead := from.Rank() - to.Rank()
	for i, d := range from {
		if i < lead || (to[i-lead] == 1 && d != 1) {
			axes = append(axes, i)
		}
	}
	if len(axes) == 0 {
		e.emit("Reshape", "", []string{x, e.int64s("shape", to)}, out)
		return
	}
	s := e.temp(out + "_sum")
	e.emit("ReduceSum", "", []string{x, e.int64s("axes", axes)}, s, intAttr("keepdims", 1))
	e.emit("Reshape", "", []string{s, e.int64s("shape", to)}, out)
}

// invStd emits 1/√(mean((x − m)²) + eps), the mean over the axes along
// which m (of shape ms) broadcasts to x (of shape xs), as ms.
func (e *exporter) invStd(x, m string, xs, ms graph.Shape, dt graph.DType, eps float64, out string) error {
	var axes []int
	lead := xs.Rank() - ms.Rank()
	for i := range xs {
		if i < lead || ms[i-lead] == 1 {
			axes = append(axes, i)
		}
	}
	d, d2, v := e.temp(out+"_dev"), e.temp(out+"_dev2"), e.temp(out+"_var")
	e.emit("Sub", "", []string{x, m}, d)
	e.emit("Mul", "", []string{d, d}, d2)
	e.emit("ReduceMean", "", []string{d2}, v, intsAttr("axes", toInt64s(axes)), intAttr("keepdims", 1))
	if lead > 0 {
		r := e.temp(out + "_var")
		e.emit("Reshape", "", []string{v, e.int64s("shape", ms)}, r)
		v = r
	}
	return e.recipSqrt(v, dt, eps, out)
}

// recipSqrt emits 1/√(v + eps) in dtype dt. (The kernels it stands for
// sum in float64; in float32 these ops round each step, eps included.)
func (e *exporter) recipSqrt(v string, dt graph.DType, eps float64, out string) error {
	c := graph.NewValue(dt, graph.Shape{})
	c.SetAt(0, eps)
	ve, s := e.temp(out+"_eps"), e.temp(out+"_sqrt")
	e.emit("Add", "", []string{v, e.constant("epsilon", c)}, ve)
	e.emit("Sqrt", "", []string{ve}, s)
	e.emit("Reciprocal", "", []string{s}, out)
	return nil
}

// dropoutArgs returns the inputs of a Dropout of x in training mode with
// the given ratio (a constant of x's dtype).
func (e *exporter) dropoutArgs(x string, dt graph.DType, ratio float64) ([]string, error) {
	r, err := exactValue(dt, "Dropout's ratio", ratio)
	if err != nil {
		return nil, err
	}
	r.Shape = graph.Shape{}
	on := graph.NewValue(graph.Bool, graph.Shape{})
	on.B[0] = true
	return []string{x, e.constant("ratio", r), e.constant("training_mode", on)}, nil
}

// exactValue returns a vector of dtype dt holding xs, each exactly, or an
// error naming what.
func exactValue(dt graph.DType, what string, xs ...float64) (*graph.Value, error) {
	v := graph.NewValue(dt, graph.Shape{len(xs)})
	for i, x := range xs {
		v.SetAt(i, x)
		if v.At(i) != x {
			return nil, fmt.Errorf("%s %v, which %s does not hold exactly", what, x, dt)
		}
	}
	return v, nil
}

// exportSpatial returns the attributes of a convolution that differ from
// ONNX's defaults.
func exportSpatial(a map[string]any) []*pb.AttributeProto {
	var out []*pb.AttributeProto
	for _, k := range []string{"strides", "pads", "dilations"} {
		out = append(out, optInts(a, k)...)
	}
	if p := a["auto_pad"].(string); p != "NOTSET" {
		out = append(out, stringAttr("auto_pad", p))
	}
	if g, ok := a["group"].(int); ok && g != 1 {
		out = append(out, intAttr("group", int64(g)))
	}
	return out
}

// exportPool returns the attributes of a pool.
func exportPool(a map[string]any) []*pb.AttributeProto {
	out := append(exportSpatial(a), intsAttr("kernel_shape", toInt64s(a["kernel_shape"].([]int))))
	if a["ceil_mode"].(bool) {
		out = append(out, intAttr("ceil_mode", 1))
	}
	return out
}

// optInts returns attribute k when it is set.
func optInts(a map[string]any, k string) []*pb.AttributeProto {
	if v, _ := a[k].([]int); v != nil {
		return []*pb.AttributeProto{intsAttr(k, toInt64s(v))}
	}
	return nil
}
