package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/ops"
)

// The reference table of ops.md is ops.Catalog rendered: this test fails
// when an op is added, renamed or described differently without the page
// following (go test ./docs -update rewrites the table).
const (
	tableBegin = "<!-- begin: ops.Catalog -->"
	tableEnd   = "<!-- end: ops.Catalog -->"
)

func TestOpsReferenceIsTheCatalog(t *testing.T) {
	path := filepath.Join(root, "docs", "ops.md")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	page := string(data)
	i, j := strings.Index(page, tableBegin), strings.Index(page, tableEnd)
	require.True(t, i >= 0 && j > i, "ops.md has no %s … %s section", tableBegin, tableEnd)
	want := tableBegin + "\n" + renderCatalog() + tableEnd
	got := page[i : j+len(tableEnd)]
	if *update && got != want {
		require.NoError(t, os.WriteFile(path, []byte(page[:i]+want+page[j+len(tableEnd):]), 0o644))
		return
	}
	require.Equal(t, want, got, "ops.md's table drifted from ops.Catalog (go test ./docs -update rewrites it)")
}

func renderCatalog() string {
	var b strings.Builder
	b.WriteString("| constructor | ONNX | shape | attributes | computes | VJP (g: the output's adjoint, y: the output) |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	cell := func(s string) string {
		if s == "" {
			return "—"
		}
		return strings.ReplaceAll(s, "|", "\\|")
	}
	for _, op := range ops.Catalog() {
		vjp := op.VJP
		if !op.Differentiable {
			vjp = "not differentiable"
		}
		b.WriteString("| `" + op.Go + "` | " + cell(op.ONNX) + " | " + cell(op.Shape) + " | " + cell(op.Attrs) + " | " +
			cell(op.Formula) + " | " + cell(vjp) + " |\n")
	}
	return b.String()
}
