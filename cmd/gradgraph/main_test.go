package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runCLI runs the command line in-process.
func runCLI(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

// compareJSON checks every number of want against got, field by field: for
// each array of numbers (or single number) at a path, max|got − want| ≤
// tol(path)·(1 + max|want|), the rule of shared/cases/README.md. Keys in
// want must exist in got; extra keys in got are allowed.
func compareJSON(t *testing.T, path string, want, got any, tol func(path string) float64) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		require.Truef(t, ok, "%s: got %T, want an object", path, got)
		for k, v := range w {
			gv, ok := g[k]
			require.Truef(t, ok, "%s.%s: missing", path, k)
			compareJSON(t, path+"."+k, v, gv, tol)
		}
	case []any:
		g, ok := got.([]any)
		require.Truef(t, ok, "%s: got %T, want an array", path, got)
		require.Lenf(t, g, len(w), "%s: length", path)
		if len(w) > 0 {
			if _, isNum := flatten(w); isNum {
				wf, _ := flatten(w)
				gf, ok := flatten(g)
				require.Truef(t, ok, "%s: got non-numbers", path)
				require.Lenf(t, gf, len(wf), "%s: number count", path)
				checkClose(t, path, wf, gf, tol(path))
				return
			}
		}
		for i := range w {
			compareJSON(t, path+"[]", w[i], g[i], tol)
		}
	case float64:
		g, ok := got.(float64)
		require.Truef(t, ok, "%s: got %T, want a number", path, got)
		checkClose(t, path, []float64{w}, []float64{g}, tol(path))
	default:
		assert.Equalf(t, want, got, "%s", path)
	}
}

// flatten returns the numbers of a (nested) array and whether it holds only
// numbers.
func flatten(a []any) ([]float64, bool) {
	var out []float64
	for _, x := range a {
		switch v := x.(type) {
		case float64:
			out = append(out, v)
		case []any:
			f, ok := flatten(v)
			if !ok {
				return nil, false
			}
			out = append(out, f...)
		default:
			return nil, false
		}
	}
	return out, true
}

func checkClose(t *testing.T, path string, want, got []float64, tol float64) {
	t.Helper()
	var maxWant, maxDiff float64
	for i := range want {
		maxWant = math.Max(maxWant, math.Abs(want[i]))
		maxDiff = math.Max(maxDiff, math.Abs(got[i]-want[i]))
	}
	assert.LessOrEqualf(t, maxDiff, tol*(1+maxWant), "%s: max |got − want| = %g", path, maxDiff)
}

func sampleCases(t *testing.T, dir string) []string {
	specs, err := filepath.Glob(filepath.Join("..", "..", "testdata", dir, "*.spec.json"))
	require.NoError(t, err)
	require.NotEmpty(t, specs)
	return specs
}

func TestGradcheckSamples(t *testing.T) {
	for _, spec := range sampleCases(t, "gradcheck") {
		t.Run(filepath.Base(spec), func(t *testing.T) {
			out, errOut, code := runCLI("gradcheck", "--spec", spec, "--json")
			require.Equal(t, 0, code, errOut)
			require.Empty(t, errOut)
			var got, want any
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			data, err := os.ReadFile(strings.TrimSuffix(spec, ".spec.json") + ".expected.json")
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &want))
			// The independent implementation's max_abs_diff values are its
			// own rounding; ours need only be small (checked below).
			delete(want.(map[string]any), "max_abs_diff")
			compareJSON(t, "", want, got, func(path string) float64 {
				if strings.HasSuffix(path, ".numeric") {
					return 1e-5
				}
				return 1e-9
			})
			d := got.(map[string]any)["max_abs_diff"].(map[string]any)
			assert.Less(t, d["manual_vs_autodiff"].(float64), 1e-12)
			assert.Less(t, d["autodiff_vs_numeric"].(float64), 1e-7)
		})
	}
}

func TestGradcheckFloat32(t *testing.T) {
	for _, spec := range sampleCases(t, "gradcheck") {
		out, errOut, code := runCLI("gradcheck", "--spec", spec, "--json", "--dtype", "float32")
		require.Equal(t, 0, code, errOut)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		assert.Equal(t, "float32", got["dtype"])
		assert.Equal(t, true, got["agree"])
	}
}

