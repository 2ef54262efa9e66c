package ops

import (
	"fmt"
	"strings"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Einsum lowers an Einstein summation to the ops it is made of, so its
// VJP — of any order — is theirs: a ReduceSum for an index only one
// operand has and the output lacks, a Mul by an identity mask and a
// ReduceSum for an index repeated within an operand (a diagonal), and for
// each pair of operands, folded left to right, one batched MatMul (or a
// broadcasting Mul when they share no summed index) between Transposes
// and Reshapes that are left out wherever the axes already lie right.

func init() {
	register(OpInfo{Go: "Einsum", ONNX: "Einsum", Shape: "the output subscripts' lengths (implicit: the ellipsis, then the indices used once, sorted)",
		Attrs: "equation", Formula: "Σ over the indices not in the output of the operands' product",
		VJP: "from its ops (Transpose, Reshape, MatMul, Mul, ReduceSum)", Differentiable: true})
}

// Einsum evaluates the Einstein summation equation over its operands (ONNX
// Einsum, NumPy's einsum): "ij,jk->ik" is a matrix product, "bhqd,bhkd->
// bhqk" attention scores, "i,i->" a dot product, "ij->ji" a transpose and
// "ii->i" a diagonal. Indices are letters; "..." stands for the axes an
// operand has beyond its letters, which broadcast across operands (aligned
// from the right) as in NumPy, and which an explicit output must then hold
// too (NumPy's rule, which ONNX follows). Without "->" the output is the
// ellipsis axes followed by the letters that occur once, in character code
// order (uppercase first). An index the output lacks is summed over; one
// repeated within an operand takes its diagonal. Spaces are ignored. Any
// number of operands is taken, contracted left to right; they must share
// one float dtype. An index's lengths must agree across operands.
func Einsum(equation string, operands ...*graph.Node) *graph.Node {
	if len(operands) == 0 || operands[0] == nil {
		panic("ops: Einsum needs a non-nil first operand")
	}
	if f := anyFailed(operands...); f != nil {
		return f
	}
	shapes := make([]graph.Shape, len(operands))
	for i, x := range operands {
		if x == nil {
			return invalid("Einsum", fmt.Errorf("operand %d is nil", i), operands...)
		}
		shapes[i] = x.Shape()
	}
	in := metas(operands...)
	if err := wantFloat(in); err != nil {
		return invalid("Einsum", graph.DTypesError(in, "are not float32 or float64 alike"), operands...)
	}
	spec, err := parseEinsum(equation, shapes)
	if err != nil {
		verb := "do not"
		if len(in) == 1 {
			verb = "does not"
		}
		return invalid("Einsum", graph.ShapesError(in, fmt.Sprintf("%s fit %q: %v", verb, equation, err)), operands...)
	}
	return spec.build(operands)
}

// The labels of an equation: the letters are 0–51 (a–z, A–Z), the axes of
// the ellipsis ellipsisLabel + j, j counted in the widest ellipsis, so
// that the operands' ellipsis axes align from the right.
const (
	ellipsisLabel = 52
	numLabels     = ellipsisLabel + graph.MaxRank
)

func labelName(l int) string {
	switch {
	case l < 26:
		return string(rune('a' + l))
	case l < ellipsisLabel:
		return string(rune('A' + l - 26))
	}
	return fmt.Sprintf("…%d", l-ellipsisLabel)
}

// einsumSpec is a parsed equation: each operand's labels, axis by axis, the
// output's, and every label's length (the broadcast of the ellipsis
// axes).
type einsumSpec struct {
	terms [][]int
	out   []int
	size  [numLabels]int
}

// parseTerm splits one term into its letters' labels, with −1 where the
// ellipsis stands.
func parseTerm(t string) ([]int, error) {
	var ls []int
	seen := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'a' && c <= 'z':
			ls = append(ls, int(c-'a'))
		case c >= 'A' && c <= 'Z':
			ls = append(ls, int(c-'A')+26)
		case strings.HasPrefix(t[i:], "..."):
			if seen {
				return nil, fmt.Errorf("term %q has two ellipses", t)
			}
			seen = true
			ls = append(ls, -1)
			i += 2
		default:
			return nil, fmt.Errorf("term %q holds %q, not a letter or an ellipsis", t, t[i:i+1])
		}
	}
	return ls, nil
}

