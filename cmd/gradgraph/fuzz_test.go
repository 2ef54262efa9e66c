package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// FuzzParseRunSpec feeds arbitrary bytes to the optimize spec parser: it
// must never panic, and every error must be one line.
func FuzzParseRunSpec(f *testing.F) {
	specs, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "optimize", "*.spec.json"))
	for _, p := range specs {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	net := `{"cost": "quadratic", "layers": [{"activation": "identity", "weights": [[1]], "bias": [0]}], "inputs": [[1, 2]], "targets": [[0, 1]]}`
	for _, s := range []string{
		`{}`, `[]`, `null`, ``, `{"network": ` + net + `}`,
		`{"network": ` + net + `, "solver": {"rule": "sgd"}, "steps": 1e300}`,
		`{"network": ` + net + `, "solver": {"rule": "sgd", "eta": 1e-400}, "steps": 1}`,
		`{"network": ` + net + `, "solver": {"rule": "adam"}, "schedule": {"kind": "inverse"}, "steps": 2, "batch_size": 1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			rs, err := parseRunSpec(data, dt)
			if err != nil {
				if strings.ContainsAny(err.Error(), "\n\r") {
					t.Fatalf("multi-line error: %q", err)
				}
				continue
			}
			if rs.steps <= 0 || rs.spec == nil || rs.solver.Rule == nil {
				t.Fatalf("accepted an incomplete spec: %+v", rs)
			}
		}
	})
}
