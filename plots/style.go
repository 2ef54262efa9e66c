package plots

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// New returns an empty plot in the style of gradgraph's figures: tick
// marks at round values (RoundTicks) and text that renders subscripts
// written as in TeX, θ_n or θ_{n−1}, as subscripts (a "_" that is followed
// by neither a brace nor one character ending a word, as in
// delta_bar_delta, stays as it is).
func New() *plot.Plot {
	p := plot.New()
	h := subscripts{text.Plain{Fonts: font.DefaultCache}}
	p.TextHandler = h
	for _, sty := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label, &p.Legend.TextStyle} {
		sty.Handler = h
	}
	p.X.Tick.Marker = RoundTicks{}
	p.Y.Tick.Marker = RoundTicks{}
	return p
}

// RoundTicks is a plot.Ticker whose major ticks fall on round values, the
// multiples of 1, 2 or 5 times a power of ten that give 4 to 8 of them
// (0, 250, 500, …; 0.5, 1, 1.5, …), labelled with as many decimals as the
// step needs and no more ("1.5", not "1.50"), with minor ticks between.
type RoundTicks struct{}

// Ticks returns the ticks of [min, max].
func (RoundTicks) Ticks(min, max float64) []plot.Tick {
	if !(max > min) || math.IsInf(min, 0) || math.IsInf(max, 0) {
		return []plot.Tick{{Value: min, Label: formatTick(min, 0)}}
	}
	step, minor := tickStep(max - min)
	decimals := max0(-int(math.Floor(math.Log10(step) + 1e-9)))
	var ticks []plot.Tick
	for v := math.Ceil(min/minor) * minor; v <= max+minor*1e-9; v += minor {
		t := plot.Tick{Value: v}
		if r := math.Round(v / step); math.Abs(v/step-r) < 1e-6 {
			t.Value = r * step // no drift: 0.30000000000000004 is 0.3
			t.Label = formatTick(t.Value, decimals)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// tickStep returns the major step, 1, 2 or 5 times a power of ten, that
// cuts span into 4 to 8 pieces (about), and the minor step.
func tickStep(span float64) (major, minor float64) {
	p := math.Pow10(int(math.Floor(math.Log10(span / 5))))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(m*p) <= 8 {
			major = m * p
			break
		}
	}
	minor = major / 5
	if major/p == 2 {
		minor = major / 4
	}
	return major, minor
}

// formatTick writes a tick's value with decimals decimals, or as 1e-07
// when that would take more than five digits after the point (or before
// it).
func formatTick(v float64, decimals int) string {
	switch a := math.Abs(v); {
	case v == 0:
		return "0" // not "-0"
	case a < 1e-4 || a >= 1e6:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

func max0(n int) int {
	if n < 0 {
		return 0
	}
	return n
}

// subscripts is a text handler that draws the subscripts of TeX notation
// (x_n, x_{n−1}) smaller and lower; everything else as text.Plain does.
type subscripts struct{ text.Plain }

// subScale and subDrop are a subscript's size and how far its baseline
// sits below the line's, relative to the font size.
const (
	subScale = 0.7
	subDrop  = 0.25
)

// segment is a run of text, a subscript or not.
type segment struct {
	text string
	sub  bool
}

// split cuts a line into plain runs and subscripts: "_{…}" is a subscript,
// and so is "_c" for one character c that ends a word.
func split(line string) []segment {
	var segs []segment
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			segs = append(segs, segment{plain.String(), false})
			plain.Reset()
		}
	}
	for i := 0; i < len(line); {
		if line[i] == '_' && i+1 < len(line) {
			if line[i+1] == '{' {
				if end := strings.IndexByte(line[i+2:], '}'); end >= 0 {
					flush()
					segs = append(segs, segment{line[i+2 : i+2+end], true})
					i += end + 3
					continue
				}
			} else {
				r, n := utf8.DecodeRuneInString(line[i+1:])
				next, _ := utf8.DecodeRuneInString(line[i+1+n:])
				if i+1+n == len(line) || !isWordRune(next) {
					if r != ' ' {
						flush()
						segs = append(segs, segment{string(r), true})
						i += 1 + n
						continue
					}
				}
			}
		}
		r, n := utf8.DecodeRuneInString(line[i:])
		plain.WriteRune(r)
		i += n
	}
	flush()
	return segs
}

func isWordRune(r rune) bool {
	return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127 && r != '−' && r != '·' && r != '‖'
}

func subFont(fnt font.Font) font.Font {
	fnt.Size *= subScale
	return fnt
}

// width returns the width of a line drawn in fnt.
func (h subscripts) width(line string, fnt font.Font) vg.Length {
	var w vg.Length
	for _, s := range split(line) {
		f := fnt
		if s.sub {
			f = subFont(fnt)
		}
		face := h.Fonts.Lookup(f, f.Size)
		w += face.Width(s.text)
	}
	return w
}

// Box returns the extent of a line, its subscripts included.
func (h subscripts) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	_, height, depth = h.Plain.Box(txt, fnt)
	for _, s := range split(txt) {
		if s.sub {
			sf := subFont(fnt)
			face := h.Fonts.Lookup(sf, sf.Size)
			depth = max(depth, vg.Length(subDrop)*fnt.Size+face.Extents().Descent)
			break
		}
	}
	return h.width(txt, fnt), height, depth
}

// Draw draws txt as text.Plain does, subscripts smaller and lower.
func (h subscripts) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	txt = strings.TrimRight(txt, "\n")
	if len(txt) == 0 {
		return
	}
	fnt := h.Fonts.Lookup(sty.Font, sty.Font.Size)
	c.SetColor(sty.Color)
	if sty.Rotation != 0 {
		c.Push()
		c.Rotate(sty.Rotation)
	}
	sin64, cos64 := math.Sincos(sty.Rotation)
	cos, sin := vg.Length(cos64), vg.Length(sin64)
	pt.X, pt.Y = pt.Y*sin+pt.X*cos, pt.Y*cos-pt.X*sin
	lines := h.Lines(txt)
	pt.Y += sty.Height(txt)*vg.Length(sty.YAlign) - fnt.Extents().Ascent
	for i, line := range lines {
		x := pt.X + vg.Length(sty.XAlign)*h.width(line, sty.Font)
		y := pt.Y + vg.Length(len(lines)-i)*sty.Font.Size
		for _, s := range split(line) {
			f, dy := sty.Font, vg.Length(0)
			if s.sub {
				f, dy = subFont(sty.Font), -vg.Length(subDrop)*sty.Font.Size
			}
			face := h.Fonts.Lookup(f, f.Size)
			c.FillString(face, vg.Point{X: x, Y: y + dy}, s.text)
			x += face.Width(s.text)
		}
	}
	if sty.Rotation != 0 {
		c.Pop()
	}
}

// RoundLogTicks is a plot.Ticker for log axes: major ticks at the powers of
// ten, and at 2 and 5 times them as well when the axis spans less than
// three decades, so that a short axis is labelled more than once; minor
// ticks at the other multiples.
type RoundLogTicks struct{}

// Ticks returns the ticks of [min, max], both > 0.
func (RoundLogTicks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) || math.IsInf(max, 0) {
		return RoundTicks{}.Ticks(min, max)
	}
	fine := math.Log10(max/min) < 3
	var ticks []plot.Tick
	for k := int(math.Floor(math.Log10(min))); k <= int(math.Ceil(math.Log10(max))); k++ {
		p := math.Pow10(k)
		for m := 1; m <= 9; m++ {
			v := float64(m) * p
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || fine && (m == 2 || m == 5) {
				t.Label = formatTick(v, max0(-k))
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
