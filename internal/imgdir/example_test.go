package imgdir_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/internal/imgdir"
)

// Path puts a picture under $GRADGRAPH_IMG_DIR, creating the directory.
func ExamplePath() {
	dir := filepath.Join(os.TempDir(), "gradgraph-imgdir-example")
	defer os.RemoveAll(dir)
	os.Setenv("GRADGRAPH_IMG_DIR", dir)
	defer os.Unsetenv("GRADGRAPH_IMG_DIR")
	p := imgdir.Path("bowl.png")
	_, err := os.Stat(filepath.Dir(p))
	fmt.Println(filepath.Base(p), err)
	// Output:
	// bowl.png <nil>
}
