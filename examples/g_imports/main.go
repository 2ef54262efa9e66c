// Command g_imports draws the import graph of gradgraph's own packages as
// a Graphviz file, from `go list` run in the repository root. An arrow
// a → b means that a imports b; an arrow that a longer path already
// implies is left out (a transitive reduction), so the picture shows the
// layers: a package may use everything below it along the arrows.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"

	"github.com/gradgraph/gradgraph/internal/imgdir"
)

const module = "github.com/gradgraph/gradgraph/"

// group colours the packages by role.
var group = map[string]string{
	"graph": "#e6eefa", "ops": "#e6eefa", "autodiff": "#e6eefa", "blas": "#e6eefa",
	"internal/par": "#e6eefa", "internal/vec": "#e6eefa",
	"models/mlp": "#e6f5e6", "solvers": "#e6f5e6", "train": "#e6f5e6",
	"models/lenet": "#e6f5e6", "models/vit": "#e6f5e6", "models/charlstm": "#e6f5e6", "models/vae": "#e6f5e6",
	"datasets": "#fff5e0", "plots": "#fff5e0",
	"cmd/gradgraph": "#f5e6f5", "bench/nodetimes": "#f5e6f5", "onnx": "#f5e6f5",
}

func main() {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").Output()
	if err != nil {
		fail(err)
	}
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg, ok := local(fields[0])
		if !ok {
			continue
		}
		imports[pkg] = nil
		for _, imp := range fields[1:] {
			if dep, ok := local(imp); ok {
				imports[pkg] = append(imports[pkg], dep)
			}
		}
	}
	pkgs := make([]string, 0, len(imports))
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)

	var b strings.Builder
	b.WriteString("digraph imports {\n  rankdir=TB;\n")
	b.WriteString(`  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];` + "\n")
	for _, p := range pkgs {
		fill := group[p]
		if fill == "" {
			fill = "#eeeeee"
		}
		fmt.Fprintf(&b, "  %q [fillcolor=%q];\n", p, fill)
	}
	for _, p := range pkgs {
		deps := imports[p]
		sort.Strings(deps)
		for _, d := range deps {
			if !indirect(imports, p, d) {
				fmt.Fprintf(&b, "  %q -> %q;\n", p, d)
			}
		}
	}
	b.WriteString("}\n")
	if err := os.WriteFile(imgdir.Path("architecture-imports.dot"), []byte(b.String()), 0o644); err != nil {
		fail(err)
	}
}

// local returns the path of one of gradgraph's own packages inside the
// module; examples, the docs and the helper for their pictures are left out.
func local(path string) (string, bool) {
	p, ok := strings.CutPrefix(path, module)
	if !ok || strings.HasPrefix(p, "examples/") || p == "docs" || p == "internal/imgdir" || strings.Contains(p, "/internal/") {
		return "", false
	}
	return p, true
}

// indirect reports whether to is reachable from from through another of
// from's imports, so the direct arrow adds nothing to the picture.
func indirect(imports map[string][]string, from, to string) bool {
	for _, mid := range imports[from] {
		if mid != to && reaches(imports, mid, to, map[string]bool{}) {
			return true
		}
	}
	return false
}

func reaches(imports map[string][]string, from, to string, seen map[string]bool) bool {
	if from == to {
		return true
	}
	if seen[from] {
		return false
	}
	seen[from] = true
	for _, next := range imports[from] {
		if reaches(imports, next, to, seen) {
			return true
		}
	}
	return false
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "g_imports:", err)
	os.Exit(1)
}
