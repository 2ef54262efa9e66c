package ops

import (
	"fmt"
	"math"

	"github.com/gradgraph/gradgraph/graph"
)

func init() {
	register(
		OpInfo{Go: "Dropout", ONNX: "Dropout", Shape: "x's shape",
			Attrs:   "ratio (ONNX: 0.5), mode (nil: inference), a random stream (ONNX: seed)",
			Formula: "x ⊙ DropoutMask: each element zeroed with probability ratio and the rest scaled by 1/(1 − ratio) in training mode; x in inference mode or for ratio 0",
			VJP:     "g ⊙ the same mask (a Mul)", Differentiable: true},
		OpInfo{Go: "DropoutMask", Type: "DropoutMask", Shape: "x's shape and dtype (x's values are not read)",
			Attrs:   "ratio, mode (nil: inference), a random stream",
			Formula: "in training mode, 0 with probability ratio and 1/(1 − ratio) otherwise, drawn anew at each Run; 1 in inference mode or for ratio 0",
			VJP:     "—"},
	)
}

// Dropout returns x with each element zeroed with probability ratio and
// the others scaled by 1/(1 − ratio) in training mode, and x itself in
// inference mode (a nil mode) or when ratio is 0 (ONNX Dropout, opset 13–
// 17, whose default ratio is 0.5; ratio must lie in [0, 1)). It is
// x ⊙ DropoutMask(x, ratio, mode, rng): the mask is drawn once per Run, so
// the output and its gradient g ⊙ mask use the same one.
//
// The masks come from rng, which stands for ONNX's seed attribute: the
// same seed gives the same masks for the same sequence of training runs,
// on any machine. Several layers may share one stream; each draws a new
// mask at each training Run, in the program's order. With a nil mode or a
// ratio of 0 no mask is ever drawn: the result is Identity(x), and rng
// may be nil.
func Dropout(x *graph.Node, ratio float64, mode *Mode, rng *RNG) *graph.Node {
	op, bad := newMaskOp(x, ratio, mode, rng)
	if bad != nil {
		return bad
	}
	if mode == nil || ratio == 0 {
		return Identity(x) // never a mask but ones
	}
	return Mul(x, graph.ApplyOn(op, x))
}

// DropoutMask returns the scaled mask of Dropout for a value like x (its
// shape and dtype; x's values are not read, and no gradient flows to x
// through the mask): in training mode with ratio > 0, each element is 0
// with probability ratio and 1/(1 − ratio) otherwise, drawn from rng anew
// at each Run; otherwise every element is 1, and rng is not advanced, so
// evaluation runs between training runs do not change the masks training
// sees. A mask shared by several values (the same units dropped in each,
// as variational dropout does) is one DropoutMask multiplied into each.
// ONNX's boolean mask output is Greater(mask, 0). x is a shape-only input
// (graph.ShapeOnly): the mask takes its shape at run time, so a program
// compiled for batches of up to N draws masks for any batch it runs.
func DropoutMask(x *graph.Node, ratio float64, mode *Mode, rng *RNG) *graph.Node {
	op, bad := newMaskOp(x, ratio, mode, rng)
	if bad != nil {
		return bad
	}
	return graph.ApplyOn(op, x)
}

// newMaskOp returns the op of DropoutMask(x, …), or a failed node when an
// argument is wrong.
func newMaskOp(x *graph.Node, ratio float64, mode *Mode, rng *RNG) (maskOp, *graph.Node) {
	op := maskOp{ratio: ratio, mode: mode, rng: rng}
	if x.Failed() {
		return op, graph.ApplyOn(badOp{typ: op.Type()}, x)
	}
	op.meta = graph.Meta{DType: x.DType(), Shape: x.Shape().Clone()}
	if err := op.check(); err != nil {
		return op, graph.ApplyOn(badOp{typ: op.Type(), err: err}, x)
	}
	return op, nil
}

// maskOp draws DropoutMask in the shape and dtype of its one input, whose
// values it does not read.
type maskOp struct {
	meta  graph.Meta
	ratio float64
	mode  *Mode
	rng   *RNG
}

func (maskOp) Type() string { return "DropoutMask" }

func (o maskOp) check() error {
	if !o.meta.DType.IsFloat() {
		return graph.DTypesError([]graph.Meta{o.meta}, "is not float32 or float64")
	}
	if !(o.ratio >= 0 && o.ratio < 1) {
		return fmt.Errorf("ratio %g is not in [0, 1)", o.ratio)
	}
	if o.rng == nil && o.mode != nil && o.ratio > 0 {
		return fmt.Errorf("needs a random stream (ops.NewRNG) to draw masks in training mode")
	}
	return nil
}

