// Package plots draws the figures of gradgraph: training curves, loss
// curves of several optimizers, and optimizer trajectories over the contour
// lines of 2-D test functions. It is a thin layer over gonum.org/v1/plot
// that gives every figure a title, labelled axes and a legend, and writes
// PNG files.
package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

// Series is one named curve.
type Series struct {
	Name string
	X, Y []float64
	// Faint draws the series thin and light, for many noisy points behind
	// a smoother curve.
	Faint bool
}

// Palette is the sequence of colours given to series in order.
var Palette = []color.Color{
	color.RGBA{31, 119, 180, 255},
	color.RGBA{255, 127, 14, 255},
	color.RGBA{44, 160, 44, 255},
	color.RGBA{214, 39, 40, 255},
	color.RGBA{148, 103, 189, 255},
	color.RGBA{140, 86, 75, 255},
	color.RGBA{227, 119, 194, 255},
	color.RGBA{127, 127, 127, 255},
	color.RGBA{188, 189, 34, 255},
	color.RGBA{23, 190, 207, 255},
}

// Lines returns a plot of the series as lines, with a title, axis labels and
// a legend. logY draws the y axis on a log scale (every Y must be > 0). A
// series of a single point is drawn as a dot. The legend stays off the
// data: it goes to a corner of the plot that no point of the series falls
// in (the top right if it can), or, when every corner has some, a short
// legend goes on top of a y axis stretched to leave it room, and a long
// one beside the plot, on the right (see Save). The corners are judged
// for panels about 5 × 4 inches, the size of the figures in docs/.
func Lines(title, xLabel, yLabel string, logY bool, series ...Series) (*plot.Plot, error) {
	p := New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.Top = true
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = RoundLogTicks{}
	}
	p.Add(plotter.NewGrid())
	var points plotter.XYs
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plots: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y))
		}
		if len(s.X) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.X))
		for k := range s.X {
			xys[k].X, xys[k].Y = s.X[k], s.Y[k]
			if logY && !(xys[k].Y > 1e-12) {
				xys[k].Y = 1e-12 // a log axis cannot show 0 (or NaN)
			}
		}
		points = append(points, xys...)
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("plots: series %q: %w", s.Name, err)
		}
		l.Color = Palette[i%len(Palette)]
		l.Width = vg.Points(1.5)
		if s.Faint {
			r, g, b, _ := l.Color.RGBA()
			l.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 90}
			l.Width = vg.Points(0.75)
		}
		if i >= len(Palette) {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
		}
		p.Add(l)
		if len(xys) == 1 {
			// A line through one point draws nothing: a dot instead.
			dot, err := plotter.NewScatter(xys)
			if err != nil {
				return nil, fmt.Errorf("plots: series %q: %w", s.Name, err)
			}
			dot.Color, dot.Shape, dot.Radius = l.Color, draw.CircleGlyph{}, vg.Points(3)
			p.Add(dot)
			p.Legend.Add(s.Name, l, dot)
		} else {
			p.Legend.Add(s.Name, l)
		}
	}
	widen(&p.X, false)
	widen(&p.Y, logY)
	placeLegend(p, series, points, logY)
	return p, nil
}

// widen gives an axis whose data span a single value some room around it.
func widen(a *plot.Axis, log bool) {
	if a.Min != a.Max || math.IsInf(a.Min, 0) {
		return
	}
	if log {
		a.Min, a.Max = a.Min/2, a.Max*2
		return
	}
	d := max(math.Abs(a.Min)/10, 0.5)
	a.Min, a.Max = a.Min-d, a.Max+d
}

// The panel assumed by placeLegend: the data area of a 5 × 4 inch figure,
// in points, and the height of one legend entry.
const (
	panelWidth, panelHeight = 300.0, 220.0
	legendEntry             = 14.0
)

// placeLegend puts p's legend in the corner where it covers the fewest of
// points, preferring the top right, and stretches the y axis when even
// that corner covers some, so that the legend sits above (or below) the
// data.
func placeLegend(p *plot.Plot, series []Series, points plotter.XYs, logY bool) {
	entries, longest := 0, 0
	for _, s := range series {
		if len(s.X) > 0 {
			entries++
			longest = max(longest, utf8.RuneCountInString(s.Name))
		}
	}
	if entries == 0 || len(points) == 0 {
		return
	}
	fw := math.Min(1, (6.5*float64(longest)+30)/panelWidth)
	fh := math.Min(0.9, (legendEntry*float64(entries)+6)/panelHeight)
	ny := func(y float64) float64 {
		if logY {
			return (math.Log(y) - math.Log(p.Y.Min)) / (math.Log(p.Y.Max) - math.Log(p.Y.Min))
		}
		return (y - p.Y.Min) / (p.Y.Max - p.Y.Min)
	}
	nx := func(x float64) float64 { return (x - p.X.Min) / (p.X.Max - p.X.Min) }
	best, bestCount := -1, 0
	for c, corner := range []struct{ top, left bool }{{true, false}, {true, true}, {false, false}, {false, true}} {
		count := 0
		for _, pt := range points {
			x, y := nx(pt.X), ny(pt.Y)
			inX, inY := x >= 1-fw, y >= 1-fh
			if corner.left {
				inX = x <= fw
			}
			if !corner.top {
				inY = y <= fh
			}
			if inX && inY {
				count++
			}
		}
		if best < 0 || count < bestCount {
			best, bestCount = c, count
		}
	}
	p.Legend.Top, p.Legend.Left = best < 2, best%2 == 1
	if bestCount == 0 {
		return
	}
	if fh > 0.25 {
		// Room for a tall legend would squash the data: Save draws it
		// beside the plot.
		p.Legend.Top, p.Legend.Left, p.Legend.XOffs = true, false, outside
		return
	}
	// Stretch the axis by the legend's height on its side.
	grow := fh / (1 - fh)
	if logY {
		lo, hi := math.Log(p.Y.Min), math.Log(p.Y.Max)
		if p.Legend.Top {
			p.Y.Max = math.Exp(hi + grow*(hi-lo))
		} else {
			p.Y.Min = math.Exp(lo - grow*(hi-lo))
		}
		return
	}
	span := p.Y.Max - p.Y.Min
	if p.Legend.Top {
		p.Y.Max += grow * span
	} else {
		p.Y.Min -= grow * span
	}
}

// outside is the Legend.XOffs by which Lines asks Save to draw a legend
// beside its plot rather than on it.
const outside = vg.Length(-1e-3)

// Save writes plots side by side (one row) into a PNG file of the given
// size in points, atomically. A plot whose legend Lines put beside it
// gives up the legend's width on the right of its tile.
func Save(path string, width, height vg.Length, ps ...*plot.Plot) error {
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 1, Cols: len(ps), PadX: vg.Millimeter * 6, PadY: vg.Millimeter * 3,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 4}
	canvases := plot.Align([][]*plot.Plot{ps}, tiles, dc)
	for i, p := range ps {
		c := canvases[0][i]
		if p.Legend.XOffs == outside && !p.Legend.Left {
			reserve := p.Legend.Rectangle(c).Size().X + 4*vg.Millimeter
			c = draw.Crop(c, 0, -reserve, 0, 0)
			p.Legend.XOffs = reserve
			p.Draw(c)
			p.Legend.XOffs = outside
			continue
		}
		p.Draw(c)
	}
	return atomicfile.WriteFile(path, pngBytes(img), 0o666)
}

func pngBytes(img *vgimg.Canvas) []byte {
	var buf bytes.Buffer
	_, _ = vgimg.PngCanvas{Canvas: img}.WriteTo(&buf)
	return buf.Bytes()
}
