package graph

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteDOT writes the graph in Graphviz DOT format: one box per node with
// its name, op and shape. Inputs are green, params blue, consts grey, and
// nodes added by differentiation are drawn dashed in red, with the adjoint of
// a node labelled ∂/∂name. With nodes given, only they and their ancestors
// are drawn.
func (g *Graph) WriteDOT(w io.Writer, nodes ...*Node) error {
	keep := g.Ancestors(nodes...)
	if len(nodes) == 0 {
		for i := range keep {
			keep[i] = true
		}
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "digraph gradgraph {")
	fmt.Fprintln(bw, "  rankdir=BT;")
	fmt.Fprintln(bw, `  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];`)
	for _, n := range g.nodes {
		if !keep[n.id] {
			continue
		}
		what := n.kind.String()
		if n.op != nil {
			what = n.op.Type()
		}
		label := n.Name()
		if n.kind == KindConst && n.name == "" && n.shape.Size() == 1 && n.val != nil {
			label = fmt.Sprintf("%g", n.val.At(0)) // a scalar constant reads best as its value
		}
		if n.adjointOf != nil {
			label = "∂/∂" + n.adjointOf.Name()
			if n.name != "" && n.name != label {
				label = n.name + "\\n" + label
			}
		}
		attrs := ""
		switch {
		case n.backward || n.adjointOf != nil:
			attrs = `, style="rounded,dashed,filled", color=red, fillcolor="#fff0f0"`
		case n.kind == KindInput:
			attrs = `, fillcolor="#e6f5e6"`
		case n.kind == KindParam:
			attrs = `, fillcolor="#e6eefa"`
		case n.kind == KindConst:
			attrs = `, fillcolor="#eeeeee"`
		case n.kind == KindState:
			attrs = `, fillcolor="#fff5e0"`
		}
		fmt.Fprintf(bw, "  n%d [label=\"%s\\n%s\\n%s\"%s];\n", n.id, escape(label), escape(what), n.shape, attrs)
	}
	for _, n := range g.nodes {
		if !keep[n.id] {
			continue
		}
		for _, in := range n.inputs {
			fmt.Fprintf(bw, "  n%d -> n%d;\n", in.id, n.id)
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

func escape(s string) string {
	return strings.NewReplacer(`"`, `\"`, "\n", `\n`).Replace(s)
}