func parseEinsum(eq string, shapes []graph.Shape) (*einsumSpec, error) {
	eq = strings.Join(strings.Fields(eq), "")
	lhs, rhs, explicit := strings.Cut(eq, "->")
	if strings.Contains(rhs, "->") {
		return nil, fmt.Errorf("more than one ->")
	}
	raw := strings.Split(lhs, ",")
	if len(raw) != len(shapes) {
		return nil, fmt.Errorf("%d terms for %d operands", len(raw), len(shapes))
	}
	s := &einsumSpec{terms: make([][]int, len(raw))}
	// The widest ellipsis first: the operands' ellipsis axes align with
	// its last ones.
	parsed := make([][]int, len(raw))
	width := make([]int, len(raw))
	wide := 0
	for i, t := range raw {
		ls, err := parseTerm(t)
		if err != nil {
			return nil, err
		}
		parsed[i] = ls
		letters := len(ls)
		for _, l := range ls {
			if l < 0 {
				letters--
			}
		}
		r := len(shapes[i])
		if letters == len(ls) && r != letters || r < letters {
			return nil, fmt.Errorf("term %q has %d indices for operand %d of rank %d", t, letters, i, r)
		}
		width[i] = r - letters
		wide = max(wide, width[i])
	}
	for i := range s.size {
		s.size[i] = -1
	}
	for i, ls := range parsed {
		var term []int
		for _, l := range ls {
			if l >= 0 {
				term = append(term, l)
				continue
			}
			for j := 0; j < width[i]; j++ {
				term = append(term, ellipsisLabel+wide-width[i]+j)
			}
		}
		for a, l := range term {
			d := shapes[i][a]
			switch old := s.size[l]; {
			case old < 0 || old == d:
				s.size[l] = d
			case l >= ellipsisLabel && (old == 1 || d == 1):
				s.size[l] = max(old, d)
			case l >= ellipsisLabel:
				return nil, fmt.Errorf("the ellipsis axes do not broadcast (lengths %d and %d)", old, d)
			default:
				return nil, fmt.Errorf("index %s has lengths %d and %d", labelName(l), old, d)
			}
		}
		s.terms[i] = term
	}
	if explicit {
		ls, err := parseTerm(rhs)
		if err != nil {
			return nil, err
		}
		var seen [numLabels]bool
		ellipsis := false
		for _, l := range ls {
			if l < 0 {
				ellipsis = true
				for j := 0; j < wide; j++ {
					s.out = append(s.out, ellipsisLabel+j)
				}
				continue
			}
			if seen[l] {
				return nil, fmt.Errorf("the output repeats index %s", labelName(l))
			}
			if s.size[l] < 0 {
				return nil, fmt.Errorf("the output's index %s is in no operand", labelName(l))
			}
			seen[l] = true
			s.out = append(s.out, l)
		}
		if wide > 0 && !ellipsis {
			return nil, fmt.Errorf("the output lacks the ellipsis of the operands' %d broadcast axes", wide)
		}
		return s, nil
	}
	var count [numLabels]int
	for _, t := range s.terms {
		for _, l := range t {
			count[l]++
		}
	}
	for j := 0; j < wide; j++ {
		s.out = append(s.out, ellipsisLabel+j)
	}
	// a–z then A–Z is not character code order: uppercase comes first.
	for _, l := range append(seq(26, ellipsisLabel), seq(0, 26)...) {
		if count[l] == 1 {
			s.out = append(s.out, l)
		}
	}
	return s, nil
}

