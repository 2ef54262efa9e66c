package onnx_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/onnx"
)

var update = flag.Bool("update", false, "rewrite the conformance table of docs/onnx.md")

// The ONNX 1.12 backend node tests, as Debian's libonnx-testdata installs
// them.
const suite = "/usr/share/libonnx-testdata/data/node"

// TestVendoredBackendTests runs the backend tests copied into
// testdata/node, which go test runs without libonnx-testdata: each must
// pass, and together they must use every op of the default domain and of
// the training domain that the importer reads (gradgraph's own domain,
// which ONNX's suite has not, is checked by the export round trips).
func TestVendoredBackendTests(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/node/test_*")
	if len(dirs) < 50 {
		t.Fatalf("only %d vendored backend tests", len(dirs))
	}
	used := map[string]bool{}
	for _, r := range onnx.CheckDirs(dirs) {
		if r.Status != onnx.Pass {
			t.Errorf("%s %s: %s", r.Status, r.Name, r.Reason)
		}
		for _, op := range r.Ops {
			used[op] = true
		}
	}
	for _, op := range onnx.SupportedOps() {
		if !used[op[0]] && !strings.HasPrefix(op[0], onnx.Domain+".") {
			t.Errorf("no vendored backend test uses %s: copy one from %s", op[0], suite)
		}
	}
}

// TestBackendSuite runs the whole suite when it is installed: no test may
// fail (an unsupported op, attribute or element type is a skip), and the
// table of docs/onnx.md must be the one this run gives (-update rewrites
// it).
func TestBackendSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dirs, _ := filepath.Glob(filepath.Join(suite, "test_*"))
	if len(dirs) == 0 {
		t.Skip("libonnx-testdata is not installed")
	}
	results := onnx.CheckDirs(dirs)
	for _, r := range results {
		if r.Status == onnx.Fail {
			t.Errorf("FAIL %s: %s", r.Name, r.Reason)
		}
	}
	table := conformanceTable(results)
	const page = "../docs/onnx.md"
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- begin: conformance -->\n", "<!-- end: conformance -->"
	i, j := strings.Index(string(data), begin), strings.Index(string(data), end)
	if i < 0 || j < i {
		t.Fatalf("%s has no conformance block", page)
	}
	have := string(data[i+len(begin) : j])
	if have == table {
		return
	}
	if *update {
		out := string(data[:i+len(begin)]) + table + string(data[j:])
		if err := os.WriteFile(page, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the conformance table of %s is out of date: go test ./onnx -run TestBackendSuite -update", page)
}

// conformanceTable renders the counts, then one row per op that a test
// uses or the importer reads: whether the importer reads it (with its
// restrictions), how many tests that use it pass and are skipped, and the
// most common reason to skip.
func conformanceTable(results []onnx.TestResult) string {
	type counts struct {
		pass, skip int
		why        map[string]int
	}
	byOp := map[string]*counts{}
	for _, r := range results {
		for _, op := range r.Ops {
			if op == "Constant" && len(r.Ops) > 1 {
				continue
			}
			c := byOp[op]
			if c == nil {
				c = &counts{why: map[string]int{}}
				byOp[op] = c
			}
			if r.Status == onnx.Pass {
				c.pass++
			} else {
				c.skip++
				c.why[r.Reason]++
			}
		}
	}
	read := map[string]string{}
	for _, op := range onnx.SupportedOps() {
		read[op[0]] = "yes"
		if op[1] != "" {
			read[op[0]] = "yes: " + op[1]
		}
		if byOp[op[0]] == nil {
			byOp[op[0]] = &counts{why: map[string]int{}}
		}
	}
	p, f, s := onnx.Counts(results)
	var b strings.Builder
	fmt.Fprintf(&b, "%d tests: %d passed, %d failed, %d skipped.\n\n", len(results), p, f, s)
	b.WriteString("| op | read | tests passed | skipped | the most common reason to skip |\n|---|---|---|---|---|\n")
	var ops []string
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		c := byOp[op]
		why, n := "", 0
		for w, k := range c.why {
			if k > n || (k == n && w < why) {
				why, n = w, k
			}
		}
		r := read[op]
		if r == "" {
			r = "no"
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %s |\n", op, r, c.pass, c.skip, strings.ReplaceAll(why, "|", `\|`))
	}
	return b.String()
}