func TestGradcheckTable(t *testing.T) {
	out, errOut, code := runCLI("gradcheck", "--spec", sampleCases(t, "gradcheck")[0])
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "layer  pair                 max abs   max rel   verdict\n")
	assert.Regexp(t, `(?m)^1 +manual vs autodiff +\S+ +\S+ +ok$`, out)
	assert.Regexp(t, `(?m)^2 +autodiff vs numeric +\S+ +\S+ +ok$`, out)
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// TestBadInputOneLine checks that bad input ends with one line on stderr,
// a non-zero status and nothing on stdout.
func TestBadInputOneLine(t *testing.T) {
	good := `{"cost": "quadratic", "layers": [{"activation": "sigmoid", "weights": [[0.1, -0.2], [0.3, 0.4], [0.5, -0.6]], "bias": [0.01, -0.02]}, {"activation": "identity", "weights": [[0.7], [-0.8]], "bias": [0.03]}], "inputs": [[1.0, 0.5], [-1.0, 2.0], [0.0, 1.0]], "targets": [[0.25, -0.5]]}`
	chained := strings.Replace(good, `"weights": [[0.7], [-0.8]]`, `"weights": [[0.7], [-0.8], [0.9]]`, 1)
	tests := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"missing spec", []string{"gradcheck"}, "gradgraph: --spec is required", 2},
		{"unknown flag", []string{"gradcheck", "--sepc", "x"}, "gradgraph: --sepc: not a flag of gradgraph gradcheck (see gradgraph gradcheck --help)", 2},
		{"bad dtype", []string{"gradcheck", "--spec", "x", "--dtype", "float16"}, `gradgraph: --dtype: unknown dtype "float16" (want float64 or float32)`, 2},
		{"bad epsilon", []string{"gradcheck", "--spec", "x", "--epsilon", "-1"}, "gradgraph: --epsilon: -1, want a number in (0, 1]", 2},
		{"no such file", []string{"gradcheck", "--spec", "/nonexistent/net.json"}, "gradgraph: --spec: /nonexistent/net.json: no such file or directory", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(tt.args...)
			assert.Equal(t, tt.code, code)
			assert.Empty(t, out)
			assert.Equal(t, tt.want+"\n", errOut)
		})
	}
	t.Run("shapes do not chain", func(t *testing.T) {
		p := writeTemp(t, "net.json", chained)
		out, errOut, code := runCLI("gradcheck", "--spec", p, "--json")
		assert.Equal(t, 1, code)
		assert.Empty(t, out)
		assert.Equal(t, "gradgraph: "+p+": layers[1].weights: got 3x1, want 2x1\n", errOut)
	})
}

func TestUnknownCommand(t *testing.T) {
	out, errOut, code := runCLI("frobnicate")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Regexp(t, `^gradgraph: unknown command "frobnicate" \(want [a-z, ]*gradcheck[a-z, ]*\)\n$`, errOut)
}

func TestHelpExitsZero(t *testing.T) {
	for _, cmd := range []string{"gradcheck"} {
		out, errOut, code := runCLI(cmd, "--help")
		assert.Equal(t, 0, code)
		assert.Empty(t, errOut)
		assert.Contains(t, out, "Usage: gradgraph "+cmd)
	}
	out, _, code := runCLI("--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "gradcheck")
}

func TestOptimizeSamples(t *testing.T) {
	for _, spec := range sampleCases(t, "optimize") {
		t.Run(filepath.Base(spec), func(t *testing.T) {
			out, errOut, code := runCLI("optimize", "--spec", spec, "--json")
			require.Equal(t, 0, code, errOut)
			var got, want any
			require.NoError(t, json.Unmarshal([]byte(out), &got))
			data, err := os.ReadFile(strings.TrimSuffix(spec, ".spec.json") + ".expected.json")
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &want))
			compareJSON(t, "", want, got, func(string) float64 { return 1e-9 })
		})
	}
}

func TestOptimizeTable(t *testing.T) {
	spec := filepath.Join("..", "..", "testdata", "optimize", "sample_op_sgd.spec.json")
	out, errOut, code := runCLI("optimize", "--spec", spec)
	require.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(out, "sgd, 6 steps, batch full\n"), out)
	assert.Regexp(t, `(?m)^    5  [0-9.e-]+$`, out)
}

