package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryExportedNameHasADocComment walks every non-test Go file of the
// module and reports exported functions, methods (of exported types), types,
// constants and variables without a doc comment. A constant or variable in
// a documented group counts as documented, as golint has it.
func TestEveryExportedNameHasADocComment(t *testing.T) {
	var missing []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil // commands document themselves in their package comment
		}
		if ast.IsGenerated(f) {
			return nil // generated code (protoc-gen-go's) is documented by its source
		}
		rel, _ := filepath.Rel(root, path)
		report := func(pos token.Pos, what string) {
			missing = append(missing, rel+":"+strconv.Itoa(fset.Position(pos).Line)+": "+what)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if !d.Name.IsExported() || d.Doc != nil {
					continue
				}
				if d.Recv != nil {
					if !exportedRecv(d.Recv) {
						continue
					}
					report(d.Pos(), "method "+recvName(d.Recv)+"."+d.Name.Name)
					continue
				}
				report(d.Pos(), "func "+d.Name.Name)
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
							report(s.Pos(), "type "+s.Name.Name)
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() && s.Doc == nil && d.Doc == nil && s.Comment == nil {
								report(n.Pos(), "value "+n.Name)
							}
						}
					}
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, missing, "exported names without a doc comment")
}

func exportedRecv(r *ast.FieldList) bool {
	name := recvName(r)
	return name != "" && ast.IsExported(name)
}

func recvName(r *ast.FieldList) string {
	if r == nil || len(r.List) == 0 {
		return ""
	}
	t := r.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
