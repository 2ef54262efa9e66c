// Package imgdir tells the example programs where to write their pictures:
// $GRADGRAPH_IMG_DIR when set (the docs test points it at a temporary
// directory), else docs/img under the current directory, which is where
// `go generate ./docs` runs them from the repository root.
package imgdir

import (
	"os"
	"path/filepath"
)

// Path returns where the picture called name goes, creating its directory.
func Path(name string) string {
	dir := os.Getenv("GRADGRAPH_IMG_DIR")
	if dir == "" {
		dir = filepath.Join("docs", "img")
	}
	_ = os.MkdirAll(dir, 0o755)
	return filepath.Join(dir, name)
}
