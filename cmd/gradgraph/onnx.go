package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/onnx"
)

func init() {
	register("onnx", "run, differentiate or conformance-check ONNX models (run, grad, check)", onnxCmd)
}

const onnxUsage = `Usage:
  gradgraph onnx run   --model M.onnx [--input NAME=FILE.pb ...] [--json]
  gradgraph onnx grad  --model M.onnx [--input NAME=FILE.pb ...] [--wrt NAME,...] [--json]
  gradgraph onnx check DIR [DIR ...] [--json]

FILE.pb is one serialized ONNX TensorProto. See docs/onnx.md.
`

func onnxCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageErr("onnx: missing subcommand (want run, grad or check)")
	}
	switch args[0] {
	case "run", "grad":
		return onnxRun(args[0], args[1:], stdout)
	case "check":
		return onnxCheck(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, onnxUsage)
		return nil
	}
	return usageErr("onnx: unknown subcommand %q (want run, grad or check)", args[0])
}

// inputFlags collects repeated --input NAME=FILE.pb.
type inputFlags []string

func (f *inputFlags) String() string     { return strings.Join(*f, " ") }
func (f *inputFlags) Set(s string) error { *f = append(*f, s); return nil }

func onnxRun(sub string, args []string, stdout io.Writer) error {
	synopsis := "--model M.onnx [--input NAME=FILE.pb ...] [--json]"
	if sub == "grad" {
		synopsis = "--model M.onnx [--input NAME=FILE.pb ...] [--wrt NAME,...] [--json]"
	}
	fs := newFlags("onnx "+sub, synopsis, stdout)
	model := fs.String("model", "", "ONNX model `file`")
	var inputs inputFlags
	fs.Var(&inputs, "input", "`NAME=FILE.pb`: the value of graph input NAME, one serialized TensorProto (repeat for each input)")
	asJSON := fs.Bool("json", false, "print one JSON document")
	var wrt *string
	if sub == "grad" {
		wrt = fs.String("wrt", "", "differentiate with respect to these initializers and inputs only (`NAME,...`; default: every float initializer and float input)")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model == "" {
		return usageErr("onnx %s: --model is required", sub)
	}
	given := map[string]*graph.Value{}
	for _, in := range inputs {
		name, path, ok := strings.Cut(in, "=")
		if !ok || name == "" || path == "" {
			return usageErr("onnx %s: --input %q: want NAME=FILE.pb", sub, in)
		}
		if _, dup := given[name]; dup {
			return usageErr("onnx %s: --input %s is given twice", sub, name)
		}
		v, err := readTensorFile(path)
		if err != nil {
			return fmt.Errorf("--input %s: %v", name, err)
		}
		given[name] = v
	}
	m, err := onnx.ImportFile(*model, onnx.Options{Inputs: given})
	if err != nil {
		return err
	}
	for _, in := range m.Inputs {
		if _, ok := given[in.Name()]; !ok {
			return fmt.Errorf("input %q is not given (--input %s=FILE.pb)", in.Name(), in.Name())
		}
	}
	var names []string
	var grads []*graph.Node
	if sub == "grad" {
		var want []string
		if *wrt != "" {
			for _, s := range strings.Split(*wrt, ",") {
				want = append(want, strings.TrimSpace(s))
			}
		}
		if names, grads, err = m.Gradients(want...); err != nil {
			return err
		}
	}
	p, err := m.Graph.Compile(append(append([]*graph.Node{}, m.Outputs...), grads...)...)
	if err != nil {
		return err
	}
	p.Run()
	if err := p.Err(); err != nil {
		return err
	}
	outs := make(tensorsJSON, len(m.Outputs))
	for i, n := range m.Outputs {
		outs[i] = namedTensor{m.OutputNames[i], n.Storage()}
	}
	gs := make(tensorsJSON, len(grads))
	for i, n := range grads {
		gs[i] = namedTensor{names[i], n.Storage()}
	}
	if *asJSON {
		doc := map[string]any{"outputs": outs}
		if sub == "grad" {
			doc["gradients"] = gs
		}
		return writeJSON(stdout, doc)
	}
	for _, t := range outs {
		fmt.Fprintf(stdout, "%s %s %s: %s\n", t.name, t.v.DType(), t.v.Shape, valuesText(t.v))
	}
	for _, t := range gs {
		fmt.Fprintf(stdout, "d%s/d%s %s: %s\n", m.OutputNames[0], t.name, t.v.Shape, valuesText(t.v))
	}
	return nil
}

func readTensorFile(path string) (*graph.Value, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	_, v, err := onnx.ReadTensor(f)
	return v, err
}

// valuesText writes a value's elements on one line.
func valuesText(v *graph.Value) string {
	parts := make([]string, v.Len())
	for i := range parts {
		parts[i] = string(appendElem(nil, v, i))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// appendElem appends element i of v as JSON: floats in the shortest form
// that reads back exactly (NaN and ±Inf as the strings "NaN",
// "Infinity", "-Infinity"), integers as integers, bools as bools.
func appendElem(b []byte, v *graph.Value, i int) []byte {
	switch v.DType() {
	case graph.Int64:
		return strconv.AppendInt(b, v.I64[i], 10)
	case graph.Int32:
		return strconv.AppendInt(b, int64(v.I32[i]), 10)
	case graph.Bool:
		return strconv.AppendBool(b, v.B[i])
	}
	x, bits := v.At(i), 64
	if v.DType() == graph.Float32 {
		bits = 32
	}
	switch {
	case math.IsNaN(x):
		return append(b, `"NaN"`...)
	case math.IsInf(x, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(x, -1):
		return append(b, `"-Infinity"`...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, bits)
}

type namedTensor struct {
	name string
	v    *graph.Value
}

// tensorsJSON is a JSON object of tensors that keeps the model's order
// (the first output is the loss).
type tensorsJSON []namedTensor

func (ts tensorsJSON) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, t := range ts {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(t.name)
		b.Write(name)
		shape := t.v.Shape
		if shape == nil {
			shape = graph.Shape{}
		}
		s, _ := json.Marshal([]int(shape))
		fmt.Fprintf(&b, `:{"dtype":%q,"shape":%s,"data":[`, t.v.DType(), s)
		for k := 0; k < t.v.Len(); k++ {
			if k > 0 {
				b.WriteByte(',')
			}
			b.Write(appendElem(nil, t.v, k))
		}
		b.WriteString("]}")
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func onnxCheck(args []string, stdout io.Writer) error {
	var dirs, flags []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
		} else {
			dirs = append(dirs, a)
		}
	}
	fs := newFlags("onnx check", "DIR [DIR ...] [--json]", stdout)
	asJSON := fs.Bool("json", false, "print one JSON document")
	if err := parseFlags(fs, flags); err != nil {
		return err
	}
	if len(dirs) == 0 {
		return usageErr("onnx check: no test directories given")
	}
	results := make([]onnx.TestResult, 0, len(dirs))
	for _, d := range dirs {
		r := onnx.RunBackendTest(d)
		results = append(results, r)
		if !*asJSON {
			switch r.Status {
			case onnx.Pass:
				fmt.Fprintf(stdout, "PASS %s\n", r.Name)
			default:
				fmt.Fprintf(stdout, "%s %s: %s\n", r.Status, r.Name, r.Reason)
			}
		}
	}
	passed, failed, skipped := onnx.Counts(results)
	if *asJSON {
		if err := writeJSON(stdout, map[string]any{"tests": results, "passed": passed, "failed": failed, "skipped": skipped}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	}
	if failed > 0 {
		return &exitError{1, fmt.Errorf("onnx check: %d of %d tests failed", failed, len(results))}
	}
	return nil
}

// trainONNXPath is the file of gradgraph train --export-onnx, set while
// the flags are parsed (addExportONNXFlag) and read after training.
var trainONNXPath string

// addExportONNXFlag adds --export-onnx to train's flags.
func addExportONNXFlag(fs *flagSet) {
	trainONNXPath = ""
	fs.Func("export-onnx", "also export the trained network as an ONNX model to this `file`: inputs alpha0 and rho (one column per sample, batch --batch), outputs cost and the last layer's activations", func(p string) error {
		if err := checkWritable("export-onnx", p); err != nil {
			return err
		}
		trainONNXPath = p
		return nil
	})
}

// exportTrainedONNX writes the trained network to the --export-onnx file:
// the graph of one batch, with the cost first (so that gradgraph onnx
// grad differentiates it) and the output layer's activations second.
func exportTrainedONNX(net *mlp.Network, batch int) error {
	if trainONNXPath == "" {
		return nil
	}
	mg, err := mlp.Build(net, batch)
	if err != nil {
		return err
	}
	L := len(mg.Alpha) - 1
	out := fmt.Sprintf("alpha%d", L)
	err = atomicfile.Write(trainONNXPath, 0o644, func(w io.Writer) error {
		return onnx.ExportWith(w, onnx.ExportOptions{Name: "mlp", OutputNames: []string{"cost", out}}, mg.Cost, mg.Alpha[L])
	})
	if err != nil {
		return fmt.Errorf("--export-onnx: %v", err)
	}
	return nil
}
