// Package imgdir tells the example programs where to write their pictures:
// $GRADGRAPH_IMG_DIR when set, else the directory gradgraph-img under the
// system's temporary directory. `go generate ./docs` sets it to docs/img,
// the only time the pictures the docs show are rewritten; the docs test
// sets it to a temporary directory; a plain `go run ./examples/NAME` leaves
// docs/img alone and says on stderr where its pictures went.
package imgdir

import (
	"fmt"
	"os"
	"path/filepath"
)

// Path returns where the picture called name goes, creating its directory.
func Path(name string) string {
	dir := os.Getenv("GRADGRAPH_IMG_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "gradgraph-img")
		fmt.Fprintf(os.Stderr, "picture: %s (go generate ./docs writes docs/img)\n", filepath.Join(dir, name))
	}
	_ = os.MkdirAll(dir, 0o755)
	return filepath.Join(dir, name)
}