func (o maskOp) Infer(in []graph.Meta) (graph.Meta, error) {
	if len(in) != 1 {
		return graph.Meta{}, fmt.Errorf("takes 1 input (for its shape), got %d", len(in))
	}
	return in[0], o.check()
}

// ShapeOnly implements graph.ShapeOnly: the mask reads its input's shape,
// not its values, and no gradient flows through it.
func (maskOp) ShapeOnly(int) bool { return true }

func (o maskOp) Forward(out *graph.Value, _ []*graph.Value) {
	if !o.mode.Training() || o.ratio == 0 {
		if out.F64 != nil {
			fill(out.F64, 1)
		} else {
			fill(out.F32, 1)
		}
		return
	}
	key := o.rng.next()
	thr := uint64(math.Ceil(o.ratio * (1 << 32)))
	if out.F64 != nil {
		drawMask(out.F64, key, thr, 1/(1-o.ratio))
	} else {
		drawMask(out.F32, key, thr, 1/(1-o.ratio))
	}
}

func (maskOp) VJP(n, g *graph.Node, need []bool) []*graph.Node { return []*graph.Node{nil} }

// drawMask sets each element of o to 0 or scale: 0 where its 32-bit
// uniform draw is below thr (probability thr/2³²). Element pair p takes
// the two halves of mix64(key + (p+1)·γ), splitmix64's output p of the
// stream that starts at key, so any range of pairs can be drawn apart.
func drawMask[T graph.Float](o []T, key, thr uint64, scale float64) {
	if !parallelMask(o, key, thr, T(scale)) {
		maskPairs(o, key, thr, T(scale), 0, (len(o)+1)/2)
	}
}

// maskPairs draws pairs [p0, p1) of drawMask, without a branch on the
// draws: a draw below thr wraps its difference with thr around to a
// number whose top bit is set, which picks 0 from the table.
func maskPairs[T graph.Float](o []T, key, thr uint64, scale T, p0, p1 int) {
	tab := [2]T{scale, 0}
	full := min(p1, len(o)/2)
	z := key + uint64(p0)*golden
	for p := p0; p < full; p++ {
		z += golden
		u := mix64(z)
		o[2*p] = tab[((u&0xffffffff)-thr)>>63&1]
		o[2*p+1] = tab[((u>>32)-thr)>>63&1]
	}
	if p1 > full { // the last element of an odd length: its pair's low half
		z += golden
		o[2*full] = tab[((mix64(z)&0xffffffff)-thr)>>63&1]
	}
}

// RNG is the random stream of dropout masks. It is counter-based: mask k
// drawn from a stream of seed s is a function of (s, k) alone, so its
// whole state is two numbers, which State reads and SetState restores: a
// training run checkpointed with its state resumes with bit-identical
// masks. Each element of a mask is decided by 32 bits of splitmix64
// (Steele, Lea and Flood, 2014), whose stream for mask k starts at a key
// mixed from s and k: a multiply-xorshift hash per two elements, with no
// allocation, and any range of a mask computable on its own, so large
// masks are drawn on several cores with the same bits. An element is
// dropped when its 32-bit draw is below ⌈ratio·2³²⌉, a probability within
// 2⁻³² of ratio.
//
// An RNG is advanced by the DropoutMask kernels that draw from it, once
// per mask drawn, from the goroutine that runs the program; it must not
// be used by programs running concurrently.
type RNG struct{ seed, count uint64 }

// NewRNG returns the stream of the given seed, with no mask drawn yet.
func NewRNG(seed uint64) *RNG { return &RNG{seed: seed} }

// State returns the stream's seed and the number of masks drawn from it.
func (r *RNG) State() (seed, count uint64) { return r.seed, r.count }

// SetState restores a state returned by State: the next mask drawn is the
// one that followed when the state was read.
func (r *RNG) SetState(seed, count uint64) { r.seed, r.count = seed, count }

// next returns the key of the next mask and counts it.
func (r *RNG) next() uint64 {
	k := mix64(mix64(r.seed) + r.count*golden)
	r.count++
	return k
}

// golden is splitmix64's increment, 2⁶⁴/φ rounded to an odd number.
const golden = 0x9e3779b97f4a7c15

// mix64 is splitmix64's output function (Stafford's Mix13), a bijection
// of 64-bit words in which every input bit affects every output bit.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}
