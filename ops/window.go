package ops

import (
	"fmt"

	"github.com/gradgraph/gradgraph/graph"
)

// Convolutions and pools slide a window over the spatial axes of an
// N × C × D₁ × … × D_d value. This file holds what they share: ONNX's
// auto_pad, the per-axis geometry of the window (resolved once from the
// attributes and the shapes), and the output-size rules.

// maxSpatial is the largest number of spatial axes: a value's rank less
// its batch and channel axes.
const maxSpatial = graph.MaxRank - 2

// AutoPad is ONNX's auto_pad attribute of Conv, ConvTranspose and the
// pools: how the padding is chosen when it is not given explicitly.
type AutoPad uint8

// The values of AutoPad.
const (
	// AutoPadNotSet (ONNX NOTSET, the default) uses the explicit pads.
	AutoPadNotSet AutoPad = iota
	// AutoPadSameUpper pads so that the output has ⌈in/stride⌉ positions
	// along each axis (in·stride for ConvTranspose), the odd unit of
	// padding at the end.
	AutoPadSameUpper
	// AutoPadSameLower is AutoPadSameUpper with the odd unit at the
	// beginning.
	AutoPadSameLower
	// AutoPadValid does not pad.
	AutoPadValid
)

// String returns ONNX's spelling: "NOTSET", "SAME_UPPER", "SAME_LOWER" or
// "VALID".
func (a AutoPad) String() string {
	switch a {
	case AutoPadNotSet:
		return "NOTSET"
	case AutoPadSameUpper:
		return "SAME_UPPER"
	case AutoPadSameLower:
		return "SAME_LOWER"
	case AutoPadValid:
		return "VALID"
	}
	return fmt.Sprintf("AutoPad(%d)", uint8(a))
}

// window is the geometry of a window sliding along d spatial axes: axis a
// of the input has in[a] positions; the window has k[a] taps dil[a] apart
// and moves by stride[a]; the input is padded by padB[a] positions before
// and padE[a] after; output position o of axis a puts the window's first
// tap on input position o·stride[a] − padB[a]. Pads may be negative
// inside the package (ConvTranspose's geometry, seen as the convolution
// it is the transpose of).
type window struct {
	d                                   int
	in, k, out, stride, dil, padB, padE [maxSpatial]int
}

func prod(a []int) int {
	n := 1
	for _, v := range a {
		n *= v
	}
	return n
}

// inSize, outSize and kSize are the numbers of input positions, output
// positions and taps.
func (w *window) inSize() int  { return prod(w.in[:w.d]) }
func (w *window) outSize() int { return prod(w.out[:w.d]) }
func (w *window) kSize() int   { return prod(w.k[:w.d]) }

// span is the extent of the window along axis a: (k − 1)·dil + 1.
func (w *window) span(a int) int { return (w.k[a]-1)*w.dil[a] + 1 }

// identity reports whether the window is one tap that visits every input
// position once in order: a 1×1 convolution, whose patches are the input.
func (w *window) identity() bool {
	for a := 0; a < w.d; a++ {
		if w.k[a] != 1 || w.stride[a] != 1 || w.padB[a] != 0 || w.in[a] != w.out[a] {
			return false
		}
	}
	return true
}

// floorDiv and ceilDiv divide rounding toward −∞ and +∞; b > 0.
func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func ceilDiv(a, b int) int {
	if b == 1 { // the common stride and dilation, without a division
		return a
	}
	return -floorDiv(-a, b)
}

// taps returns, for output position o of axis a, the range [lo, hi) of
// taps that land inside the input (lo ≥ hi: none), and the input position
// of tap 0.
func (w *window) taps(a, o int) (lo, hi, first int) {
	first = o*w.stride[a] - w.padB[a]
	d := w.dil[a]
	lo = max(0, ceilDiv(-first, d))
	hi = min(w.k[a], ceilDiv(w.in[a]-first, d))
	return lo, hi, first
}

// outputs returns the range [lo, hi) of output positions of axis a at
// which tap t lands inside the input, and the input position it reads at
// output position 0 (then one stride further at each next position).
func (w *window) outputs(a, t int) (lo, hi, off int) {
	off = t*w.dil[a] - w.padB[a]
	s := w.stride[a]
	lo = max(0, ceilDiv(-off, s))
	hi = min(w.out[a], ceilDiv(w.in[a]-off, s))
	return lo, max(lo, hi), off
}

// spatialAttrs holds the per-axis attributes every windowed op takes, as
// given: nil means ONNX's default.
type spatialAttrs struct {
	strides, pads, dilations []int
	autoPad                  AutoPad
	// negPads allows negative pads: only the geometry a ConvTranspose
	// hands to its gradient has them.
	negPads bool
}

func cloneInts(v []int) []int {
	if v == nil {
		return nil
	}
	return append([]int{}, v...)
}

func (s spatialAttrs) clone() spatialAttrs {
	s.strides, s.pads, s.dilations = cloneInts(s.strides), cloneInts(s.pads), cloneInts(s.dilations)
	return s
}

