package mlp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/jsonobj"
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
	if !json.Valid(data) {
		var raw json.RawMessage
		err := json.Unmarshal(data, &raw)
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset > 0 && se.Offset <= int64(len(data)) && !strings.Contains(se.Error(), "unexpected end") {
			line, col := position(data, se.Offset)
			return nil, fieldErr("spec", "line %d, column %d: %s", line, col, se.Error())
		}
		return nil, fieldErr("spec", "%s", err.Error())
	}
	return parseObject("", data, allowed)
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
	if k := jsonobj.Kind(raw); k != "array" {
		return nil, fieldErr("layers", "got %s, want an array of layers", k)
	}
	layers := arrayElems(raw)
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

// parseObject splits the object raw at path into its fields, rejecting
// unknown, duplicate and missing ones. raw is well-formed JSON; the fields
// share its bytes.
func parseObject(path string, raw json.RawMessage, allowed []string) (map[string]json.RawMessage, error) {
	name := path
	if name == "" {
		name = "spec"
	}
	if k := jsonobj.Kind(raw); k != "object" {
		return nil, fieldErr(name, "got %s, want an object", k)
	}
	b := bytes.TrimSpace(raw)
	fields := make(map[string]json.RawMessage, len(allowed))
	for i := skipSpace(b, 1); b[i] != '}'; {
		end := valueEnd(b, i)
		var key string
		if err := json.Unmarshal(b[i:end], &key); err != nil {
			return nil, fieldErr(name, "%s", err.Error())
		}
		i = skipSpace(b, skipSpace(b, end)+1) // past the colon
		end = valueEnd(b, i)
		if !slices.Contains(allowed, key) {
			return nil, fieldErr(jsonobj.Join(path, key), "unknown field")
		}
		if _, dup := fields[key]; dup {
			return nil, fieldErr(jsonobj.Join(path, key), "duplicate field")
		}
		fields[key] = b[i:end:end]
		if i = skipSpace(b, end); b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	for _, a := range allowed {
		if _, ok := fields[a]; !ok {
			return nil, fieldErr(jsonobj.Join(path, a), "missing field")
		}
	}
	return fields, nil
}

// arrayElems returns the elements of the well-formed JSON array raw,
// sharing its bytes.
func arrayElems(raw json.RawMessage) []json.RawMessage {
	b := bytes.TrimSpace(raw)
	var elems []json.RawMessage
	for i := skipSpace(b, 1); b[i] != ']'; {
		end := valueEnd(b, i)
		elems = append(elems, b[i:end:end])
		if i = skipSpace(b, end); b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return elems
}

// valueEnd returns the index just past the JSON value that starts at b[i];
// b is well-formed JSON.
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && !bytes.ContainsRune([]byte(" \t\r\n,]}"), rune(b[i])) {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string that starts at
// b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

func parseString(path string, raw json.RawMessage) (string, error) {
	if k := jsonobj.Kind(raw); k != "string" {
		return "", fieldErr(path, "got %s, want a string", k)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldErr(path, "%s", err.Error())
	}
	return s, nil
}

// The numbers of a spec are read straight from the document's bytes: the
// whole document is well-formed JSON (parseDocument checked it), so a scan
// only needs to tell numbers from other values, and a matrix of millions
// of numbers costs its float64s, not a json.RawMessage per number.

// skipSpace returns the index of the first byte at or after i in b that is
// not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// numberArray reads the array of numbers that starts at b[i] (the array
// at path) and appends them, rounded to dt, to out. It returns out and the
// index just past the array.
func numberArray(out []float64, b []byte, i int, path string, dt tensor.Dtype) ([]float64, int, error) {
	if k := jsonobj.Kind(b[i:]); k != "array" {
		return nil, 0, fieldErr(path, "got %s, want an array of numbers", k)
	}
	i = skipSpace(b, i+1)
	if b[i] == ']' {
		return out, i + 1, nil
	}
	for n := 0; ; n++ {
		j := i
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '-' || b[j] == '+' || b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
			j++
		}
		if j == i {
			return nil, 0, fieldErr(fmt.Sprintf("%s[%d]", path, n), "got %s, want a number", jsonobj.Kind(b[i:]))
		}
		x, err := parseNumber(b[i:j], dt)
		if err != nil {
			return nil, 0, fieldErr(fmt.Sprintf("%s[%d]", path, n), "%s", err.Error())
		}
		out = append(out, x)
		i = skipSpace(b, j)
		if b[i] == ']' {
			return out, i + 1, nil
		}
		i = skipSpace(b, i+1) // past the comma
	}
}

// parseNumber reads one number, rounded to dt and returned as float64.
func parseNumber(s []byte, dt tensor.Dtype) (float64, error) {
	x, err := strconv.ParseFloat(string(s), 64)
	if err != nil || !isFinite(x) {
		return 0, errors.New("not a finite number")
	}
	if dt == tensor.Float32 {
		x, err = strconv.ParseFloat(string(s), 32)
		if err != nil || !isFinite(x) {
			return 0, errors.New("out of float32 range")
		}
	}
	return x, nil
}

// parseMatrix reads an array of rows at path into an r×c tensor of dtype dt.
func parseMatrix(path string, raw json.RawMessage, dt tensor.Dtype) (*tensor.Dense, error) {
	if k := jsonobj.Kind(raw); k != "array" {
		return nil, fieldErr(path, "got %s, want an array of rows", k)
	}
	b := bytes.TrimSpace(raw)
	i := skipSpace(b, 1)
	if b[i] == ']' {
		return nil, fieldErr(path, "empty matrix")
	}
	var flat []float64
	rows, cols := 0, 0
	for {
		rp := fmt.Sprintf("%s[%d]", path, rows)
		start := len(flat)
		var err error
		if flat, i, err = numberArray(flat, b, i, rp, dt); err != nil {
			return nil, err
		}
		n := len(flat) - start
		if rows == 0 {
			if n == 0 {
				return nil, fieldErr(rp, "empty row")
			}
			cols = n
		} else if n != cols {
			return nil, fieldErr(rp, "got %d columns, want %d", n, cols)
		}
		rows++
		i = skipSpace(b, i)
		if b[i] == ']' {
			break
		}
		i = skipSpace(b, i+1)
	}
	return ConvertDense(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(flat)), dt)
}

// parseVector reads an array of numbers at path into a tensor of shape (n).
func parseVector(path string, raw json.RawMessage, dt tensor.Dtype) (*tensor.Dense, error) {
	b := bytes.TrimSpace(raw)
	if len(b) == 0 {
		return nil, fieldErr(path, "got nothing, want an array of numbers")
	}
	xs, _, err := numberArray(nil, b, 0, path, dt)
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
