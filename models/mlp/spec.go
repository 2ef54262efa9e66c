package mlp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

// Spec is a network spec as the command line reads it (see docs/cli.md): a
// network with a mini-batch of inputs α⁰ (n₀ × M) and targets ρ (n_L × M).
type Spec struct {
	// Network is the network described by "cost" and "layers".
	Network *Network
	// Inputs is α⁰, n₀ × M: one column per sample.
	Inputs *tensor.Dense
	// Targets is ρ, n_L × M.
	Targets *tensor.Dense
}

// FieldError reports a problem with one field of a network spec or of a
// Network. Its message is a single line, "Field: Msg", e.g.
// "layers[1].weights: got 3x1, want 2x1". Field is a path into the JSON
// document ("cost", "layers[0].weights[1][0]", "inputs[2]"), or "spec" for
// a document that is not well-formed JSON. A caller embedding a spec in a
// larger document can prefix Field with the enclosing path.
type FieldError struct {
	// Field is the path of the offending field.
	Field string
	// Msg says what is wrong with it.
	Msg string
}

// Error returns "Field: Msg".
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

func fieldErr(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	// Messages are one line whatever the input held.
	msg = strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(msg)
	return &FieldError{Field: field, Msg: msg}
}

func unknownActivation(name string) string {
	return fmt.Sprintf("unknown activation %q (want identity, sigmoid, tanh, relu or softmax)", name)
}

func unknownCost(name string) string {
	return fmt.Sprintf("unknown cost %q (want quadratic, binary_cross_entropy or cross_entropy)", name)
}

var (
	specFields    = []string{"cost", "layers", "inputs", "targets"}
	networkFields = []string{"cost", "layers"}
	layerFields   = []string{"activation", "weights", "bias"}
)

// ParseSpec reads a network spec (fields "cost", "layers", "inputs",
// "targets"; see docs/cli.md) into tensors of dtype dt, float32 or float64.
// Numbers are parsed directly to dt, rounding to nearest. Anything but a
// well-formed spec is rejected with a one-line *FieldError naming the
// offending field: malformed or truncated JSON, unknown, duplicate or
// missing fields, unknown activation or cost names, values of the wrong JSON
// type, empty or ragged matrices, shapes that do not chain, inputs or
// targets that do not fit the network, and numbers that are not finite in
// dt.
func ParseSpec(data []byte, dt tensor.Dtype) (*Spec, error) {
	fields, err := parseDocument(data, dt, specFields)
	if err != nil {
		return nil, err
	}
	net, err := parseNetworkFields(fields, dt)
	if err != nil {
		return nil, err
	}
	sizes := net.Sizes()
	L := len(net.Layers)
	x, err := parseMatrix("inputs", fields["inputs"], dt)
	if err != nil {
		return nil, err
	}
	if r := x.Shape()[0]; r != sizes[0] {
		return nil, fieldErr("inputs", "got %d rows, want %d (the rows of layers[0].weights)", r, sizes[0])
	}
	y, err := parseMatrix("targets", fields["targets"], dt)
	if err != nil {
		return nil, err
	}
	if r := y.Shape()[0]; r != sizes[L] {
		return nil, fieldErr("targets", "got %d rows, want %d (the columns of layers[%d].weights)", r, sizes[L], L-1)
	}
	if got, want := y.Shape()[1], x.Shape()[1]; got != want {
		return nil, fieldErr("targets", "got %d columns, want %d (one per column of inputs)", got, want)
	}
	return &Spec{Network: net, Inputs: x, Targets: y}, nil
}

// ParseNetwork reads the network part of a spec alone, an object with
// exactly the fields "cost" and "layers" (the format MarshalNetwork writes
// and saved models use), into tensors of dtype dt. It rejects bad input as
// ParseSpec does.
func ParseNetwork(data []byte, dt tensor.Dtype) (*Network, error) {
	fields, err := parseDocument(data, dt, networkFields)
	if err != nil {
		return nil, err
	}
	return parseNetworkFields(fields, dt)
}

// parseDocument checks dt and the JSON syntax of data, then splits its
// top-level object into the allowed fields.
func parseDocument(data []byte, dt tensor.Dtype, allowed []string) (map[string]json.RawMessage, error) {
	if dt != tensor.Float64 && dt != tensor.Float32 {
		return nil, fmt.Errorf("mlp: unsupported dtype %v, want float32 or float64", dt)
	}
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset > 0 && se.Offset <= int64(len(data)) && !strings.Contains(se.Error(), "unexpected end") {
			line, col := position(data, se.Offset)
			return nil, fieldErr("spec", "line %d, column %d: %s", line, col, se.Error())
		}
		return nil, fieldErr("spec", "%s", err.Error())
	}
	return parseObject("", raw, allowed)
}