// explicit returns the attributes with w's pads written out and auto_pad
// NOTSET: what a gradient op needs to rebuild the same geometry.
func (s spatialAttrs) explicit(w *window) spatialAttrs {
	e := spatialAttrs{negPads: s.negPads}
	e.strides = append([]int{}, w.stride[:w.d]...)
	e.dilations = append([]int{}, w.dil[:w.d]...)
	e.pads = append(append([]int{}, w.padB[:w.d]...), w.padE[:w.d]...)
	return e
}

// resolve fills w's strides, dilations and pads for d spatial axes from
// the attributes, checking them; w.in and w.k must be set. The pads are
// those given, or those auto_pad asks for (SAME: total max(0, (⌈in/s⌉ −
// 1)·s + span − in), split as ONNX says), and w.out is left to the caller.
func (s spatialAttrs) resolve(w *window, dilations bool) error {
	d := w.d
	if err := perAxis("strides", s.strides, d, 1); err != nil {
		return err
	}
	if err := perAxis("dilations", s.dilations, d, 1); err != nil {
		return err
	}
	if !dilations && s.dilations != nil {
		return fmt.Errorf("takes no dilations")
	}
	if s.pads != nil && len(s.pads) != 2*d {
		return fmt.Errorf("has %d pads, want %d (begin and end of %d spatial axes)", len(s.pads), 2*d, d)
	}
	if s.autoPad > AutoPadValid {
		return fmt.Errorf("has an unknown auto_pad %s", s.autoPad)
	}
	if s.autoPad != AutoPadNotSet && s.pads != nil {
		return fmt.Errorf("has both pads %v and auto_pad %s", s.pads, s.autoPad)
	}
	for a := 0; a < d; a++ {
		w.stride[a], w.dil[a] = 1, 1
		if s.strides != nil {
			w.stride[a] = s.strides[a]
		}
		if s.dilations != nil {
			w.dil[a] = s.dilations[a]
		}
		w.padB[a], w.padE[a] = 0, 0
		if s.pads != nil {
			w.padB[a], w.padE[a] = s.pads[a], s.pads[d+a]
			if !s.negPads && (w.padB[a] < 0 || w.padE[a] < 0) {
				return fmt.Errorf("has negative pads %v", s.pads)
			}
		}
		if s.autoPad == AutoPadSameUpper || s.autoPad == AutoPadSameLower {
			out := ceilDiv(w.in[a], w.stride[a])
			total := max(0, (out-1)*w.stride[a]+w.span(a)-w.in[a])
			small := total / 2
			w.padB[a], w.padE[a] = small, total-small
			if s.autoPad == AutoPadSameLower {
				w.padB[a], w.padE[a] = total-small, small
			}
		}
	}
	return nil
}

// perAxis checks an attribute of one value per spatial axis, each ≥ least.
func perAxis(name string, v []int, d, least int) error {
	if v == nil {
		return nil
	}
	if len(v) != d {
		return fmt.Errorf("has %d %s, want %d (one per spatial axis)", len(v), name, d)
	}
	for _, x := range v {
		if x < least {
			return fmt.Errorf("has %s %v, want each ≥ %d", name, v, least)
		}
	}
	return nil
}

// setOut sets w.out from the resolved pads: ⌊(in + pads − span)/stride⌋
// + 1, or with ceil the ceiling, less one if the last window would then
// start in the end padding (PyTorch's rule, which ONNX adopted: "sliding
// windows that would start in the right padded region are ignored").
func (w *window) setOut(ceil bool) error {
	for a := 0; a < w.d; a++ {
		n := w.in[a] + w.padB[a] + w.padE[a] - w.span(a)
		if n < 0 {
			return fmt.Errorf("axis %d: the window spans %d positions, more than the %d of the padded input", a, w.span(a), w.in[a]+w.padB[a]+w.padE[a])
		}
		out := floorDiv(n, w.stride[a]) + 1
		if ceil {
			out = ceilDiv(n, w.stride[a]) + 1
			if (out-1)*w.stride[a] >= w.in[a]+w.padB[a] {
				out--
			}
		}
		w.out[a] = out
	}
	return nil
}

// emptyWindow returns the first (axis, output position) whose window holds
// no input position, if any: a pool cannot take the maximum or the mean of
// nothing.
func (w *window) emptyWindow() (axis, pos int, ok bool) {
	for a := 0; a < w.d; a++ {
		for o := 0; o < w.out[a]; o++ {
			if lo, hi, _ := w.taps(a, o); lo >= hi {
				return a, o, true
			}
		}
	}
	return 0, 0, false
}

// spatialShape returns the d spatial extents of shape s, checking that it
// is N × C × spatial with at least one spatial axis.
func spatialShape(s graph.Shape) (int, error) {
	if len(s) < 3 {
		return 0, fmt.Errorf("has no spatial axes (want N × C × D₁ × …)")
	}
	return len(s) - 2, nil
}
