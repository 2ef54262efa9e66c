// Package docs holds gradgraph's tutorials (the Markdown files in this
// directory) and the test that keeps them true.
//
// A tutorial shows code and output only through three markers, each
// followed by a fenced block:
//
//	<!-- include: examples/firstgraph/main.go -->   the block is that file, verbatim
//	<!-- include: models/mlp/manual.go#backward --> the lines between "// docs:begin backward" and "// docs:end backward" in that file
//	<!-- output: examples/firstgraph -->            the block is what `go run ./examples/firstgraph` prints
//	<!-- run: gradgraph gradcheck --spec F -->      the block is what that command prints
//
// A run or output marker may end with "| mask: REGEXP": matches are replaced
// by … on both sides before comparing (for timings). Every ```go block must
// be an include, so every Go line shown is compiled and run. TestDocs fails
// when a page drifts from the code; `go test ./docs -update` rewrites the
// blocks from the code (`go test ./docs -run 'TestDocs/^mnist.md$' -update`
// for one page), and `go generate ./docs` regenerates the pictures.
package docs

//go:generate go run ../examples/generate
