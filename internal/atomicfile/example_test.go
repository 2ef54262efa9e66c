package atomicfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

func ExampleWriteFile() {
	dir, _ := os.MkdirTemp("", "atomicfile")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.json")
	_ = atomicfile.WriteFile(path, []byte(`{"cost": "quadratic"}`), 0o644)
	data, _ := os.ReadFile(path)
	fmt.Println(string(data))
	// Output:
	// {"cost": "quadratic"}
}