// TestOptimizeBadSpecs: each bad hyperparameter, schedule or field gets its
// one line.
func TestOptimizeBadSpecs(t *testing.T) {
	net := `{"cost": "quadratic", "layers": [{"activation": "identity", "weights": [[0.5], [-0.5]], "bias": [0]}], "inputs": [[1, 2, 3, 4], [0, 1, 0, 1]], "targets": [[1, 2, 3, 4]]}`
	tests := []struct {
		name, rest, want string
	}{
		{"unknown rule", `"solver": {"rule": "adamw"}, "steps": 3`,
			`solver.rule: unknown rule "adamw" (want sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam or delta_bar_delta)`},
		{"foreign hyperparameter", `"solver": {"rule": "adadelta", "eta": 0.1}, "steps": 3`, "solver.eta: not a parameter of adadelta"},
		{"rho out of range", `"solver": {"rule": "rmsprop", "rho": 1.5}, "steps": 3`, "solver.rho: 1.5 out of range [0, 1)"},
		{"negative eta", `"solver": {"rule": "sgd", "eta": -0.1}, "steps": 3`, "solver.eta: -0.1 out of range (0, +Inf)"},
		{"schedule for adadelta", `"solver": {"rule": "adadelta"}, "schedule": {"kind": "inverse", "decay": 0.1}, "steps": 3`,
			`schedule.kind: "inverse" not allowed with adadelta (only constant)`},
		{"unknown schedule", `"solver": {"rule": "sgd"}, "schedule": {"kind": "cosine"}, "steps": 3`, ""},
		{"zero steps", `"solver": {"rule": "sgd"}, "steps": 0`, "steps: got 0, want a positive integer"},
		{"fractional steps", `"solver": {"rule": "sgd"}, "steps": 2.5`, "steps: got 2.5, want a positive integer"},
		{"missing steps", `"solver": {"rule": "sgd"}`, "steps: missing"},
		{"batch does not divide", `"solver": {"rule": "sgd"}, "steps": 2, "batch_size": 3`, "batch_size: 3 does not divide the 4 samples (columns of network.inputs)"},
		{"unknown field", `"solver": {"rule": "sgd"}, "steps": 2, "epochs": 3`, "epochs: unknown field (want network, solver, schedule, steps, batch_size)"},
		{"diverges", `"solver": {"rule": "sgd", "eta": 1e300}, "steps": 3`, "steps[1].cost: +Inf: the run diverged (try a smaller eta)"},
		{"duplicate top-level key", `"solver": {"rule": "sgd"}, "steps": 2, "steps": 3`, "steps: duplicate field"},
		{"duplicate solver key", `"solver": {"rule": "sgd", "eta": 0.1, "eta": 0.5}, "steps": 2`, "solver.eta: duplicate field"},
		{"duplicate schedule key", `"solver": {"rule": "sgd"}, "schedule": {"kind": "constant", "kind": "inverse", "decay": 1}, "steps": 2`, "schedule.kind: duplicate field"},
		{"duplicate network key", `"solver": {"rule": "sgd"}, "steps": 2, "network": {}`, "network: duplicate field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, "run.json", `{"network": `+net+`, `+tt.rest+`}`)
			out, errOut, code := runCLI("optimize", "--spec", p, "--json")
			assert.Equal(t, 1, code)
			assert.Empty(t, out)
			require.True(t, strings.HasPrefix(errOut, "gradgraph: "+p+": "), errOut)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line")
			if tt.want != "" {
				assert.Equal(t, "gradgraph: "+p+": "+tt.want+"\n", errOut)
			}
		})
	}
	t.Run("network field", func(t *testing.T) {
		bad := strings.Replace(net, `"identity"`, `"swish"`, 1)
		p := writeTemp(t, "run.json", `{"network": `+bad+`, "solver": {"rule": "sgd"}, "steps": 1}`)
		_, errOut, code := runCLI("optimize", "--spec", p)
		assert.Equal(t, 1, code)
		assert.Equal(t, "gradgraph: "+p+`: network.layers[0].activation: unknown activation "swish" (want identity, sigmoid, tanh, relu or softmax)`+"\n", errOut)
	})
}

