// Package autodiff is symbolic reverse mode on top of package graph: Grad
// adds the adjoint nodes of a scalar cost to the graph, built from the ops'
// vector-Jacobian products, so that one compiled Program computes the cost
// and its gradients, and a gradient can itself be differentiated.
package autodiff

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

// Grad adds to the graph the adjoint ∂cost/∂x of every x in wrt and returns
// them in order. cost must be a scalar node; wrt may hold any nodes of its
// graph, intermediate ones included (the adjoint of ζ^j is the lecture's B^j
// divided by M). Where a node feeds several others, its adjoint is the sum
// of their contributions. A node that cost does not depend on gets a
// constant zero of its shape.
//
// The adjoint nodes are ordinary nodes: compile them with the cost, and
// apply Grad to one of them (after reducing it to a scalar) for second
// derivatives.
func Grad(cost *graph.Node, wrt ...*graph.Node) ([]*graph.Node, error) {
	if cost == nil {
		return nil, fmt.Errorf("autodiff: grad: nil cost")
	}
	g := cost.Graph()
	if err := g.Err(); err != nil {
		return nil, err
	}
	if !cost.DType().IsFloat() {
		return nil, fmt.Errorf("autodiff: grad: cost %s has dtype %s, want float32 or float64", cost.Name(), cost.DType())
	}
	if cost.Shape().Size() != 1 {
		return nil, fmt.Errorf("autodiff: grad: cost %s has shape %s, want a scalar", cost.Name(), cost.Shape())
	}
	nodes := g.Nodes()
	last := cost.ID()

	// relevant[i]: node i lies on a path from some wrt node to cost.
	fromWrt := make([]bool, last+1)
	for _, x := range wrt {
		if x == nil || x.Graph() != g {
			return nil, fmt.Errorf("autodiff: grad: %v is not a node of the cost's graph", x)
		}
		if !x.DType().IsFloat() {
			return nil, fmt.Errorf("autodiff: grad: %s has dtype %s: only float nodes have gradients", x.Name(), x.DType())
		}
		if x.ID() <= last {
			fromWrt[x.ID()] = true
		}
	}
	for _, n := range nodes[:last+1] {
		for _, in := range n.Inputs() {
			if fromWrt[in.ID()] {
				fromWrt[n.ID()] = true
				break
			}
		}
	}
	toCost := g.Ancestors(cost)

	first := len(nodes) // nodes from here on belong to the backward pass
	contrib := make(map[int][]*graph.Node)
	seed := g.Scalar(1, cost.DType())
	if !cost.Shape().Equal(seed.Shape()) {
		seed = ops.Reshape(seed, cost.Shape()...)
	}
	contrib[last] = []*graph.Node{seed}
	adjoint := make(map[int]*graph.Node)
	for i := last; i >= 0; i-- {
		if !fromWrt[i] || !toCost[i] || len(contrib[i]) == 0 {
			continue
		}
		n := nodes[i]
		adj := ops.Accumulate(contrib[i]...)
		delete(contrib, i)
		adjoint[i] = adj
		if n.Op() == nil {
			continue
		}
		in := n.Inputs()
		need := make([]bool, len(in))
		any := false
		so, _ := n.Op().(graph.ShapeOnly)
		for k, x := range in {
			need[k] = x.DType().IsFloat() && fromWrt[x.ID()] && toCost[x.ID()] && (so == nil || !so.ShapeOnly(k))
			any = any || need[k]
		}
		if !any {
			continue
		}
		parts := n.Op().VJP(n, adj, need)
		if err := g.Err(); err != nil {
			return nil, fmt.Errorf("autodiff: vjp of %s (%s): %w", n.Name(), n.Op().Type(), err)
		}
		if len(parts) != len(in) {
			return nil, fmt.Errorf("autodiff: vjp of %s (%s) returned %d contributions for %d inputs", n.Name(), n.Op().Type(), len(parts), len(in))
		}
		for k, p := range parts {
			if !need[k] {
				continue
			}
			x := in[k]
			if p == nil {
				return nil, fmt.Errorf("autodiff: %s (%s) is not differentiable with respect to its input %d, %s", n.Name(), n.Op().Type(), k, x.Name())
			}
			if !p.Shape().Equal(x.Shape()) || p.DType() != x.DType() {
				return nil, fmt.Errorf("autodiff: vjp of %s (%s) for its input %d, %s: contribution is %s %s, want %s %s",
					n.Name(), n.Op().Type(), k, x.Name(), p.DType(), p.Shape(), x.DType(), x.Shape())
			}
			if ops.IsZero(p) {
				continue
			}
			contrib[x.ID()] = append(contrib[x.ID()], p)
		}
	}
	for _, n := range g.Nodes()[first:] {
		n.MarkBackward()
	}
	out := make([]*graph.Node, len(wrt))
	for k, x := range wrt {
		if a, ok := adjoint[x.ID()]; ok {
			out[k] = a
		} else {
			out[k] = g.Zeros(x.DType(), x.Shape())
			out[k].MarkBackward()
		}
		if out[k].AdjointOf() == nil && out[k].ID() >= first {
			out[k].MarkAdjoint(x)
		}
	}
	return out, g.Err()
}