// position returns the 1-based line and column of the byte before offset,
// where encoding/json reports a syntax error.
func position(data []byte, offset int64) (line, col int) {
	before := data[:offset-1]
	line = 1 + bytes.Count(before, []byte("\n"))
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func parseNetworkFields(fields map[string]json.RawMessage, dt tensor.Dtype) (*Network, error) {
	net := &Network{}
	cost, err := parseString("cost", fields["cost"])
	if err != nil {
		return nil, err
	}
	net.Cost = Cost(cost)
	if !net.Cost.Valid() {
		return nil, fieldErr("cost", "%s", unknownCost(cost))
	}
	raw := fields["layers"]
	if k := kind(raw); k != "array" {
		return nil, fieldErr("layers", "got %s, want an array of layers", k)
	}
	var layers []json.RawMessage
	if err := json.Unmarshal(raw, &layers); err != nil {
		return nil, fieldErr("layers", "%s", err.Error())
	}
	if len(layers) == 0 {
		return nil, fieldErr("layers", "empty, want at least one layer")
	}
	prev := 0
	for j, raw := range layers {
		path := fmt.Sprintf("layers[%d]", j)
		lf, err := parseObject(path, raw, layerFields)
		if err != nil {
			return nil, err
		}
		act, err := parseString(path+".activation", lf["activation"])
		if err != nil {
			return nil, err
		}
		if !Activation(act).Valid() {
			return nil, fieldErr(path+".activation", "%s", unknownActivation(act))
		}
		w, err := parseMatrix(path+".weights", lf["weights"], dt)
		if err != nil {
			return nil, err
		}
		r, c := w.Shape()[0], w.Shape()[1]
		if j > 0 && r != prev {
			return nil, fieldErr(path+".weights", "got %dx%d, want %dx%d", r, c, prev, c)
		}
		prev = c
		b, err := parseVector(path+".bias", lf["bias"], dt)
		if err != nil {
			return nil, err
		}
		if n := b.Shape().TotalSize(); n != c {
			return nil, fieldErr(path+".bias", "got %d entries, want %d (the columns of %s.weights)", n, c, path)
		}
		net.Layers = append(net.Layers, Layer{Activation: Activation(act), Weights: w, Bias: b})
	}
	return net, nil
}

// join returns the path of field key inside the object at path.
func join(path, key string) string {
	simple := key != ""
	for _, r := range key {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			simple = false
			break
		}
	}
	if !simple {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// kind names the JSON type of a well-formed value.
func kind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// parseObject splits the object raw at path into its fields, rejecting
// unknown, duplicate and missing ones.
func parseObject(path string, raw json.RawMessage, allowed []string) (map[string]json.RawMessage, error) {
	name := path
	if name == "" {
		name = "spec"
	}
	if k := kind(raw); k != "object" {
		return nil, fieldErr(name, "got %s, want an object", k)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // the opening brace
		return nil, fieldErr(name, "%s", err.Error())
	}
	fields := make(map[string]json.RawMessage, len(allowed))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fieldErr(name, "%s", err.Error())
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fieldErr(join(path, key), "%s", err.Error())
		}
		known := false
		for _, a := range allowed {
			known = known || a == key
		}
		if !known {
			return nil, fieldErr(join(path, key), "unknown field")
		}
		if _, dup := fields[key]; dup {
			return nil, fieldErr(join(path, key), "duplicate field")
		}
		fields[key] = v
	}
	for _, a := range allowed {
		if _, ok := fields[a]; !ok {
			return nil, fieldErr(join(path, a), "missing field")
		}
	}
	return fields, nil
}

func parseString(path string, raw json.RawMessage) (string, error) {
	if k := kind(raw); k != "string" {
		return "", fieldErr(path, "got %s, want a string", k)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldErr(path, "%s", err.Error())
	}
	return s, nil
}

