package onnx

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/gradgraph/gradgraph/graph"
)

// The outcomes of a backend test.
const (
	Pass = "PASS"
	Fail = "FAIL"
	Skip = "SKIP"
)

// TestResult is the outcome of one ONNX backend test directory.
type TestResult struct {
	Name   string `json:"name"`
	Status string `json:"status"` // Pass, Fail or Skip
	Reason string `json:"reason"` // why it failed or was skipped; empty on a pass
	// Ops lists the op types of the model's nodes, once each.
	Ops []string `json:"-"`
}

// badReference names the backend tests of ONNX 1.12 whose reference
// outputs contradict their own model, with the reason. Such a test still
// runs; when it fails, it is skipped with this reason, not failed.
var badReference = map[string]string{
	"test_adam_multiple": "its reference outputs were computed with epsilon 1e-2, which the model does not set (onnx/onnx#7749)",
}

// The tolerances of the backend tests: |got − want| ≤ atol + rtol·|want|,
// as numpy.testing.assert_allclose, which ONNX's runner calls.
const (
	tol32 = 1e-3
	tol64 = 1e-7
)

// RunBackendTest runs one ONNX backend test directory, as ONNX's own runner
// does: model.onnx is imported once per test_data_set_N, with that set's
// input_K.pb, and every output is compared with output_K.pb. An
// unsupported op, attribute, element type or opset skips the test; a
// wrong value, shape or element type, or any other error, fails it.
func RunBackendTest(dir string) (res TestResult) {
	res.Name = filepath.Base(filepath.Clean(dir))
	defer func() {
		if r := recover(); r != nil {
			res.Status, res.Reason = Fail, oneLine(fmt.Sprintf("panic: %v", r))
		}
	}()
	err := runBackendTest(dir, &res)
	if why, ok := badReference[res.Name]; ok && err != nil && !IsUnsupported(err) {
		err = &UnsupportedError{What: "test: " + why + " (" + oneLine(err.Error()) + ")"}
	}
	switch {
	case err == nil:
		res.Status = Pass
	case IsUnsupported(err):
		var u *UnsupportedError
		errors.As(err, &u)
		res.Status, res.Reason = Skip, u.Error()
	default:
		res.Status, res.Reason = Fail, oneLine(err.Error())
	}
	return res
}

func runBackendTest(dir string, res *TestResult) error {
	data, err := os.ReadFile(filepath.Join(dir, "model.onnx"))
	if err != nil {
		return err
	}
	info, err := inspect(data)
	if err != nil {
		return err
	}
	res.Ops = info.ops
	sets, _ := filepath.Glob(filepath.Join(dir, "test_data_set_*"))
	if len(sets) == 0 {
		return fmt.Errorf("no test_data_set_* in %s", dir)
	}
	sort.Strings(sets)
	for _, set := range sets {
		if err := runDataSet(data, info, set); err != nil {
			if len(sets) > 1 && !IsUnsupported(err) {
				return fmt.Errorf("%s: %w", filepath.Base(set), err)
			}
			return err
		}
	}
	return nil
}

// numbered returns the files prefix_0.pb, prefix_1.pb, … of dir in order.
func numbered(dir, prefix string) []string {
	var out []string
	for i := 0; ; i++ {
		p := filepath.Join(dir, prefix+"_"+strconv.Itoa(i)+".pb")
		if _, err := os.Stat(p); err != nil {
			return out
		}
		out = append(out, p)
	}
}

func readTensorFile(path string) (string, *graph.Value, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	name, v, err := ReadTensor(f)
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return name, v, nil
}

func runDataSet(model []byte, info *modelInfo, set string) error {
	given := map[string]*graph.Value{}
	for i, p := range numbered(set, "input") {
		name, v, err := readTensorFile(p)
		if err != nil {
			return err
		}
		if i < len(info.inputs) {
			name = info.inputs[i] // the test format is positional
		}
		if name == "" {
			return fmt.Errorf("%s has no name and the model has no input %d", filepath.Base(p), i)
		}
		given[name] = v
	}
	m, err := ImportBytes(model, Options{Inputs: given})
	if err != nil {
		return err
	}
	if len(m.random) > 0 {
		// ONNX's reference drew its masks from NumPy's generator; ours
		// come from gradgraph's stream: another draw, not a wrong one.
		return unsupported("test of random outputs (%s in training mode draws from gradgraph's stream, the reference from NumPy's)", m.random[0])
	}
	got, err := m.Run()
	if err != nil {
		return err
	}
	wants := numbered(set, "output")
	if len(wants) != len(got) {
		return fmt.Errorf("the model has %d outputs, the test data %d", len(got), len(wants))
	}
	for i, p := range wants {
		_, want, err := readTensorFile(p)
		if err != nil {
			return err
		}
		if err := compare(got[i], want); err != nil {
			return fmt.Errorf("output %q: %w", m.OutputNames[i], err)
		}
	}
	return nil
}

// compare checks got against want with the backend tests' tolerances.
func compare(got, want *graph.Value) error {
	if got.DType() != want.DType() {
		return fmt.Errorf("dtype %s, want %s", got.DType(), want.DType())
	}
	if !got.Shape.Equal(want.Shape) {
		return fmt.Errorf("shape %s, want %s", got.Shape, want.Shape)
	}
	tol := 0.0
	switch got.DType() {
	case graph.Float32:
		tol = tol32
	case graph.Float64:
		tol = tol64
	}
	for i := 0; i < got.Len(); i++ {
		g, w := got.At(i), want.At(i)
		if got.DType() == graph.Int64 {
			if got.I64[i] != want.I64[i] {
				return fmt.Errorf("element %d is %d, want %d", i, got.I64[i], want.I64[i])
			}
			continue
		}
		if math.IsNaN(w) || math.IsNaN(g) {
			if math.IsNaN(w) != math.IsNaN(g) {
				return fmt.Errorf("element %d is %v, want %v", i, g, w)
			}
			continue
		}
		if math.IsInf(w, 0) || math.IsInf(g, 0) {
			if g != w {
				return fmt.Errorf("element %d is %v, want %v", i, g, w)
			}
			continue
		}
		if math.Abs(g-w) > tol+tol*math.Abs(w) {
			return fmt.Errorf("element %d is %v, want %v (tolerance %g)", i, g, w, tol)
		}
	}
	return nil
}

// CheckDirs runs RunBackendTest on every directory in dirs, in order.
func CheckDirs(dirs []string) []TestResult {
	out := make([]TestResult, len(dirs))
	for i, d := range dirs {
		out[i] = RunBackendTest(d)
	}
	return out
}

// Counts returns the number of passed, failed and skipped results.
func Counts(results []TestResult) (passed, failed, skipped int) {
	for _, r := range results {
		switch r.Status {
		case Pass:
			passed++
		case Fail:
			failed++
		default:
			skipped++
		}
	}
	return passed, failed, skipped
}
