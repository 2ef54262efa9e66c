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

// Without $GRADGRAPH_IMG_DIR, pictures go to a temporary directory, never
// into the repository's docs/img.
func ExamplePath_default() {
	old, had := os.LookupEnv("GRADGRAPH_IMG_DIR")
	os.Unsetenv("GRADGRAPH_IMG_DIR")
	defer func() {
		if had {
			os.Setenv("GRADGRAPH_IMG_DIR", old)
		}
	}()
	p := imgdir.Path("bowl.png")
	fmt.Println(p == filepath.Join(os.TempDir(), "gradgraph-img", "bowl.png"))
	// Output:
	// true
}