// A spec whose gradients are NaN or infinite fails the check, naming the
// first value that is not finite, in both output modes and both dtypes;
// --json prints nothing rather than a document JSON cannot hold.
func TestGradcheckNonFiniteFails(t *testing.T) {
	saturated := writeTemp(t, "saturated.json", `{"cost":"binary_cross_entropy","layers":[{"activation":"sigmoid","weights":[[30],[30]],"bias":[0.1]}],"inputs":[[1,-2],[0.5,3]],"targets":[[1,0]]}`)
	huge := writeTemp(t, "huge.json", `{"cost":"binary_cross_entropy","layers":[{"activation":"sigmoid","weights":[[1e30],[1e30]],"bias":[0.1]}],"inputs":[[1e308,-2],[0.5,3]],"targets":[[1,0]]}`)
	hugeWeights := writeTemp(t, "huge32.json", `{"cost":"quadratic","layers":[{"activation":"identity","weights":[[1e30],[1e30]],"bias":[0.1]}],"inputs":[[1e10,-2],[0.5,3]],"targets":[[1,0]]}`)
	// In float64 the saturated sigmoid's cost is finite (15.05…): the
	// graph, like the closed form, leaves out the terms of weight 0 rather
	// than computing 0·ln 0 = NaN. Manual and autodiff then agree to the
	// bit; the numeric differences of a function flat in float64 do not,
	// and the check fails on that, as it should.
	out, _, code := runCLI("gradcheck", "--spec", saturated)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `(?m)^1\s+manual vs autodiff\s+0\.00e\+00\s+0\.00e\+00\s+ok$`, out)
	assert.Regexp(t, `(?m)^1\s+autodiff vs numeric .* DIFFER$`, out)
	for _, c := range []struct{ spec, dtype string }{
		{saturated, "float32"}, {huge, "float64"}, {hugeWeights, "float32"},
	} {
		out, errOut, code := runCLI("gradcheck", "--spec", c.spec, "--dtype", c.dtype)
		assert.Equal(t, 1, code, "%s %s: %s", c.spec, c.dtype, out)
		assert.Regexp(t, `^gradgraph: gradcheck: \S+ is (NaN|[+-]Inf), not a finite number: the gradients cannot be compared\n$`, errOut)
		assert.NotRegexp(t, `(?m) ok$`, out, "no pair with a value that is not finite is ok")
		assert.Contains(t, out, "NOT FINITE")

		out, errOut, code = runCLI("gradcheck", "--spec", c.spec, "--dtype", c.dtype, "--json")
		assert.Equal(t, 1, code)
		assert.Empty(t, out)
		assert.NotContains(t, errOut, "json:")
		assert.Contains(t, errOut, "not a finite number")
	}
}

// Sizes that would exhaust memory are usage errors (or, in a spec, input
// errors) before anything is allocated: one line, never the runtime's
// out-of-memory crash.
func TestResourceBounds(t *testing.T) {
	run := writeTemp(t, "run.json", `{"network": {"cost": "quadratic", "layers": [{"activation": "identity", "weights": [[0.5], [-0.5]], "bias": [0]}], "inputs": [[1, 2], [0, 1]], "targets": [[1, 2]]}, "solver": {"rule": "sgd"}, "steps": 1000000000}`)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"train", "--layers", "1000000000"}, 2, "--layers: 1000000000: more than the 268435456 (2^28) parameters a network may have"},
		{[]string{"train", "--layers", "20000,20000"}, 2, "--layers: 20000,20000: more than the 268435456 (2^28) parameters a network may have"},
		{[]string{"train", "--epochs", "2000000"}, 2, "--epochs: 2000000, more than the 1000000 a run may have"},
		{[]string{"bench", "--batch", "1000000000"}, 2, "--batch: a batch of 1000000000 through 784-256-128-10 holds 1.18e+12 values, more than the 134217728 (2^27) allowed"},
		{[]string{"bench", "--steps", "2000000000"}, 2, "--steps: 2000000000, want 1 to 1000000"},
		{[]string{"bench", "--model", "resnet"}, 2, `--model: "resnet", want mlp, lenet or conv3x3`},
		{[]string{"bench", "--model", "lenet", "--batch", "5000"}, 2, "--batch: 5000, want at most 4096 for --model lenet"},
		{[]string{"bench", "--model", "lenet", "--layers", "64"}, 2, "--layers: only for --model mlp, not lenet"},
		{[]string{"bench", "--model", "conv3x3", "--peer"}, 2, "--peer: only for --model mlp, not conv3x3"},
		{[]string{"bench", "--model", "conv3x3", "--rule", "adam"}, 2, "--rule: --model conv3x3 times no update"},
		{[]string{"optimize", "--spec", run, "--json"}, 1, run + ": steps: 1000000000 steps of a network of 3 parameters make 4e+09 numbers, more than the 4000000 that --json prints (take fewer steps, or leave out --json for the costs alone)"},
	} {
		out, errOut, code := runCLI(c.args...)
		assert.Equal(t, c.code, code, c.args)
		assert.Empty(t, out)
		assert.Equal(t, "gradgraph: "+c.want+"\n", errOut)
	}
}