// parseNumbers reads an array of numbers at path.
func parseNumbers(path string, raw json.RawMessage, dt tensor.Dtype) ([]float64, error) {
	if k := kind(raw); k != "array" {
		return nil, fieldErr(path, "got %s, want an array of numbers", k)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, fieldErr(path, "%s", err.Error())
	}
	out := make([]float64, len(elems))
	for i, e := range elems {
		x, err := parseNumber(fmt.Sprintf("%s[%d]", path, i), e, dt)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// parseNumber reads one number, rounded to dt and returned as float64.
func parseNumber(path string, raw json.RawMessage, dt tensor.Dtype) (float64, error) {
	if k := kind(raw); k != "number" {
		return 0, fieldErr(path, "got %s, want a number", k)
	}
	s := string(bytes.TrimSpace(raw))
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || !isFinite(x) {
		return 0, fieldErr(path, "not a finite number")
	}
	if dt == tensor.Float32 {
		x, err = strconv.ParseFloat(s, 32)
		if err != nil || !isFinite(x) {
			return 0, fieldErr(path, "out of float32 range")
		}
	}
	return x, nil
}

// parseMatrix reads an array of rows at path into an r×c tensor of dtype dt.
func parseMatrix(path string, raw json.RawMessage, dt tensor.Dtype) (*tensor.Dense, error) {
	if k := kind(raw); k != "array" {
		return nil, fieldErr(path, "got %s, want an array of rows", k)
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fieldErr(path, "%s", err.Error())
	}
	if len(rows) == 0 {
		return nil, fieldErr(path, "empty matrix")
	}
	var flat []float64
	cols := 0
	for i, r := range rows {
		rp := fmt.Sprintf("%s[%d]", path, i)
		xs, err := parseNumbers(rp, r, dt)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			if len(xs) == 0 {
				return nil, fieldErr(rp, "empty row")
			}
			cols = len(xs)
			flat = make([]float64, 0, len(rows)*cols)
		} else if len(xs) != cols {
			return nil, fieldErr(rp, "got %d columns, want %d", len(xs), cols)
		}
		flat = append(flat, xs...)
	}
	return ConvertDense(tensor.New(tensor.WithShape(len(rows), cols), tensor.WithBacking(flat)), dt)
}

// parseVector reads an array of numbers at path into a tensor of shape (n).
func parseVector(path string, raw json.RawMessage, dt tensor.Dtype) (*tensor.Dense, error) {
	xs, err := parseNumbers(path, raw, dt)
	if err != nil {
		return nil, err
	}
	if len(xs) == 0 {
		return nil, fieldErr(path, "empty vector")
	}
	return ConvertDense(tensor.New(tensor.WithShape(len(xs)), tensor.WithBacking(xs)), dt)
}

// MarshalNetwork writes net as the network part of a spec ("cost" and
// "layers"), which ParseNetwork reads back to identical values: float64
// numbers are written with the shortest representation that round-trips
// (strconv.FormatFloat(x, 'g', -1, 64)) and float32 numbers with the
// shortest one that round-trips in float32. The network must be valid and
// every value finite.
func MarshalNetwork(net *Network) ([]byte, error) {
	var b bytes.Buffer
	if err := writeNetwork(&b, net); err != nil {
		return nil, err
	}
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// MarshalSpec writes s as a complete spec that ParseSpec reads back to
// identical values, in the format of MarshalNetwork.
func MarshalSpec(s *Spec) ([]byte, error) {
	if s == nil || s.Network == nil {
		return nil, fmt.Errorf("mlp: nil spec")
	}
	if err := s.Network.validateBatch(s.Inputs, s.Targets); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := writeNetwork(&b, s.Network); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		t    *tensor.Dense
	}{{"inputs", s.Inputs}, {"targets", s.Targets}} {
		fmt.Fprintf(&b, ",\n  %q: ", f.name)
		if err := writeMatrix(&b, "  ", f.name, f.t); err != nil {
			return nil, err
		}
	}
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// writeNetwork writes the opening brace, "cost" and "layers", without the
// closing brace.
func writeNetwork(b *bytes.Buffer, net *Network) error {
	if err := net.Validate(); err != nil {
		return err
	}
	fmt.Fprintf(b, "{\n  \"cost\": %q,\n  \"layers\": [", net.Cost)
	for j, l := range net.Layers {
		if j > 0 {
			b.WriteByte(',')
		}
		path := fmt.Sprintf("layers[%d]", j)
		fmt.Fprintf(b, "\n    {\n      \"activation\": %q,\n      \"weights\": ", l.Activation)
		if err := writeMatrix(b, "      ", path+".weights", l.Weights); err != nil {
			return err
		}
		b.WriteString(",\n      \"bias\": ")
		if err := writeRow(b, path+".bias", Float64s(l.Bias), l.Bias.Dtype()); err != nil {
			return err
		}
		b.WriteString("\n    }")
	}
	b.WriteString("\n  ]")
	return nil
}

func writeMatrix(b *bytes.Buffer, indent, path string, t *tensor.Dense) error {
	b.WriteString("[")
	for i, row := range Rows(t) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n" + indent + "  ")
		if err := writeRow(b, fmt.Sprintf("%s[%d]", path, i), row, t.Dtype()); err != nil {
			return err
		}
	}
	b.WriteString("\n" + indent + "]")
	return nil
}

func writeRow(b *bytes.Buffer, path string, xs []float64, dt tensor.Dtype) error {
	bits := 64
	if dt == tensor.Float32 {
		bits = 32
	}
	b.WriteByte('[')
	for i, x := range xs {
		if !isFinite(x) {
			return fieldErr(fmt.Sprintf("%s[%d]", path, i), "not a finite number")
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.FormatFloat(x, 'g', -1, bits))
	}
	b.WriteByte(']')
	return nil
}
