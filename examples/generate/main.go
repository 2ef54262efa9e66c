// Command generate regenerates every picture of the docs: it runs each
// example program under examples/ with GRADGRAPH_IMG_DIR=docs/img, then
// renders each Graphviz file (*.dot) written there to PNG with `dot` (from
// the graphviz package) when it is installed. Run it from the repository
// root, or as `go generate ./docs`. The examples are seeded, so the pictures
// come out the same every time.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	root, err := repoRoot()
	if err != nil {
		fail(err)
	}
	img := filepath.Join(root, "docs", "img")
	if err := os.MkdirAll(img, 0o755); err != nil {
		fail(err)
	}
	dirs, err := filepath.Glob(filepath.Join(root, "examples", "*", "main.go"))
	if err != nil {
		fail(err)
	}
	for _, m := range dirs {
		name := filepath.Base(filepath.Dir(m))
		if name == "generate" {
			continue
		}
		fmt.Println("running examples/" + name)
		cmd := exec.Command("go", "run", "./examples/"+name)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GRADGRAPH_IMG_DIR="+img)
		cmd.Stdout, cmd.Stderr = nil, os.Stderr
		if err := cmd.Run(); err != nil {
			fail(fmt.Errorf("examples/%s: %v", name, err))
		}
	}
	dots, _ := filepath.Glob(filepath.Join(img, "*.dot"))
	if _, err := exec.LookPath("dot"); err != nil && len(dots) > 0 {
		fmt.Fprintln(os.Stderr, "generate: graphviz's dot is not installed (apt-get install graphviz): the .dot files stay unrendered")
		return
	}
	for _, d := range dots {
		png := strings.TrimSuffix(d, ".dot") + ".png"
		fmt.Println("rendering", filepath.Base(png))
		cmd := exec.Command("dot", "-Tpng", "-Gdpi=110", "-o", png, d)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fail(fmt.Errorf("dot %s: %v", d, err))
		}
	}
}

// repoRoot walks up from the working directory to the directory of go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "generate:", err)
	os.Exit(1)
}