// TestInputFilesBounded: a spec or model must be a regular file of at most
// 256 MiB; a FIFO is refused at once instead of blocking.
func TestInputFilesBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(maxInputBytes+1)) // sparse: no disk used
	require.NoError(t, f.Close())
	for _, args := range [][]string{{"gradcheck", "--spec"}, {"optimize", "--spec"}, {"eval", "--model"}} {
		done := make(chan string, 1)
		go func() { _, errOut, _ := runCLI(append(args, fifo)...); done <- errOut }()
		select {
		case errOut := <-done:
			assert.Equal(t, "gradgraph: "+args[1]+": "+fifo+": not a regular file\n", errOut)
		case <-time.After(10 * time.Second):
			t.Fatalf("%v on a FIFO blocked", args)
		}
		_, errOut, code := runCLI(append(args, big)...)
		assert.Equal(t, 1, code)
		assert.Equal(t, "gradgraph: "+args[1]+": "+big+": 268435457 bytes, more than the 268435456 (256 MiB) a spec or model may have\n", errOut)
	}
}

// TestCommandLine: no arguments is a usage error (the usage on stderr),
// --version reads the build information, a mistyped command gets a
// suggestion, flag errors name the flag with two dashes, and a stray
// argument is a usage error (exit 2) like the others.
func TestCommandLine(t *testing.T) {
	out, errOut, code := runCLI()
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "Usage: gradgraph COMMAND")

	out, errOut, code = runCLI("--version")
	assert.Equal(t, 0, code)
	assert.Empty(t, errOut)
	assert.Regexp(t, `^gradgraph \S+.*, go1\.\d+`, out)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trian"}, `unknown command "trian" (want bench, eval, gradcheck, onnx, optimize, train); did you mean train?`},
		{[]string{"gradchek", "--spec", "x"}, `unknown command "gradchek" (want bench, eval, gradcheck, onnx, optimize, train); did you mean gradcheck?`},
		{[]string{"fit"}, `unknown command "fit" (want bench, eval, gradcheck, onnx, optimize, train)`},
		{[]string{"train", "--epochs"}, "--epochs: needs a value"},
		{[]string{"train", "-epochs"}, "--epochs: needs a value"},
		{[]string{"train", "--epochs", "ten"}, `--epochs: invalid value "ten": want an integer`},
		{[]string{"train", "--seed", "-1"}, `--seed: invalid value "-1": want a non-negative integer`},
		{[]string{"train", "--eta", "fast"}, `--eta: invalid value "fast": want a number`},
		{[]string{"train", "--json=maybe"}, `--json: invalid value "maybe": want true or false`},
		{[]string{"train", "--learning-rate", "0.1"}, "--learning-rate: not a flag of gradgraph train (see gradgraph train --help)"},
		{[]string{"train", "-x"}, "--x: not a flag of gradgraph train (see gradgraph train --help)"},
		{[]string{"train", "--schedule", "cosine"}, `--schedule: unknown kind "cosine" (want constant, inverse or exponential)`},
		{[]string{"gradcheck", "--spec", "x.json", "extra"}, `gradcheck: unexpected argument "extra" (flags come as --name value)`},
		{[]string{"train", "adam"}, `train: unexpected argument "adam" (flags come as --name value)`},
		{[]string{"eval", "--model", "m.json", "--data", "d", "x"}, `eval: unexpected argument "x" (flags come as --name value)`},
	} {
		out, errOut, code := runCLI(c.args...)
		assert.Equal(t, 2, code, c.args)
		assert.Empty(t, out)
		assert.Equal(t, "gradgraph: "+c.want+"\n", errOut, c.args)
	}
}