func seq(lo, hi int) []int {
	s := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

// term is an operand on its way through the lowering: a node and the
// label of each of its axes.
type term struct {
	n      *graph.Node
	labels []int
}

func (t term) axis(l int) int {
	for a, k := range t.labels {
		if k == l {
			return a
		}
	}
	return -1
}

func (t term) has(l int) bool { return t.axis(l) >= 0 }

func (s *einsumSpec) build(operands []*graph.Node) *graph.Node {
	ts := make([]term, len(operands))
	for i, x := range operands {
		ts[i] = s.prepare(term{n: x, labels: s.terms[i]}, i)
	}
	acc := ts[0]
	for i := 1; i < len(ts); i++ {
		// Keep the labels that the output or a later operand needs.
		var keep [numLabels]bool
		for _, l := range s.out {
			keep[l] = true
		}
		for _, t := range ts[i+1:] {
			for _, l := range t.labels {
				keep[l] = true
			}
		}
		acc = s.contract(acc, ts[i], &keep)
	}
	// Sum what the output lacks (a single operand's other indices), then
	// put the axes in the output's order.
	var keep [numLabels]bool
	for _, l := range s.out {
		keep[l] = true
	}
	acc = sumOut(acc, &keep)
	return permute(acc, s.out).n
}

// prepare takes the diagonals of operand i's repeated labels, drops the
// ellipsis axes of length 1 that other operands broadcast (the label is
// then theirs alone), and sums the labels that no other operand and not
// the output have.
func (s *einsumSpec) prepare(t term, i int) term {
	t = diagonals(t)
	var drop []int
	var kept []int
	for a, l := range t.labels {
		if l >= ellipsisLabel && t.n.Shape()[a] == 1 && s.size[l] > 1 {
			drop = append(drop, a)
			continue
		}
		kept = append(kept, l)
	}
	if len(drop) > 0 {
		t = term{n: Squeeze(t.n, drop...), labels: kept}
	}
	var keep [numLabels]bool
	for _, l := range s.out {
		keep[l] = true
	}
	for j, other := range s.terms {
		if j != i {
			for _, l := range other {
				keep[l] = true
			}
		}
	}
	return sumOut(t, &keep)
}

// diagonals replaces each label that t repeats by its diagonal: the
// product with an identity mask over the two axes, summed along the
// second.
func diagonals(t term) term {
	for {
		p, q := -1, -1
		for a := range t.labels {
			for b := a + 1; b < len(t.labels); b++ {
				if t.labels[a] == t.labels[b] {
					p, q = a, b
				}
			}
			if p >= 0 {
				break
			}
		}
		if p < 0 {
			return t
		}
		n := t.n.Shape()[p]
		mask := make(graph.Shape, len(t.labels))
		for a := range mask {
			mask[a] = 1
		}
		mask[p], mask[q] = n, n
		eye := identity(t.n.Graph(), t.n.DType(), n, mask)
		labels := append(append([]int{}, t.labels[:q]...), t.labels[q+1:]...)
		t = term{n: ReduceSum(Mul(t.n, eye), false, q), labels: labels}
	}
}

// identity returns a constant of dtype dt and shape s (n × n once the
// axes of length 1 are dropped) holding the n × n identity.
func identity(g *graph.Graph, dt graph.DType, n int, s graph.Shape) *graph.Node {
	var t *tensor.Dense
	if dt == graph.Float32 {
		v := make([]float32, n*n)
		for i := 0; i < n; i++ {
			v[i*n+i] = 1
		}
		t = tensor.New(tensor.WithShape(s...), tensor.WithBacking(v))
	} else {
		v := make([]float64, n*n)
		for i := 0; i < n; i++ {
			v[i*n+i] = 1
		}
		t = tensor.New(tensor.WithShape(s...), tensor.WithBacking(v))
	}
	return g.Const("", t)
}

// sumOut sums t over the labels that keep does not hold.
func sumOut(t term, keep *[numLabels]bool) term {
	var axes, kept []int
	for a, l := range t.labels {
		if keep[l] {
			kept = append(kept, l)
		} else {
			axes = append(axes, a)
		}
	}
	if len(axes) == 0 {
		return t
	}
	return term{n: ReduceSum(t.n, false, axes...), labels: kept}
}

// permute transposes t so that its labels come in the order of want,
// which must hold the same labels; it adds no node when they already do.
func permute(t term, want []int) term {
	perm := make([]int, len(want))
	same := true
	for i, l := range want {
		perm[i] = t.axis(l)
		same = same && perm[i] == i
	}
	if same {
		return t
	}
	return term{n: Transpose(t.n, perm...), labels: append([]int(nil), want...)}
}

// lengths returns the product of the lengths of labels and their shape.
func (s *einsumSpec) lengths(labels []int) (int, graph.Shape) {
	n, sh := 1, make(graph.Shape, len(labels))
	for i, l := range labels {
		sh[i] = s.size[l]
		n *= s.size[l]
	}
	return n, sh
}

// reshapeTo reshapes x to s unless it has that shape already.
func reshapeTo(x *graph.Node, s graph.Shape) *graph.Node {
	if x.Shape().Equal(s) {
		return x
	}
	return reshapeExact(x, s)
}

// contract multiplies a and b and sums the labels they share that keep
// does not hold. The shared labels kept are the batch axes of a MatMul,
// the shared labels summed its inner dimension, a's other labels its rows
// and b's its columns; a label of only one of them that keep lacks is
// summed first. The result's labels are batch, rows, columns.
func (s *einsumSpec) contract(a, b term, keep *[numLabels]bool) term {
	// Sum what only one side has and nobody needs.
	var keepA, keepB [numLabels]bool
	for l := range keepA {
		keepA[l] = keep[l] || b.has(l)
		keepB[l] = keep[l] || a.has(l)
	}
	a, b = sumOut(a, &keepA), sumOut(b, &keepB)
	var batch, rows, inner, cols []int
	for _, l := range a.labels {
		switch {
		case b.has(l) && keep[l]:
			batch = append(batch, l)
		case b.has(l):
			inner = append(inner, l)
		default:
			rows = append(rows, l)
		}
	}
	for _, l := range b.labels {
		if !a.has(l) {
			cols = append(cols, l)
		}
	}
	_, bs := s.lengths(batch)
	m, ms := s.lengths(rows)
	k, _ := s.lengths(inner)
	n, ns := s.lengths(cols)
	cat := func(parts ...[]int) []int {
		var out []int
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	shape := func(d ...int) graph.Shape { return append(bs.Clone(), d...) }
	var prod *graph.Node
	if len(inner) == 0 {
		// Nothing to sum: a broadcasting product, batch × m × 1 times
		// batch × 1 × n.
		pa := reshapeTo(permute(a, cat(batch, rows)).n, shape(m, 1))
		pb := reshapeTo(permute(b, cat(batch, cols)).n, shape(1, n))
		prod = Mul(pa, pb)
	} else {
		// Use MatMul's transpose flags where an operand's axes lie as
		// batch, inner, rows (or batch, cols, inner).
		flags := 0
		var pa, pb *graph.Node
		if eq(a.labels, cat(batch, inner, rows)) && len(rows) > 0 {
			pa, flags = reshapeTo(a.n, shape(k, m)), flags|TransA
		} else {
			pa = reshapeTo(permute(a, cat(batch, rows, inner)).n, shape(m, k))
		}
		if eq(b.labels, cat(batch, cols, inner)) && len(cols) > 0 {
			pb, flags = reshapeTo(b.n, shape(n, k)), flags|TransB
		} else {
			pb = reshapeTo(permute(b, cat(batch, inner, cols)).n, shape(k, n))
		}
		prod = MatMul(pa, pb, flags)
	}
	return term{n: reshapeTo(prod, cat(bs, ms, ns)), labels: cat(batch, rows, cols)}
}

func eq(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
